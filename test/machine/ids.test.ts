// The IDs iommus and msi-parent hold, and arm_smmu_find_sme()'s verdict on two stream matches.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { readDtb } from '../../src/dtb/read.js';
import { idClashes, matchOf, relation, specifiers } from '../../src/machine/ids.js';
import { buildMachine } from '../../src/machine/machine.js';

const load = (name: string) => readDtb(readFileSync(`fixtures/rules/${name}.dtb`), `${name}.dtb`);

describe('relation(): arm_smmu_find_sme() and exact IDs', () => {
  it('an entry entirely within an existing SMR is reused', () => {
    expect(relation('arm-smmu', { id: 0x1c00, mask: 0x7f }, { id: 0x1c01, mask: 0 })).toBe('within');
    expect(relation('arm-smmu', { id: 0x1c00, mask: 0x7f }, { id: 0x1c40, mask: 0x3f })).toBe('within');
  });
  it('any other overlap is refused, and disjoint entries do not meet', () => {
    expect(relation('arm-smmu', { id: 0x400, mask: 0x7 }, { id: 0x404, mask: 0xf })).toBe('overlap');
    expect(relation('arm-smmu', { id: 0x1c01, mask: 0 }, { id: 0x1c00, mask: 0x7f })).toBe('overlap');
    expect(relation('arm-smmu', { id: 0x1c00, mask: 0x7f }, { id: 0x1c80, mask: 0 })).toBeUndefined();
  });
  it('SMMUv3 and the ITS compare IDs', () => {
    expect(relation('smmu-v3', { id: 5, mask: 0 }, { id: 5, mask: 0 })).toBe('same');
    expect(relation('its', { id: 5, mask: 0 }, { id: 6, mask: 0 })).toBeUndefined();
  });
});

describe('specifiers and clashes on the fixtures', () => {
  it('reads iommus with #iommu-cells and msi-parent with #msi-cells', () => {
    const tree = load('ids-smmuv3-its');
    const s = specifiers(tree).map((x) => `${x.user.path} ${x.property} ${x.target.path} ${x.args.join(',')}`);
    expect(s).toEqual([
      '/iommu@9050000 msi-parent /msi-controller@8080000 512',
      '/dma-controller@a000000 iommus /iommu@9050000 256',
      '/dma-controller@a100000 iommus /iommu@9050000 768',
      '/pcie@40000000 msi-parent /msi-controller@8080000 0',
    ]);
  });
  it('an arm-smmu one-cell specifier takes the SMMU stream-match-mask', () => {
    const tree = load('iommus-smr-overlap');
    const smmu = tree.root.children.find((n) => n.name.startsWith('iommu@'))!;
    expect(matchOf(smmu, [0x404])).toEqual({ id: 0x404, mask: 0xf });
    expect(matchOf(smmu, [0x400, 0x7])).toEqual({ id: 0x400, mask: 0x7 });
  });
  it('the qcom controller SMR meets both map StreamIDs, within', () => {
    const tree = load('iommus-qcom-pcie');
    const m = buildMachine(tree, 'classic');
    const c = idClashes(tree, m.bridges).map((x) => [x.relation, x.entry.index, x.ids, x.rids]);
    expect(c).toEqual([
      ['within', 0, [0x1c00, 0x1c00], [[0, 0]]],
      ['within', 1, [0x1c01, 0x1c01], [[0x100, 0x100]]],
    ]);
  });
});
