// dtmap audit on snapshots recorded in booted QEMU guests (fixtures/audit/README.md): every
// function's verdicts, as the kernel's iommu groups and MSI counts in the snapshot bear out.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { audit, auditFails, parseSnapshot } from '../../src/audit/index.js';

const load = (name: string) => {
  const file = `fixtures/audit/${name}`;
  return audit(parseSnapshot(readFileSync(file, 'utf8'), file), { file });
};
/** bb:dd.f -> its verdicts as kind (severity when it is an error) */
const verdicts = (name: string) =>
  Object.fromEntries(
    load(name).functions.map((f) => [
      f.name.slice(5),
      f.verdicts.map((v) => v.kind + (v.severity === 'error' ? '!' : '')).join(' + '),
    ]),
  );

describe('snapshots of booted guests', () => {
  it('devicetree, DMA domains, gaps in both maps (6.1)', () => {
    expect(verdicts('qemu-dt-dma-gaps-6.1.json')).toEqual({
      '00:00.0': 'no-driver',
      '00:02.0': 'isolated',
      '00:03.0': 'isolated',
      '00:04.0': 'no-iommu + no-msi-domain',
      '00:04.1': 'no-iommu + no-msi-domain',
      '00:05.0': 'isolated',
      '01:00.0': 'isolated',
    });
    const r = load('qemu-dt-dma-gaps-6.1.json');
    expect(auditFails(r)).toBe(false);
    const f = r.functions.find((x) => x.name === '0000:00:04.0')!;
    expect(f.iommu.status).toBe('bypass');
    // QEMU's SMMUv3 on its defaults aborts a StreamID Linux gave no device (the gap-dma boot, docs/kernel-test.md)
    expect(f.verdicts[0]!.text).toBe('no iommu-map row covers it (DMA aborted)');
    expect(r.functions.find((x) => x.name === '0000:01:00.0')!.iommu.rows).toEqual([
      'iommu-map entry 1: <0x28 /smmuv3@9050000 0x28 0xffd8>',
    ]);
  });

  it('devicetree, a mask folding bus 0 on one StreamID: the first to bind holds it (6.1)', () => {
    expect(verdicts('qemu-dt-fold-bus-6.1.json')).toEqual({
      '00:00.0': 'no-driver',
      '00:02.0': 'no-iommu!',
      '00:03.0': 'no-iommu!',
      '00:04.0': 'no-iommu!',
      '00:04.1': 'no-iommu!',
      '00:05.0': 'not-explained',
      '01:00.0': 'not-explained',
    });
    const r = load('qemu-dt-fold-bus-6.1.json');
    expect(r.functions[1]!.verdicts[0]!.text).toMatch(/^StreamID 0x10 on \/smmuv3@9050000 is already 0000:00:05.0's/);
    expect(r.functions.find((x) => x.name === '0000:00:05.0')!.verdicts[0]!.text).toMatch(
      /^identity domain: .*iommu\.passthrough=1 on the kernel command line$/,
    );
    expect(auditFails(r)).toBe(true);
  });

  it('ACPI, a VIOT the kernel does not read (6.1 without CONFIG_ACPI_VIOT)', () => {
    expect(verdicts('qemu-acpi-virtio-iommu-6.1.json')).toEqual({
      '00:00.0': 'no-driver',
      '00:01.0': 'no-iommu',
      '00:02.0': 'not-explained!',
      '00:05.0': 'not-explained!',
      '00:08.0': 'no-driver',
      '01:00.0': 'not-explained!',
      '80:00.0': 'no-iommu',
      '81:00.0': 'no-iommu',
    });
    const r = load('qemu-acpi-virtio-iommu-6.1.json');
    expect(r.description).toBe('acpi');
    expect(r.functions[1]!.verdicts[0]!.text).toMatch(/^the virtio-iommu itself \(virtio-iommu-pci@0x30\)/);
    expect(r.functions[2]!.verdicts[0]!.text).toMatch(/\/sys\/class\/iommu is empty/);
  });

  it('ACPI, an expander bridge past the SMMU (6.12)', () => {
    expect(verdicts('qemu-acpi-pxb-bypass-6.12.json')).toEqual({
      '00:00.0': 'no-driver',
      '00:02.0': 'not-explained',
      '00:08.0': 'no-driver',
      '00:09.0': 'no-driver',
      '80:00.0': 'no-iommu',
      '81:00.0': 'no-iommu',
      'c0:00.0': 'not-explained',
      'c1:00.0': 'not-explained',
    });
    const f = load('qemu-acpi-pxb-bypass-6.12.json').functions.find((x) => x.name === '0000:81:00.0')!;
    expect(f.msi).toMatchObject({ status: 'translated', id: 0x8100, domain: 'its-group@0x30' });
  });

  it('ACPI, an SMMUv3 with DMA domains (6.12)', () => {
    const v = verdicts('qemu-acpi-smmuv3-dma-6.12.json');
    expect(
      Object.entries(v)
        .filter(([, k]) => k === 'isolated')
        .map(([b]) => b),
    ).toEqual(['00:02.0', '00:03.0', '00:05.0', '01:00.0', '80:00.0', '81:00.0']);
    expect(v['00:00.0']).toBe('no-driver');
    expect(v['00:08.0']).toBe('no-driver');
  });
});
