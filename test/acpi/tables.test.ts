// The ACPI front's tables (src/acpi/tables.ts) on IORT and VIOT models written out by hand: each
// expectation is worked out from drivers/acpi/arm64/iort.c and drivers/acpi/viot.c (Linux 6.12).
import { describe, expect, it } from 'vitest';
import { coverage, lookup } from '../../src/core/index.js';
import type { Viot, ViotNode } from '../../src/acpi/model.js';
import { header, iortOf, its, node, rc, smmuV3, type Map_ } from './models.js';
import { firstHop, iortWalks, mappingIndex, nodeName, segments, viotTable } from '../../src/acpi/tables.js';
import { acpiLookup, buildAcpiMachine } from '../../src/acpi/machine.js';

const FW = 'ACPI: IORT: [Firmware Bug]: ';

describe('the IORT walk', () => {
  // QEMU 7.2's table with a pxb-pcie bus: the count where the count minus one belongs
  const ITS = 0x30;
  const SMMU = 0x48;
  const RC = 0xa0;
  const qemu = iortOf([
    its(ITS),
    smmuV3(SMMU, [[0x0, 0xffff, 0x0, ITS]], { eventGsiv: 0x6a, priGsiv: 0x6b, gerrGsiv: 0x6d, syncGsiv: 0x6c }),
    rc(RC, 0, [
      [0x0, 0x100, 0x0, SMMU],
      [0x100, 0xfeff, 0x100, ITS],
    ]),
  ]);
  const walk = iortWalks(qemu);
  const root = qemu.nodes[2]!;

  it('takes a root complex -> SMMU -> ITS walk for DeviceIDs and stops at the SMMU for StreamIDs', () => {
    const sid = lookup(walk(root, 'iommu'), 0xff);
    expect([sid.status, sid.target && nodeName(sid.target), sid.id, sid.log]).toEqual([
      'translated',
      'smmu-v3@0x48',
      0xff,
      null,
    ]);
    const dev = lookup(walk(root, 'msi'), 0xff);
    expect([dev.status, dev.target && nodeName(dev.target), dev.id, dev.via.map((h) => nodeName(h.target))]).toEqual([
      'translated',
      'its-group@0x30',
      0xff,
      ['smmu-v3@0x48'],
    ]);
  });

  it('RID 0x100: the provisional last ID, the conflict and the workaround', () => {
    const conflict = `${FW}[map IORT+0xd4] conflicting mapping for input ID 0x100\n${FW}applying workaround.`;
    const sid = lookup(walk(root, 'iommu'), 0x100);
    // the second row goes straight to the ITS: no IOMMU on the way (fail_map at the ITS)
    expect([sid.status, sid.id, sid.log]).toEqual(['bypass', 0x100, conflict]);
    const dev = lookup(walk(root, 'msi'), 0x100);
    expect([dev.status, dev.target && nodeName(dev.target), dev.id, dev.log]).toEqual([
      'translated',
      'its-group@0x30',
      0x100,
      conflict,
    ]);
  });

  it('coverage splits the provisional ID out and says what every RID gets', () => {
    const c = coverage(walk(root, 'iommu'), 0, 0xffff);
    expect(c.segments.map((s) => [s.first, s.last, s.status, s.target && nodeName(s.target), !!s.log])).toEqual([
      [0, 0xff, 'translated', 'smmu-v3@0x48', false],
      [0x100, 0x100, 'bypass', undefined, true], // the one RID that logs the conflict
      [0x101, 0xffff, 'bypass', undefined, false],
    ]);
  });

  it('a NULL first output reference: the node maps nothing, with the kernel line', () => {
    const t = iortOf([its(0x30), rc(0x48, 0, [[0, 0xffff, 0, 0]])]);
    const r = lookup(iortWalks(t)(t.nodes[1]!, 'msi'), 0x10);
    expect([r.status, r.id, r.log]).toEqual([
      'bypass',
      0x10,
      `${FW}[node IORT+0x48 type 2] ID map has NULL parent reference`,
    ]);
  });

  it('a later NULL or dangling reference is an error at that row', () => {
    const t = iortOf([
      its(0x30),
      rc(0x48, 0, [
        [0, 0xff, 0, 0x30],
        [0x100, 0xff, 0, 0],
        [0x200, 0xff, 0, 0x31],
      ]),
    ]);
    const w = iortWalks(t)(t.nodes[1]!, 'msi');
    expect([0x10, 0x110, 0x210, 0x310].map((id) => lookup(w, id)).map((r) => [r.status, r.errno])).toEqual([
      ['translated', null],
      ['error', 'EFAULT'],
      ['error', 'EFAULT'],
      ['bypass', null],
    ]);
  });

  it('SINGLE on a root complex gives every RID the output base', () => {
    const t = iortOf([its(0x30), rc(0x48, 0, [[0x0, 0x0, 0x77, 0x30, 1]])]);
    const w = iortWalks(t)(t.nodes[1]!, 'msi');
    expect([0, 0x1234, 0xffff].map((id) => lookup(w, id).id)).toEqual([0x77, 0x77, 0x77]);
    expect(coverage(w, 0, 0xffff).segments.map((s) => [s.first, s.last, s.idFirst, s.idLast])).toEqual([
      [0, 0xffff, 0x77, 0x77],
    ]);
  });

  it('SINGLE on an SMMU is skipped, with the kernel warning for every ID that reaches it', () => {
    const t = iortOf([
      its(0x30),
      smmuV3(0x48, [
        [0x0, 0x0, 0x5, 0x30, 1],
        [0x0, 0xff, 0x100, 0x30],
      ]),
      rc(0xa0, 0, [[0, 0xff, 0, 0x48]]),
    ]);
    // all GSIVs set: no special index, the walk reads both rows
    const r = lookup(iortWalks(t)(t.nodes[2]!, 'msi'), 0x7);
    expect([r.id, r.log]).toEqual([
      0x107,
      `${FW}[map IORT+0x68] SINGLE MAPPING flag not allowed for node type 4, skipping ID map`,
    ]);
  });

  it("skips an SMMUv3's own DeviceID mapping, by node revision, GSIVs and the DeviceID-valid flag", () => {
    const maps: Map_[] = [
      [0x0, 0x0, 0x9999, 0x30, 1],
      [0x0, 0xffff, 0x0, 0x30],
    ];
    // revision 3, one GSIV missing: the index (0) is valid, that mapping is skipped
    expect(mappingIndex(smmuV3(0x48, maps, { priGsiv: 0 }))).toEqual({ index: 0, log: null });
    // revision 3, all GSIVs: no index
    expect(mappingIndex(smmuV3(0x48, maps)).index).toBe(-1);
    // revision 0: no index field
    expect(mappingIndex(smmuV3(0x48, maps, { priGsiv: 0 }, 0)).index).toBe(-1);
    // revision 5: the flag decides, GSIVs or not
    expect(mappingIndex(smmuV3(0x48, maps, { flags: 1 << 4 }, 5)).index).toBe(0);
    expect(mappingIndex(smmuV3(0x48, maps, { priGsiv: 0 }, 5)).index).toBe(-1);
    // an index past the mappings: none, and the kernel's line
    expect(mappingIndex(smmuV3(0x48, maps, { priGsiv: 0, idMappingIndex: 2 }))).toEqual({
      index: -1,
      log: `${FW}[node IORT+0x48 type 4] ID mapping index overflows valid mappings`,
    });
    const t = iortOf([its(0x30), smmuV3(0x48, maps, { priGsiv: 0 }), rc(0xa0, 0, [[0, 0xff, 0, 0x48]])]);
    expect(lookup(iortWalks(t)(t.nodes[2]!, 'msi'), 0x7).id).toBe(0x7);
    // its first hop is the SINGLE mapping: the SMMU's own DeviceID
    expect(firstHop(t, t.nodes[1]!, 0)).toMatchObject({ parent: t.nodes[0], id: 0x9999 });
  });

  it('a reference cycle ends in ELOOP instead of the endless kernel loop', () => {
    const t = iortOf([
      smmuV3(0x48, [[0, 0xffff, 0, 0xa0]]), // back to the root complex
      rc(0xa0, 0, [[0, 0xffff, 0, 0x100]]),
      node(0x100, 1, [[0, 0xffff, 0, 0xa0]], { namedComponent: { flags: 0, name: '\\_SB.X' } }),
    ]);
    const r = lookup(iortWalks(t)(t.nodes[1]!, 'msi'), 5);
    expect([r.status, r.errno]).toEqual(['error', 'ELOOP']);
  });

  it('Linux takes the first root complex of a segment', () => {
    const t = iortOf([its(0x30), rc(0x48, 0, []), rc(0x90, 1, []), rc(0xd8, 0, [])]);
    expect(segments(t).map((s) => [s.segment, s.node.offset, s.shadowed.map((n) => n.offset)])).toEqual([
      [0, 0x48, [0xd8]],
      [1, 0x90, []],
    ]);
  });
});

