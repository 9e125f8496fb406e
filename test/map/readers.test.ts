// Every reader on the fixtures of fixtures/readers/ (built by scripts/build-fixtures.sh), with
// the outcomes worked out by hand from each reader's source (the module headers cite them).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { readDtb } from '../../src/dtb/read.js';
import { check } from '../../src/checks/index.js';
import { lookup } from '../../src/core/lookup.js';
import { parseMap, type MapTable } from '../../src/map/map.js';
import { READERS, readerNamed, parseReaders, type ReaderName } from '../../src/map/readers/index.js';
import { crc8, programsSidTable, programTable, tableLookup } from '../../src/map/readers/pcie-qcom.js';
import { node, tree } from '../helpers.js';
import { Property } from '../../src/tree/model.js';

const load = (name: string) => readDtb(readFileSync(`fixtures/readers/${name}.dtb`), `${name}.dtb`);

/** What one reader makes of one RID: status, output IDs or errno. */
const parsed = new Map<string, MapTable | undefined>();
function read(name: string, reader: ReaderName, path: string, kind: 'iommu' | 'msi', rid: number) {
  const key = `${name} ${reader} ${path} ${kind}`;
  if (!parsed.has(key)) {
    const t = load(name);
    parsed.set(key, readerNamed(reader)!.parse(t, t.byPath(path)!, kind)?.map.table);
  }
  const m = parsed.get(key);
  if (!m) return 'not read';
  const r = lookup(m, rid);
  return r.status === 'translated' ? r.ids : r.status === 'error' ? `-${r.errno}` : r.status;
}

const portability = (name: string, readers: ReaderName[]) =>
  check(load(name), { readers: readers.map((r) => readerNamed(r)!) })
    .filter((d) => d.rule === 'map-portability')
    .map((d) => ({ severity: d.severity, property: d.property, rids: d.rids, message: d.message }));

describe('sm8250 with 5-cell rows for its 2-cell SMMU', () => {
  const PCIE = '/pcie@1c00000';
  it('linux-mainline reads the rows as meant', () => {
    expect(read('sm8250-five-cell', 'linux-mainline', PCIE, 'iommu', 0x0)).toEqual([0x1c00, 0x0]);
    expect(read('sm8250-five-cell', 'linux-mainline', PCIE, 'iommu', 0x100)).toEqual([0x1c01, 0x0]);
    expect(read('sm8250-five-cell', 'linux-mainline', PCIE, 'iommu', 0x101)).toBe('bypass');
  });

  it.each<ReaderName>(['linux-classic', 'xen'])('%s: bad length (40 bytes) for every RID', (reader) => {
    for (const rid of [0x0, 0x100, 0xffff])
      expect(read('sm8250-five-cell', reader, PCIE, 'iommu', rid)).toBe('-EINVAL');
    const t = load('sm8250-five-cell');
    expect(lookup(readerNamed(reader)!.parse(t, t.byPath(PCIE)!, 'iommu')?.map.table, 0x100).log).toBe(
      `OF: ${PCIE}: Error: Bad iommu-map length: 40`,
    );
  });

  it('pcie-qcom: the 4-cell stride programs BDF 0x1 with a spilled SID and leaves 01:00.0 out', () => {
    // rows read: <0x0 &smmu 0x1c00 0x0>, <0x1 0x100 &smmu 0x1c01>: the second row's smmu_sid
    // is the phandle (1), 0xffffe401 below the base 0x1c00, shifted into the BDF field
    const t = load('sm8250-five-cell');
    const phandle = t.byPath('/iommu@15000000')!.prop('phandle')!.u32(0)!;
    const table = programTable([0x0, phandle, 0x1c00, 0x0, 0x1, 0x100, phandle, 0x1c01]);
    expect(table.slots[crc8(0x0001)]).toBe((((0x1 << 16) | (((phandle - 0x1c00) >>> 0) << 8)) & 0xffffff00) >>> 0);
    expect(tableLookup(table, 0x100)).toBeUndefined();
    expect(read('sm8250-five-cell', 'pcie-qcom', PCIE, 'iommu', 0x0)).toEqual([0x1c00]); // slot 0 is 0: BDF 0, offset 0
    expect(read('sm8250-five-cell', 'pcie-qcom', PCIE, 'iommu', 0x100)).toBe('bypass'); // not in the table
  });

  it('--reader all: exact map-portability findings', () => {
    expect(
      portability(
        'sm8250-five-cell',
        READERS.map((r) => r.name),
      ),
    ).toEqual([
      // 00:00.0 and 01:00.0: three readings (refused; translated; SID 0x1c00 for 00:00.0, not in the table for 01:00.0)
      expect.objectContaining({
        severity: 'warning',
        property: 'iommu-map',
        rids: [
          [0x0, 0x0],
          [0x100, 0x100],
        ],
        message: expect.stringContaining(
          '2 RIDs (00:00.0, 01:00.0) translate differently by linux-classic, xen, freebsd, u-boot / linux-mainline / pcie-qcom',
        ),
      }),
      // every other RID: refused by the 4-cell readers, a gap for mainline and the table
      expect.objectContaining({
        severity: 'warning',
        property: 'iommu-map',
        rids: [
          [0x1, 0xff],
          [0x101, 0xffff],
        ],
        message: expect.stringContaining('by linux-classic, xen, freebsd, u-boot / linux-mainline, pcie-qcom'),
      }),
      {
        severity: 'info',
        property: 'iommu-map',
        rids: [],
        message: `pcie-qcom: BDF 0x1: SID 0x1 is 0xffffe401 from the first row's 0x1c00: more than the 8-bit field holds, the rest spills into the BDF field`,
      },
    ]);
  });
});

