// What a gap's DMA meets, per IOMMU (src/words.ts gapDma()): the driver's choice, by compatible.
import { describe, expect, it } from 'vitest';
import { gapDma, gapDmaAt, gapDmaOf } from '../src/words.js';
import { node, tree } from './helpers.js';

const iommu = (compatible: string, name = 'iommu@0') => node(name, { compatible, '#iommu-cells': [1] });

describe('gapDma', () => {
  it('SMMUv3 aborts; arm-smmu depends on disable_bypass; virtio-iommu on its bypass setting', () => {
    expect(gapDmaOf(iommu('arm,smmu-v3'))).toMatchObject({ verdict: 'aborted', dma: 'DMA aborted' });
    for (const c of ['arm,mmu-500', 'qcom,sm8250-smmu-500', 'qcom,smmu-v2', 'nvidia,smmu-500', 'arm,smmu-v2'])
      expect(gapDmaOf(iommu(c))).toMatchObject({
        verdict: 'depends',
        dma: 'DMA aborted unless arm-smmu.disable_bypass=0',
      });
    expect(gapDmaOf(iommu('virtio,pci-iommu')).verdict).toBe('depends');
    expect(gapDmaOf(iommu('apple,t8103-dart')).verdict).toBe('aborted');
    expect(gapDmaOf(iommu('renesas,ipmmu-r8a7795'))).toMatchObject({
      verdict: 'depends',
      dma: 'DMA untranslated or aborted, as renesas,ipmmu-r8a7795 decides',
    });
  });

  it('one verdict when the IOMMUs agree, else one per IOMMU; none without a target', () => {
    const a = iommu('arm,smmu-v3', 'iommu@1');
    const b = iommu('arm,smmu-v3', 'iommu@2');
    const c = iommu('arm,mmu-500', 'iommu@3');
    tree([a, b, c]);
    expect(gapDma([a, b]).dma).toBe('DMA aborted');
    expect(gapDma([a, c]).dma).toBe(
      'DMA aborted on /iommu@1, DMA aborted unless arm-smmu.disable_bypass=0 on /iommu@3',
    );
    expect(gapDma([]).verdict).toBe('depends');
  });
});

describe('gapDmaAt', () => {
  it("the IOMMU's own function: untranslated; any other function: the IOMMU's verdict", () => {
    const v = node('virtio_iommu@2,0', { compatible: 'virtio,pci-iommu', '#iommu-cells': [1] });
    const nic = node('ethernet@3,0', {});
    expect(gapDmaAt([v], v).verdict).toBe('untranslated');
    expect(gapDmaAt([v], nic).verdict).toBe('depends');
    expect(gapDmaAt([v], undefined).verdict).toBe('depends');
  });
});