describe('the VIOT', () => {
  const vnode = (offset: number, type: number, extra: Partial<ViotNode>): ViotNode => ({
    offset,
    type,
    typeName: (['unknown', 'pci-range', 'mmio', 'virtio-iommu-pci', 'virtio-iommu-mmio'] as const)[type] ?? 'unknown',
    length: 0x18,
    fields: [],
    ...extra,
  });
  const viot: Viot = {
    signature: 'VIOT',
    file: 'test',
    header: { ...header, signature: 'VIOT' },
    nodeCount: 3,
    nodeOffset: 0x30,
    fields: [],
    nodes: [
      vnode(0x30, 3, { virtioPci: { segment: 0, bdf: 0x10 } }),
      vnode(0x40, 1, {
        pciRange: {
          endpointStart: 0x1000,
          segmentStart: 0,
          segmentEnd: 1,
          bdfStart: 0,
          bdfEnd: 0xffff,
          outputNode: 0x30,
        },
      }),
      vnode(0x58, 1, {
        pciRange: {
          endpointStart: 0x50,
          segmentStart: 0,
          segmentEnd: 0,
          bdfStart: 0x100,
          bdfEnd: 0x1ff,
          outputNode: 0x30,
        },
      }),
    ],
  };

  it('the last range in the table that holds a RID wins (list_add() puts each at the head)', () => {
    const t = viotTable(viot, 0);
    expect([0x8, 0x120, 0x200].map((rid) => lookup(t, rid).id)).toEqual([0x1008, 0x70, 0x1200]);
  });

  it('the segment offsets the endpoint ID: ((segment - start) << 16) + bdf - bdfStart + endpoint', () => {
    expect(lookup(viotTable(viot, 1), 0x120).id).toBe(0x11120);
  });

  it("the virtio-iommu's own function is refused (-EINVAL), on its segment only", () => {
    expect([lookup(viotTable(viot, 0), 0x10).errno, lookup(viotTable(viot, 1), 0x10).id]).toEqual(['EINVAL', 0x11010]);
  });

  it('an IORT without SMMUs leaves StreamIDs to the VIOT, DeviceIDs to the IORT', () => {
    const iort = iortOf([its(0x30), rc(0x48, 0, [[0, 0xffff, 0, 0x30]])]);
    const m = buildAcpiMachine('test', iort, viot);
    expect(m.segments.map((s) => [s.segment, s.tables.iommu?.source, s.tables.msi?.source])).toEqual([
      [0, 'VIOT', 'IORT'],
      [1, 'VIOT', undefined],
    ]);
    expect([acpiLookup(m, 0, 0x8, 'iommu').id, acpiLookup(m, 0, 0x8, 'msi').id]).toEqual([0x1008, 0x8]);
  });
});