describe('a gap: bypass on Linux and U-Boot, an MSI error on FreeBSD, a failed device on Xen', () => {
  const PCIE = '/pcie@10000000';
  it.each<[ReaderName, string, string]>([
    ['linux-classic', 'bypass', 'bypass'],
    ['linux-mainline', 'bypass', 'bypass'],
    ['freebsd', 'bypass', '-ENOENT'],
    ['xen', '-ENODEV', 'not read'],
    ['u-boot', 'bypass', 'not read'],
  ])('%s: iommu-map %s, msi-map %s at 02:00.0', (reader, iommu, msi) => {
    expect(read('gap-bus2', reader, PCIE, 'iommu', 0x200)).toBe(iommu);
    expect(read('gap-bus2', reader, PCIE, 'msi', 0x200)).toBe(msi);
    if (msi !== 'not read') expect(read('gap-bus2', reader, PCIE, 'msi', 0x1ff)).toEqual([0x1ff]);
  });

  it('--reader freebsd: the msi-map gap RIDs', () => {
    expect(portability('gap-bus2', ['freebsd'])).toEqual([
      expect.objectContaining({
        severity: 'warning',
        property: 'msi-map',
        rids: [[0x200, 0x2ff]],
        message: expect.stringContaining(
          'linux-classic, linux-mainline: bypass (untranslated); freebsd: error -ENOENT',
        ),
      }),
    ]);
  });

  it('--reader xen: the iommu-map gap RIDs', () => {
    expect(portability('gap-bus2', ['xen'])).toEqual([
      expect.objectContaining({
        severity: 'warning',
        property: 'iommu-map',
        rids: [[0x200, 0x2ff]],
        message: expect.stringContaining('linux-classic, linux-mainline: bypass (untranslated); xen: error -ENODEV'),
      }),
    ]);
  });

  it('an msi-map gap on a bridge without msi-parent fails MSIs on Linux too: not a difference', () => {
    const its = node('its@1', { phandle: [1], 'msi-controller': true });
    const pcie = node('pcie@0', { device_type: 'pci', 'bus-range': [0, 1], 'msi-map': [0x0, 1, 0x0, 0x100] });
    expect(
      check(tree([its, pcie]), { readers: [readerNamed('freebsd')!] }).filter((d) => d.rule === 'map-portability'),
    ).toEqual([]);
  });

  it('a gap no described device sits in is info', () => {
    const smmu = node('iommu@1', { phandle: [1], '#iommu-cells': [1] });
    const pcie = node('pcie@0', { device_type: 'pci', 'bus-range': [0, 1], 'iommu-map': [0x0, 1, 0x0, 0x100] });
    const found = check(tree([smmu, pcie]), { readers: [readerNamed('xen')!] }).filter(
      (d) => d.rule === 'map-portability',
    );
    expect(found.map((d) => [d.severity, d.rids])).toEqual([['info', [[0x100, 0x1ff]]]]);
    expect(found[0]!.message).toMatch(/; no described device there\. For example, /);
  });

  it('default readers (classic and mainline) agree: no finding', () => {
    expect(portability('gap-bus2', [])).toEqual([]);
  });
});

describe('i.MX95 LUT', () => {
  const PCIE = '/pcie@4c300000';
  it('agreeing entries get their StreamID; mismatches and the msi gap fail the device', () => {
    expect(read('imx95-lut-mismatch', 'pci-imx6', PCIE, 'iommu', 0x0)).toEqual([0x10]);
    expect(read('imx95-lut-mismatch', 'pci-imx6', PCIE, 'iommu', 0x106)).toEqual([0x17]);
    expect(read('imx95-lut-mismatch', 'pci-imx6', PCIE, 'msi', 0x106)).toEqual([0x17]);
    for (const rid of [0x107, 0x200, 0x300, 0x400]) {
      expect(read('imx95-lut-mismatch', 'pci-imx6', PCIE, 'iommu', rid)).toBe('-EINVAL');
      expect(read('imx95-lut-mismatch', 'pci-imx6', PCIE, 'msi', rid)).toBe('-EINVAL');
    }
    expect(read('imx95-lut-mismatch', 'linux-classic', PCIE, 'iommu', 0x400)).toEqual([0x130]);
  });

  it('the 33rd described device finds the LUT full', () => {
    expect(read('imx95-lut-full', 'pci-imx6', PCIE, 'iommu', 0x11f)).toEqual([0x1f]);
    expect(read('imx95-lut-full', 'pci-imx6', PCIE, 'iommu', 0x120)).toBe('-ENOSPC');
    expect(read('imx95-lut-full', 'pci-imx6', PCIE, 'msi', 0x120)).toBe('-ENOSPC');
    expect(portability('imx95-lut-full', ['pci-imx6'])).toContainEqual({
      severity: 'info',
      property: 'iommu-map',
      rids: [],
      message: "pci-imx6: 33 RIDs need a LUT entry (the described devices and the maps' rid-bases); the LUT holds 32",
    });
  });

  it('without msi-map the StreamID is passed as a u8: 0x110 becomes 0x10, 0x50 is refused', () => {
    const smmu = node('iommu@1', { phandle: [1], '#iommu-cells': [1] });
    const pcie = node('pcie@0', {
      compatible: 'fsl,imx95-pcie',
      device_type: 'pci',
      'bus-range': [0, 0],
      'iommu-map': [0x0, 1, 0x110, 1, 0x8, 1, 0x50, 1],
    });
    const t = tree([smmu, pcie]);
    const m = readerNamed('pci-imx6')!.parse(t, pcie, 'iommu')!.map.table;
    expect(lookup(m, 0x0).ids).toEqual([0x10]);
    expect(lookup(m, 0x8)).toMatchObject({ status: 'error', errno: 'EINVAL', log: 'Invalid SID for index 80' });
    expect(lookup(m, 0x1).status).toBe('bypass');
  });
});

describe('i.MX95: RIDs the maps name', () => {
  const PCIE = '/pcie@4c300000';
  it('a named RID the driver refuses is a warning with no device described there; the rest of the gap is info', () => {
    expect(read('imx95-named-ports', 'pci-imx6', PCIE, 'iommu', 0x208)).toBe('-EINVAL');
    expect(read('imx95-named-ports', 'pci-imx6', PCIE, 'iommu', 0x210)).toBe('-EINVAL');
    expect(read('imx95-named-ports', 'pci-imx6', PCIE, 'iommu', 0x100)).toEqual([0x11]);
    expect(portability('imx95-named-ports', ['pci-imx6']).map((f) => [f.severity, f.property, f.rids])).toEqual([
      [
        'warning',
        'iommu-map',
        [
          [0x208, 0x208],
          [0x210, 0x210],
        ],
      ],
      ['warning', 'msi-map', [[0x208, 0x208]]],
      ['warning', 'msi-map', [[0x210, 0x210]]],
      [
        'info',
        'iommu-map',
        [
          [0x1, 0xff],
          [0x101, 0x207],
          [0x209, 0x20f],
          [0x211, 0xffff],
        ],
      ],
      [
        'info',
        'msi-map',
        [
          [0x1, 0xff],
          [0x101, 0x207],
          [0x209, 0x20f],
          [0x211, 0xffff],
        ],
      ],
    ]);
    expect(portability('imx95-named-ports', ['pci-imx6'])[2]!.message).toBe(
      "1 RID (02:02.0) translates differently by linux-classic, linux-mainline / pci-imx6; no described device there, but an entry's rid-base names it: the maps expect a device. For example, RID 02:02.0: linux-classic, linux-mainline: bypass (untranslated); pci-imx6: error -EINVAL",
    );
  });

  it('rid-bases count toward the 32 LUT entries, described or not', () => {
    const its = node('its@1', { phandle: [1], 'msi-controller': true, '#msi-cells': [1] });
    const smmu = node('iommu@2', { phandle: [2], '#iommu-cells': [1] });
    const rows = (target: number) => Array.from({ length: 33 }, (_, i) => [0x100 + 8 * i, target, i, 1]).flat();
    const pcie = node('pcie@0', {
      compatible: 'fsl,imx95-pcie',
      device_type: 'pci',
      'bus-range': [0, 0xff],
      'msi-parent': [1, 0x3f],
      'msi-map': rows(1),
      'iommu-map': rows(2),
    });
    const t = tree([its, smmu, pcie]);
    const m = readerNamed('pci-imx6')!.parse(t, pcie, 'iommu')!.map.table;
    expect(lookup(m, 0x100 + 8 * 31).ids).toEqual([31]);
    expect(lookup(m, 0x100 + 8 * 32)).toMatchObject({ status: 'error', errno: 'ENOSPC' });
    const found = check(t, { readers: [readerNamed('pci-imx6')!] }).filter((d) => d.rule === 'map-portability');
    expect(found.filter((d) => d.severity === 'warning').map((d) => [d.property, d.rids])).toEqual([
      ['iommu-map', [[0x200, 0x200]]],
      ['msi-map', [[0x200, 0x200]]],
    ]);
  });

  it('pci-imx6 reads only i.MX95 host bridges', () => {
    const smmu = node('iommu@1', { phandle: [1], '#iommu-cells': [1] });
    const pcie = node('pcie@0', {
      compatible: 'fsl,imx8mp-pcie',
      device_type: 'pci',
      'iommu-map': [0x0, 1, 0x0, 0x10000],
    });
    expect(readerNamed('pci-imx6')!.parse(tree([smmu, pcie]), pcie, 'iommu')).toBeUndefined();
  });
});

describe('pcie-qcom reads only where the driver programs the BDF-to-SID table', () => {
  it('x1e80100 (cfg_sc8280xp, no config_sid): not read, every reader translates all 0x10000 RIDs alike', () => {
    expect(read('x1e80100-one-row', 'pcie-qcom', '/pci@1c08000', 'iommu', 0x100)).toBe('not read');
    expect(read('x1e80100-one-row', 'linux-classic', '/pci@1c08000', 'iommu', 0x100)).toEqual([0x40100]);
    expect(
      portability(
        'x1e80100-one-row',
        READERS.map((r) => r.name),
      ).filter((f) => f.severity !== 'info'),
    ).toEqual([]);
  });

  it('"qcom,pcie-sm8650", "qcom,pcie-sm8550" binds cfg_1_9_0: the table holds BDF 0x0 and 0x100 only', () => {
    expect(read('x1e80100-one-row', 'pcie-qcom', '/pcie@1c00000', 'iommu', 0x0)).toEqual([0x1400]);
    expect(read('x1e80100-one-row', 'pcie-qcom', '/pcie@1c00000', 'iommu', 0x100)).toEqual([0x1401]);
    expect(read('x1e80100-one-row', 'pcie-qcom', '/pcie@1c00000', 'iommu', 0x101)).toBe('bypass');
  });

  it("the node's first compatible the match table knows decides", () => {
    const pcie = (...compatible: string[]) => node('pcie@0', { compatible: compatible.join('\0'), device_type: 'pci' });
    expect(programsSidTable(pcie('qcom,pcie-sm8250'))).toBe(true);
    expect(programsSidTable(pcie('qcom,pcie-x1p42100', 'qcom,pcie-x1e80100'))).toBe(false);
    expect(programsSidTable(pcie('qcom,pcie-sc8280xp'))).toBe(false);
    expect(programsSidTable(pcie('qcom,pcie-sa8540p'))).toBe(false);
    expect(programsSidTable(pcie('qcom,pcie-sa8775p'))).toBe(true);
    expect(programsSidTable(pcie('qcom,pcie-sc8280xp', 'qcom,pcie-sm8250'))).toBe(false);
    expect(programsSidTable(pcie('snps,dw-pcie'))).toBe(false);
  });
});

describe("the IOMMU's own function", () => {
  it('QEMU virtio-iommu: no portability finding under any reader', () => {
    const t = readDtb(readFileSync('fixtures/qemu/virt-virtio-iommu.dtb'), 'virt-virtio-iommu.dtb');
    const found = check(t, { readers: [...READERS] });
    expect(found.filter((d) => d.rule === 'map-portability')).toEqual([]);
    expect(found.map((d) => [d.rule, d.severity])).toEqual([['iommu-map-gap', 'info']]);
  });
});

describe('the readers themselves', () => {
  it('crc8 is CRC-8 (polynomial 0x07, seed 0) of the big-endian BDF', () => {
    expect(crc8(0x0000)).toBe(0x00);
    expect(crc8(0x0001)).toBe(0x07);
    expect(crc8(0x0100)).toBe(0x15); // worked by hand: 0x07 shifted through a zero byte
  });

  it('pcie-qcom chains a collision to the next slot and finds both BDFs', () => {
    // two BDFs with the same CRC: x and x ^ 0x0107 (CRC is linear: crc8(0x0107) = 0x07 ^ 0x07 = 0)
    expect(crc8(0x0107)).toBe(0);
    const t = programTable([0x0108, 0, 0x100, 1, 0x0108 ^ 0x0107, 0, 0x101, 1]);
    expect(tableLookup(t, 0x0108)).toBe(0x100);
    expect(tableLookup(t, 0x000f)).toBe(0x101);
    expect(t.notes).toEqual([
      `BDF 0xf hashes to slot ${crc8(0x0108)}, taken by BDF 0x108: stored in slot ${(crc8(0x0108) + 1) & 0xff}`,
    ]);
  });

  it('pcie-qcom: a row written as 0 (BDF 0, first SID) is overwritten by a later row of slot 0', () => {
    const t = programTable([0x0, 0, 0x1c00, 1, 0x0107, 0, 0x1c01, 1]);
    expect(tableLookup(t, 0x0107)).toBe(0x1c01);
    expect(tableLookup(t, 0x0)).toBeUndefined();
    expect(t.notes).toEqual(['BDF 0x107 hashes to slot 0, which holds BDF 0x0 written as 0 (looks free): overwritten']);
  });

  it('mainline: an entry whose rid-base ignores the mask is -EFAULT before its dangling phandle is -ENODEV', () => {
    const smmu = node('iommu@1', { phandle: [1], '#iommu-cells': [1] });
    const pcie = node('pcie@0', {
      device_type: 'pci',
      'iommu-map': [0x0, 1, 0x0, 0x10, 0x100, 9, 0x0, 0x10],
      'iommu-map-mask': [0xff],
    });
    const m = parseMap(tree([smmu, pcie]), pcie, 'iommu', 'mainline')!.table;
    expect(lookup(m, 0x5).ids).toEqual([0x5]);
    expect(lookup(m, 0x20)).toMatchObject({ status: 'error', errno: 'EFAULT' });
    const found = check(tree([smmu, pcie]), { kernel: 'mainline' }).filter((d) => d.rule === 'map-mask-ignores-base');
    // every RID whose low byte is 0x10 or more: 256 runs of 240
    expect(found.map((d) => [d.entry, d.rids.length, d.rids[0], d.rids[255]])).toEqual([
      [1, 256, [0x10, 0xff], [0xff10, 0xffff]],
    ]);
  });

  it('u-boot: target only, no length check, an empty map is no IOMMU', () => {
    const smmu = node('iommu@1', { phandle: [1], '#iommu-cells': [1] });
    const ragged = node('pcie@0', { device_type: 'pci', 'iommu-map': [0x0, 1, 0x40, 0x10, 0x100, 1] });
    const empty = node('pcie@1', { device_type: 'pci', 'iommu-map': [] });
    const t = tree([smmu, ragged, empty]);
    const u = readerNamed('u-boot')!;
    expect(lookup(u.parse(t, ragged, 'iommu')?.map.table, 0x5)).toMatchObject({ status: 'translated', target: smmu });
    expect(lookup(u.parse(t, ragged, 'iommu')?.map.table, 0x100)).toMatchObject({ status: 'error', errno: 'EFAULT' }); // the 2-cell tail is read past the end
    expect(lookup(u.parse(t, empty, 'iommu')?.map.table, 0x5).status).toBe('bypass');
    expect(lookup(readerNamed('linux-classic')!.parse(t, empty, 'iommu')?.map.table, 0x5).errno).toBe('EINVAL');
    // the same target with another out-base is the same outcome to U-Boot
    const other = node('pcie@2', { device_type: 'pci', 'iommu-map': [0x0, 1, 0x0, 0x10] });
    const t2 = tree([node('iommu@1', { phandle: [1], '#iommu-cells': [1] }), other]);
    expect(check(t2, { readers: [u] }).filter((d) => d.rule === 'map-portability')).toEqual([]);
  });

  it('freebsd: a property that is not whole cells reads as absent; no mask check; 16-bit RIDs', () => {
    const its = node('its@1', { phandle: [1], 'msi-controller': true });
    const pcie = node('pcie@0', { device_type: 'pci', 'msi-map': [0x100, 1, 0x0, 0x100], 'msi-map-mask': [0xff] });
    const t = tree([its, pcie]);
    const f = readerNamed('freebsd')!.parse(t, pcie, 'msi')!.map.table;
    expect(lookup(readerNamed('linux-classic')!.parse(t, pcie, 'msi')?.map.table, 0x5).errno).toBe('EFAULT'); // 0x100 & ~0xff
    expect(lookup(f, 0x5).errno).toBe('ENOENT'); // masked 0x5 < 0x100: no match, no -EFAULT
    expect(lookup(f, 0x10105).masked).toBe(0x5); // a uint16_t RID
    pcie.props.push(new Property('iommu-map', new Uint8Array(6))); // 6 bytes: OF_getprop_alloc_multi() says -1
    expect(lookup(readerNamed('freebsd')!.parse(t, pcie, 'iommu')?.map.table, 0x5)).toMatchObject({
      status: 'bypass',
      log: '/pcie@0: iommu-map is not whole cells: read as absent',
    });
  });

  it('--reader names: lists, all, and unknown names', () => {
    expect(parseReaders('xen,freebsd').map((r) => r.name)).toEqual(['xen', 'freebsd']);
    expect(parseReaders('all')).toEqual(READERS);
    expect(() => parseReaders('linux')).toThrow(/unknown reader 'linux'/);
  });
});
