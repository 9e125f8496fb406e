import { describe, expect, it } from 'vitest';
import { readIort } from '../../src/acpi/iort.js';
import type { Field, Iort, IortNode } from '../../src/acpi/model.js';
import { AcpiError } from '../../src/errors.js';
import {
  iort,
  itsGroup,
  iwb,
  namedComponent,
  pmcg,
  rmr,
  rootComplex,
  smmu,
  smmuV3,
  table,
  Writer,
  type IortNodeSpec,
} from './build.js';

const FILE = 'board-iort.dat';

/** The fields of a node as `[name, offset, size]` rows, for comparison with iasl's lines. */
const rows = (fields: Field[]) => fields.map((f) => [f.name, f.offset, f.size]);
const field = (node: IortNode | Iort, name: string, nth = 0) => node.fields.filter((f) => f.name === name)[nth];

/** The one line of the AcpiError reading `bytes` throws. */
function errorOf(bytes: Uint8Array): string {
  try {
    readIort(FILE, bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(AcpiError);
    const line = (e as AcpiError).format();
    expect(line).not.toContain('\n');
    return line;
  }
  throw new Error('no error');
}

/** A mapping to the node at 0x30. */
const TAIL_MAP = { inputBase: 0, idCount: 0, outputBase: 0, output: { offset: 0x30 } };

/** An SMMUv3 (node 0) and ITS group (node 1), the usual end of every chain. */
const TAIL: IortNodeSpec[] = [
  {
    type: 4,
    revision: 2,
    body: smmuV3({ base: 0x14f80000n, flags: 1, pxm: 0, idMappingIndex: 0 }),
    mappings: [{ inputBase: 0, idCount: 0xffff, outputBase: 0x80000, output: 1 }],
  },
  { type: 0, revision: 1, body: itsGroup([0]) },
];

describe('readIort: header', () => {
  it('reads the standard header and the IORT header with their iasl labels', () => {
    const { bytes } = iort([{ type: 0, body: itsGroup([7]) }], { revision: 5, oemId: 'QCOM  ', oemRevision: 0x8380 });
    const t = readIort(FILE, bytes);
    expect(t.signature).toBe('IORT');
    expect(t.file).toBe(FILE);
    expect(t.header).toEqual({
      signature: 'IORT',
      length: 48 + 24,
      revision: 5,
      checksum: bytes[9],
      oemId: 'QCOM  ',
      oemTableId: 'TESTTBL ',
      oemRevision: 0x8380,
      creatorId: 'DTMP',
      creatorRevision: 0x20240927,
      checksumOk: true,
    });
    expect(t.nodeCount).toBe(1);
    expect(t.nodeOffset).toBe(48);
    expect(rows(t.fields)).toEqual([
      ['Signature', 0, 4],
      ['Table Length', 4, 4],
      ['Revision', 8, 1],
      ['Checksum', 9, 1],
      ['Oem ID', 10, 6],
      ['Oem Table ID', 16, 8],
      ['Oem Revision', 24, 4],
      ['Asl Compiler ID', 28, 4],
      ['Asl Compiler Revision', 32, 4],
      ['Node Count', 36, 4],
      ['Node Offset', 40, 4],
      ['Reserved', 44, 4],
    ]);
    expect(t.nodes[0]!.its).toEqual({ identifiers: [7] });
  });

  it('reports a bad checksum without refusing the table', () => {
    const { bytes } = iort(TAIL, { checksumOff: 3 });
    const t = readIort(FILE, bytes);
    expect(t.header.checksumOk).toBe(false);
    expect(t.nodes).toHaveLength(2);
  });

  it('reads only `length` bytes when more are given', () => {
    const { bytes } = iort(TAIL);
    const longer = new Uint8Array(bytes.length + 40).fill(0xff);
    longer.set(bytes);
    const t = readIort(FILE, longer);
    expect(t.header.length).toBe(bytes.length);
    expect(t.header.checksumOk).toBe(true);
    expect(t.nodes.map((n) => n.typeName)).toEqual(['smmu-v3', 'its-group']);
  });

  it('reads the padding between the header and the first node', () => {
    const { bytes, offsets } = iort(TAIL, { padding: 16 });
    const t = readIort(FILE, bytes);
    expect(t.nodeOffset).toBe(64);
    expect(t.nodes.map((n) => n.offset)).toEqual(offsets);
    expect(offsets[0]).toBe(64);
    expect(field(t, 'Optional Padding')).toEqual({
      name: 'Optional Padding',
      offset: 48,
      size: 16,
      value: '00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00',
    });
    expect(t.nodes[0]!.mappings[0]!.outputReference).toBe(offsets[1]);
  });

  it('labels the node word "Reserved" in a revision 0 table and "Identifier" after', () => {
    for (const [revision, label] of [
      [0, 'Reserved'],
      [3, 'Identifier'],
      [6, 'Identifier'],
    ] as const) {
      const { bytes, offsets } = iort([{ type: 0, identifier: 0x1234, body: itsGroup([0]) }], { revision });
      const node = readIort(FILE, bytes).nodes[0]!;
      expect(node.identifier).toBe(0x1234);
      expect(field(node, label)).toMatchObject({ offset: offsets[0]! + 4, size: 4, value: 0x1234 });
    }
  });

  it('walks Node Count nodes and ignores bytes after them', () => {
    const { bytes } = iort(TAIL, { nodeCount: 1, trailing: 7 });
    const t = readIort(FILE, bytes);
    expect(t.nodes.map((n) => n.type)).toEqual([4]);
  });

  it('reads a table with no nodes', () => {
    const { bytes } = iort([], { nodeOffset: 0 });
    expect(readIort(FILE, bytes).nodes).toEqual([]);
  });
});

describe('readIort: node types', () => {
  it('type 0, ITS group: its identifiers', () => {
    const { bytes, offsets } = iort([{ type: 0, revision: 1, identifier: 5, body: itsGroup([0, 1, 0x20]) }], {
      revision: 6,
    });
    const n = readIort(FILE, bytes).nodes[0]!;
    const at = offsets[0]!;
    expect(n).toMatchObject({ offset: at, type: 0, typeName: 'its-group', length: 32, revision: 1, identifier: 5 });
    expect(n.its).toEqual({ identifiers: [0, 1, 0x20] });
    expect(rows(n.fields)).toEqual([
      ['Type', at, 1],
      ['Length', at + 1, 2],
      ['Revision', at + 3, 1],
      ['Identifier', at + 4, 4],
      ['Mapping Count', at + 8, 4],
      ['Mapping Offset', at + 12, 4],
      ['ItsCount', at + 16, 4],
      ['Identifiers', at + 20, 4],
      ['Identifiers', at + 24, 4],
      ['Identifiers', at + 28, 4],
    ]);
  });

  it('type 1, named component: Qualcomm layout, its mappings unaligned at node offset 0x3d', () => {
    const nc: IortNodeSpec = {
      type: 1,
      body: namedComponent({ name: '\\_SB.GPU0', nameBytes: 32, limit: 0x28, flags: 0 }),
      mappings: [
        { inputBase: 0x30a0000, idCount: 0, outputBase: 2, output: 1, flags: 1 },
        { inputBase: 0x20, idCount: 0x1f, outputBase: 0x40, output: 1 },
      ],
    };
    const smmuNode: IortNodeSpec = { type: 3, body: smmu({ base: 0x15000000n, span: 0x100000n }) };
    const { bytes, offsets } = iort([nc, smmuNode]);
    const n = readIort(FILE, bytes).nodes[0]!;
    const at = offsets[0]!;
    expect(n.mappingOffset).toBe(0x3d);
    expect(n.length).toBe(0x3d + 40);
    expect(n.namedComponent).toEqual({ flags: 0, name: '\\_SB.GPU0', memoryAddressLimit: 0x28 });
    expect(n.mappings).toEqual([
      {
        index: 0,
        offset: at + 0x3d,
        inputBase: 0x30a0000,
        idCount: 0,
        outputBase: 2,
        outputReference: offsets[1],
        flags: 1,
        single: true,
      },
      {
        index: 1,
        offset: at + 0x3d + 20,
        inputBase: 0x20,
        idCount: 0x1f,
        outputBase: 0x40,
        outputReference: offsets[1],
        flags: 0,
        single: false,
      },
    ]);
    // As iasl prints them: the name with its NUL (10 bytes), then 22 bytes of padding.
    expect(rows(n.fields).slice(6, 15)).toEqual([
      ['Node Flags', at + 16, 4],
      ['Memory Properties', at + 20, 8],
      ['Cache Coherency', at + 20, 4],
      ['Hints (decoded below)', at + 24, 1],
      ['Reserved', at + 25, 2],
      ['Memory Flags (decoded below)', at + 27, 1],
      ['Memory Size Limit', at + 28, 1],
      ['Device Name', at + 29, 10],
      ['Padding', at + 39, 22],
    ]);
    expect(rows(n.fields).slice(15, 20)).toEqual([
      ['Input base', at + 0x3d, 4],
      ['ID Count', at + 0x41, 4],
      ['Output Base', at + 0x45, 4],
      ['Output Reference', at + 0x49, 4],
      ['Flags (decoded below)', at + 0x4d, 4],
    ]);
    expect(field(n, 'Memory Properties')!.value).toBe(0x0300000000000001n);
  });

  it('type 1 without mappings: the padding after the name runs to the node end', () => {
    const { bytes } = iort([
      { type: 1, body: namedComponent({ name: '\\_SB.UFS0', nameBytes: 11 }), mappings: [] },
      ...TAIL,
    ]);
    const n = readIort(FILE, bytes).nodes[0]!;
    expect(n.namedComponent!.name).toBe('\\_SB.UFS0');
    expect(field(n, 'Padding')).toEqual({ name: 'Padding', offset: n.offset + 39, size: 1, value: '00' });
  });

  it('type 2, root complex revision 0 (DEN0049C): no address limit', () => {
    const { bytes, offsets } = iort([
      {
        type: 2,
        revision: 0,
        body: rootComplex({ segment: 3, ats: 1 }, 'rev0'),
        mappings: [{ inputBase: 0, idCount: 0xffff, outputBase: 0x10000, output: 1 }],
      },
      ...TAIL,
    ]);
    const n = readIort(FILE, bytes).nodes[0]!;
    const at = offsets[0]!;
    expect(n.rootComplex).toEqual({ segment: 3, ats: 1 });
    expect(n.mappingOffset).toBe(32);
    expect(rows(n.fields).slice(6, 13)).toEqual([
      ['Memory Properties', at + 16, 8],
      ['Cache Coherency', at + 16, 4],
      ['Hints (decoded below)', at + 20, 1],
      ['Reserved', at + 21, 2],
      ['Memory Flags (decoded below)', at + 23, 1],
      ['ATS Attribute', at + 24, 4],
      ['PCI Segment Number', at + 28, 4],
    ]);
    expect(rows(n.fields)[13]).toEqual(['Input base', at + 32, 4]);
  });

  it('type 2, revision 0 in the 36-byte layout (Qualcomm): fields labelled, the limit ignored as the kernel does', () => {
    const { bytes } = iort([
      {
        type: 2,
        revision: 0,
        body: rootComplex({ segment: 0, limit: 0x24 }, 'rev1'),
        mappings: [{ inputBase: 0, idCount: 0xffff, outputBase: 0, output: 1 }],
      },
      ...TAIL,
    ]);
    const n = readIort(FILE, bytes).nodes[0]!;
    expect(n.rootComplex).toEqual({ segment: 0, ats: 0 });
    expect(field(n, 'Memory Size Limit')).toMatchObject({ offset: n.offset + 32, size: 1, value: 0x24 });
    expect(field(n, 'PASID Capabilities')).toMatchObject({ offset: n.offset + 33, size: 2 });
    expect(field(n, 'Reserved', 2)).toMatchObject({ offset: n.offset + 35, size: 1 });
  });

  it('type 2, revision 1: the memory address limit', () => {
    const { bytes } = iort([
      {
        type: 2,
        revision: 1,
        body: rootComplex({ segment: 1, limit: 0x30 }, 'rev1'),
        mappings: [{ inputBase: 0, idCount: 0xffff, outputBase: 0, output: 1 }],
      },
      ...TAIL,
    ]);
    expect(readIort(FILE, bytes).nodes[0]!.rootComplex).toEqual({ segment: 1, ats: 0, memoryAddressLimit: 0x30 });
  });

  it('type 2, revision 4 (E.d): PASID capabilities and the flags iasl does not print', () => {
    const { bytes } = iort(
      [
        {
          type: 2,
          revision: 4,
          body: rootComplex({ segment: 2, ats: 7, limit: 0x40, pasid: 0x14, flags: 1 }, 'rev4'),
          mappings: [{ inputBase: 0, idCount: 0xffff, outputBase: 0, output: 1 }],
        },
        ...TAIL,
      ],
      { revision: 5 },
    );
    const n = readIort(FILE, bytes).nodes[0]!;
    expect(n.rootComplex).toEqual({ segment: 2, ats: 7, memoryAddressLimit: 0x40, pasidCapabilities: 0x14, flags: 1 });
    expect(field(n, 'Flags')).toEqual({ name: 'Flags', offset: n.offset + 36, size: 4, value: 1, notInIasl: true });
    expect(n.mappings[0]!.offset).toBe(n.offset + 40);
  });

  it('type 3, SMMUv1/v2: global, context and PMU interrupts', () => {
    const context = [0x1000000a1n, 0x1000000a2n, 0x1000000a3n];
    const { bytes, offsets } = iort([
      {
        type: 3,
        body: smmu({ base: 0x15000000n, span: 0x100000n, global: [0x61, 1, 0x62, 0], context, pmu: [0x1000000e1n] }),
      },
    ]);
    const n = readIort(FILE, bytes).nodes[0]!;
    const at = offsets[0]!;
    expect(n.typeName).toBe('smmu');
    expect(n.smmu).toEqual({
      base: 0x15000000n,
      span: 0x100000n,
      model: 3,
      flags: 0,
      contextInterrupts: context,
      pmuInterrupts: [0x1000000e1n],
    });
    expect(rows(n.fields).slice(6)).toEqual([
      ['Base Address', at + 16, 8],
      ['Span', at + 24, 8],
      ['Model', at + 32, 4],
      ['Flags (decoded below)', at + 36, 4],
      ['Global Interrupt Offset', at + 40, 4],
      ['Context Interrupt Count', at + 44, 4],
      ['Context Interrupt Offset', at + 48, 4],
      ['PMU Interrupt Count', at + 52, 4],
      ['PMU Interrupt Offset', at + 56, 4],
      ['NSgIrpt', at + 60, 4],
      ['NSgIrpt Flags (decoded below)', at + 64, 4],
      ['NSgCfgIrpt', at + 68, 4],
      ['NSgCfgIrpt Flags (decoded below)', at + 72, 4],
      ['Context Interrupt', at + 76, 8],
      ['Context Interrupt', at + 84, 8],
      ['Context Interrupt', at + 92, 8],
      ['PMU Interrupt', at + 100, 8],
    ]);
    expect(field(n, 'NSgIrpt Flags (decoded below)')!.value).toBe(1);
  });

  it('type 4, SMMUv3 revision 0 in 60 bytes: no proximity domain, no ID mapping index', () => {
    const { bytes } = iort([{ type: 4, revision: 0, body: smmuV3({ base: 0x2b400000n, model: 1 }) }]);
    const n = readIort(FILE, bytes).nodes[0]!;
    expect(n.length).toBe(60);
    expect(n.smmuV3).toEqual({
      base: 0x2b400000n,
      flags: 0,
      model: 1,
      eventGsiv: 0x3d7,
      priGsiv: 0,
      gerrGsiv: 0x3db,
      syncGsiv: 0x3d9,
    });
    expect(n.fields.at(-1)).toMatchObject({ name: 'Sync GSIV', offset: n.offset + 56, size: 4 });
  });

  it('type 4 revision 0 in 68 bytes: the proximity domain read, the ID mapping index not (as the kernel)', () => {
    const { bytes } = iort([
      {
        type: 4,
        revision: 0,
        body: smmuV3({ base: 0x14f80000n, flags: 8, pxm: 2, idMappingIndex: 1 }),
        mappings: [
          { inputBase: 0, idCount: 0xffff, outputBase: 0x80000, output: 1 },
          { inputBase: 0, idCount: 0, outputBase: 0x90000, output: 1, flags: 1 },
        ],
      },
      { type: 0, body: itsGroup([0]) },
    ]);
    const n = readIort(FILE, bytes).nodes[0]!;
    expect(n.smmuV3!.pxm).toBe(2);
    expect(n.smmuV3!.idMappingIndex).toBeUndefined();
    expect(field(n, 'Proximity Domain')).toMatchObject({ offset: n.offset + 60, size: 4, value: 2 });
    expect(field(n, 'Device ID Mapping Index')).toMatchObject({ offset: n.offset + 64, size: 4, value: 1 });
    expect(
      rows(n.fields)
        .slice(8, 17)
        .map((r) => r[0]),
    ).toEqual([
      'Reserved',
      'VATOS Address',
      'Model',
      'Event GSIV',
      'PRI GSIV',
      'GERR GSIV',
      'Sync GSIV',
      'Proximity Domain',
      'Device ID Mapping Index',
    ]);
  });

  it('type 4 revision 1 and later: the ID mapping index', () => {
    for (const revision of [1, 2, 4, 5]) {
      const { bytes } = iort([
        {
          type: 4,
          revision,
          body: smmuV3({ base: 0n, pxm: 0, idMappingIndex: 1 }),
          mappings: [
            { inputBase: 0, idCount: 0xffff, outputBase: 0, output: 1 },
            { inputBase: 0, idCount: 0, outputBase: 0x90000, output: 1, flags: 1 },
          ],
        },
        { type: 0, body: itsGroup([0]) },
      ]);
      expect(readIort(FILE, bytes).nodes[0]!.smmuV3!.idMappingIndex).toBe(1);
    }
  });

  it('type 5, PMCG: page 1 from node revision 1', () => {
    const body = (page1?: bigint) => (o: number[]) => pmcg({ page0: 0x9000n, gsiv: 0x55, nodeReference: o[1]!, page1 });
    for (const [revision, page1] of [
      [0, undefined],
      [1, 0xa000n],
      [2, 0xa000n],
    ] as const) {
      const { bytes, offsets } = iort([{ type: 5, revision, body: body(page1 ?? 0xa000n) }, ...TAIL.slice(0, 1)]);
      const n = readIort(FILE, bytes).nodes[0]!;
      expect(n.pmcg).toEqual({ page0Base: 0x9000n, overflowGsiv: 0x55, nodeReference: offsets[1], page1Base: page1 });
      expect(field(n, 'Page 1 Base Address')).toMatchObject({ offset: n.offset + 32, size: 8, value: 0xa000n });
    }
    const { bytes } = iort([{ type: 5, revision: 0, body: body() }, ...TAIL.slice(0, 1)]);
    const n = readIort(FILE, bytes).nodes[0]!;
    expect(n.length).toBe(32);
    expect(field(n, 'Page 1 Base Address')).toBeUndefined();
  });

  it('type 6, RMR: its descriptors and its stream ID mapping', () => {
    const { bytes, offsets } = iort(
      [
        {
          type: 6,
          revision: 3,
          identifier: 9,
          body: rmr({
            flags: 0x11,
            ranges: [
              [0x80000000n, 0x10000n],
              [0x90000000n, 0x2000n],
            ],
          }),
          mappings: [{ inputBase: 0x42, idCount: 0, outputBase: 0x42, output: 1, flags: 1 }],
        },
        ...TAIL,
      ],
      { revision: 5 },
    );
    const n = readIort(FILE, bytes).nodes[0]!;
    const at = offsets[0]!;
    expect(n.rmr).toEqual({
      flags: 0x11,
      ranges: [
        { base: 0x80000000n, length: 0x10000n },
        { base: 0x90000000n, length: 0x2000n },
      ],
    });
    expect(rows(n.fields).slice(6, 15)).toEqual([
      ['Flags (decoded below)', at + 16, 4],
      ['Number of RMR Descriptors', at + 20, 4],
      ['RMR Descriptor Offset', at + 24, 4],
      ['Base Address of RMR', at + 28, 8],
      ['Length of RMR', at + 36, 8],
      ['Reserved', at + 44, 4],
      ['Base Address of RMR', at + 48, 8],
      ['Length of RMR', at + 56, 8],
      ['Reserved', at + 64, 4],
    ]);
    expect(n.mappings[0]).toMatchObject({ offset: at + 68, single: true, outputReference: offsets[1] });
  });

  it('type 7, IWB (E.g): base, index, name', () => {
    const { bytes, offsets } = iort([
      { type: 7, revision: 1, body: iwb({ base: 0x2f000000n, index: 3, name: '\\_SB_.IWB0' }), gap: 3 },
    ]);
    const n = readIort(FILE, bytes).nodes[0]!;
    const at = offsets[0]!;
    expect(n.typeName).toBe('iwb');
    expect(n.iwb).toEqual({ base: 0x2f000000n, frameId: 3, name: '\\_SB_.IWB0' });
    expect(rows(n.fields).slice(6)).toEqual([
      ['Config Frame base', at + 16, 8],
      ['IWB Index', at + 24, 2],
      ['IWB Device Name', at + 26, 11],
    ]);
  });

  it('an unknown type: its header and mappings', () => {
    const { bytes, offsets } = iort([
      {
        type: 9,
        revision: 2,
        body: [1, 2, 3, 4, 5],
        mappings: [{ inputBase: 0, idCount: 3, outputBase: 8, output: 1 }],
      },
      ...TAIL,
    ]);
    const n = readIort(FILE, bytes).nodes[0]!;
    expect(n.typeName).toBe('unknown');
    expect(n.mappings).toHaveLength(1);
    expect(n.mappings[0]!.offset).toBe(offsets[0]! + 21);
    expect(n.fields).toHaveLength(11);
  });

  it('a node with a mapping count but no mapping offset maps nothing (iort_node_map_id)', () => {
    const { bytes } = iort([{ type: 2, body: rootComplex({}, 'rev1'), mappingCount: 2, mappingOffset: 0 }]);
    const n = readIort(FILE, bytes).nodes[0]!;
    expect(n.mappingCount).toBe(2);
    expect(n.mappings).toEqual([]);
  });

  it('keeps every field inside its node and in table order', () => {
    const { bytes } = iort([
      { type: 1, body: namedComponent({ name: '\\_SB.GPU0', nameBytes: 32 }), mappings: [TAIL_MAP] },
      { type: 3, body: smmu({ base: 1n, span: 2n, context: [3n], pmu: [4n] }) },
      { type: 5, revision: 1, body: pmcg({ page0: 1n, gsiv: 2, nodeReference: 0, page1: 3n }) },
      { type: 6, body: rmr({ ranges: [[1n, 2n]] }), mappings: [TAIL_MAP] },
      { type: 7, body: iwb({ base: 1n, index: 0, name: 'X' }) },
    ]);
    for (const n of readIort(FILE, bytes).nodes) {
      const offsets = n.fields.map((f) => f.offset);
      expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
      for (const f of n.fields) expect(f.offset + f.size).toBeLessThanOrEqual(n.offset + n.length);
    }
  });
});

describe('readIort: bad tables, each one line with the offset', () => {
  it('a table shorter than its header', () => {
    expect(errorOf(new TextEncoder().encode('IORT\x20\x00'))).toBe(
      'board-iort.dat: IORT: offset 0x0: 6 bytes, shorter than the 36-byte ACPI table header',
    );
    expect(errorOf(new Uint8Array([0x49, 0x4f]))).toBe(
      'board-iort.dat: IORT: offset 0x0: 2 bytes, too short for a table signature',
    );
  });

  it('another signature', () => {
    expect(errorOf(table('DSDT', []))).toBe('board-iort.dat: IORT: offset 0x0: signature "DSDT" is not "IORT"');
    expect(errorOf(new Uint8Array(40))).toBe(
      'board-iort.dat: IORT: offset 0x0: signature "\\x00\\x00\\x00\\x00" is not "IORT"',
    );
  });

  it('a length larger than the bytes given, or shorter than a header', () => {
    const { bytes } = iort(TAIL);
    expect(errorOf(bytes.subarray(0, 100))).toBe(
      `board-iort.dat: IORT: offset 0x4: table length 0x${bytes.length.toString(16)} is larger than the 100 (0x64) bytes given`,
    );
    expect(errorOf(table('IORT', new Array(20).fill(0), { lengthField: 20 }))).toBe(
      'board-iort.dat: IORT: offset 0x4: table length 0x14 is shorter than the 36-byte ACPI table header',
    );
    expect(errorOf(table('IORT', [1, 0, 0, 0]))).toBe(
      'board-iort.dat: IORT: offset 0x24: table length 0x28 leaves no room for the node count, node offset and reserved words (the IORT header is 48 bytes)',
    );
  });

  it('a table stored as UTF-8 text', () => {
    const { bytes } = iort(TAIL, { oemRevision: 0x8380 });
    const mangled: number[] = [];
    for (const b of bytes) mangled.push(...(b >= 0x80 ? [0xef, 0xbf, 0xbd] : [b]));
    const line = errorOf(Uint8Array.from(mangled));
    expect(line).toMatch(
      /^board-iort\.dat: IORT: offset 0x4: table length 0x[0-9a-f]+ does not match the \d+ bytes given, which hold \d+ EF BF BD sequences \(U\+FFFD\): the file looks UTF-8-mangled /,
    );
  });

  it('a node offset into the header', () => {
    const { bytes } = iort(TAIL, { nodeOffset: 0x20 });
    expect(errorOf(bytes)).toBe(
      'board-iort.dat: IORT: offset 0x28: node offset 0x20 points into the 48-byte IORT header',
    );
  });

  it('a node count claiming more nodes than fit', () => {
    const { bytes } = iort(TAIL, { nodeCount: 3 });
    expect(errorOf(bytes)).toBe(
      `board-iort.dat: IORT: offset 0x24: node count 3 claims more nodes than fit: node 2 would start at offset 0x${bytes.length.toString(16)}, at the table's end (length 0x${bytes.length.toString(16)})`,
    );
    const past = iort(TAIL, { nodeCount: 2, nodeOffset: 0x400 }).bytes;
    expect(errorOf(past)).toBe(
      `board-iort.dat: IORT: offset 0x24: node count 2 claims more nodes than fit: node 0 would start at offset 0x400, past the table's end (length 0x${past.length.toString(16)})`,
    );
  });

  it('a node header past the table', () => {
    const { bytes } = iort([{ type: 0, body: itsGroup([]) }], { nodeCount: 2, trailing: 8 });
    expect(errorOf(bytes)).toBe(
      "board-iort.dat: IORT: offset 0x44: node header (16 bytes) runs past the table's end (length 0x4c)",
    );
  });

  it('a node length of 0, or shorter than the node header (the walk would not advance)', () => {
    expect(errorOf(iort([{ type: 0, body: itsGroup([]), length: 0 }]).bytes)).toBe(
      'board-iort.dat: IORT: offset 0x30: node of type 0 has length 0x0, shorter than its 16-byte header',
    );
    expect(errorOf(iort([{ type: 2, body: rootComplex({}, 'rev0'), length: 12 }]).bytes)).toBe(
      'board-iort.dat: IORT: offset 0x30: node of type 2 has length 0xc, shorter than its 16-byte header',
    );
  });

  it('a node past the table', () => {
    // A root complex of 0x24 bytes at 0x5c in a 0x80-byte table, claiming 0x6c.
    const { bytes, offsets } = iort([{ type: 2, revision: 1, body: rootComplex({}, 'rev1'), length: 0x6c }], {
      padding: 0x2c,
    });
    expect(offsets[0]).toBe(0x5c);
    expect(bytes.length).toBe(0x80);
    expect(errorOf(bytes)).toBe(
      "board-iort.dat: IORT: offset 0x5c: node of type 2 claims 0x48 bytes past the table's end (length 0x80)",
    );
  });

  it('a node too short for its type', () => {
    expect(errorOf(iort([{ type: 4, body: new Array(20).fill(0) }]).bytes)).toBe(
      'board-iort.dat: IORT: offset 0x30: node of type 4 has length 0x24, too short for its fields (0x3c bytes)',
    );
    expect(errorOf(iort([{ type: 0, body: [] }]).bytes)).toBe(
      'board-iort.dat: IORT: offset 0x30: node of type 0 has length 0x10, too short for its fields (0x14 bytes)',
    );
  });

  it('a mapping array past the node, or past the table', () => {
    const node: IortNodeSpec = {
      type: 2,
      body: rootComplex({}, 'rev0'),
      mappings: [TAIL_MAP, TAIL_MAP],
      mappingCount: 3,
    };
    expect(errorOf(iort([node, { type: 0, body: itsGroup([0]) }]).bytes)).toBe(
      "board-iort.dat: IORT: offset 0x50: node of type 2: ID mapping array (3 x 20 bytes) at node offset 0x20 runs 0x14 bytes past the node's end (node length 0x48)",
    );
    expect(errorOf(iort([node]).bytes)).toBe(
      "board-iort.dat: IORT: offset 0x50: node of type 2: ID mapping array (3 x 20 bytes) at node offset 0x20 runs 0x14 bytes past the table's end (length 0x78)",
    );
    expect(errorOf(iort([{ ...node, mappingCount: 0xffffffff }]).bytes)).toMatch(
      /offset 0x50: node of type 2: ID mapping array \(4294967295 x 20 bytes\) at node offset 0x20 runs 0x[0-9a-f]+ bytes past the table's end/,
    );
  });

  it('a mapping offset into the node header', () => {
    expect(
      errorOf(iort([{ type: 2, body: rootComplex({}, 'rev0'), mappings: [TAIL_MAP], mappingOffset: 8 }]).bytes),
    ).toBe(
      "board-iort.dat: IORT: offset 0x3c: node of type 2: mapping offset 0x8 points into the node's 16-byte header",
    );
  });

  it('ITS identifiers, SMMU interrupts, RMR descriptors past the node', () => {
    const its = new Writer().u32(3).u32(0).bytes;
    expect(errorOf(iort([{ type: 0, body: its }]).bytes)).toBe(
      "board-iort.dat: IORT: offset 0x44: node of type 0: ITS identifier array (3 x 4 bytes) at node offset 0x14 runs 0x8 bytes past the table's end (length 0x48)",
    );
    const s = smmu({ base: 0n, span: 0n, context: [1n] });
    s[28] = 4; // Context Interrupt Count at body offset 28 (node offset 44)
    expect(errorOf(iort([{ type: 3, body: s }, ...TAIL]).bytes)).toBe(
      "board-iort.dat: IORT: offset 0x7c: node of type 3: context interrupt array (4 x 8 bytes) at node offset 0x4c runs 0x18 bytes past the node's end (node length 0x54)",
    );
    const r = rmr({ ranges: [[1n, 2n]], count: 2 });
    expect(errorOf(iort([{ type: 6, body: r }, ...TAIL]).bytes)).toBe(
      "board-iort.dat: IORT: offset 0x4c: node of type 6: RMR descriptor array (2 x 20 bytes) at node offset 0x1c runs 0x14 bytes past the node's end (node length 0x30)",
    );
    const g = smmu({ base: 0n, span: 0n });
    g[24] = 0x40; // Global Interrupt Offset 0x40: 16 bytes from 0x40 in a 0x4c-byte node
    expect(errorOf(iort([{ type: 3, body: g }, ...TAIL]).bytes)).toBe(
      "board-iort.dat: IORT: offset 0x70: node of type 3: global interrupt array (1 x 16 bytes) at node offset 0x40 runs 0x4 bytes past the node's end (node length 0x4c)",
    );
  });

  it('never throws anything but an AcpiError, and ends, on mutated tables', () => {
    const { bytes } = iort([
      { type: 1, body: namedComponent({ name: '\\_SB.GPU0', nameBytes: 32 }), mappings: [TAIL_MAP, TAIL_MAP] },
      { type: 2, revision: 4, body: rootComplex({ pasid: 3 }, 'rev4'), mappings: [TAIL_MAP] },
      { type: 3, body: smmu({ base: 1n, span: 2n, context: [3n, 4n], pmu: [5n] }) },
      { type: 5, revision: 1, body: pmcg({ page0: 1n, gsiv: 2, nodeReference: 0x30, page1: 3n }) },
      { type: 6, body: rmr({ ranges: [[1n, 2n]] }), mappings: [TAIL_MAP] },
      { type: 7, body: iwb({ base: 1n, index: 0, name: 'X' }) },
      ...TAIL,
    ]);
    let seed = 12345;
    const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    let read = 0;
    for (let i = 0; i < 1000; i++) {
      const m = Uint8Array.from(bytes);
      for (let k = 1 + Math.floor(random() * 4); k > 0; k--)
        m[Math.floor(random() * m.length)] = Math.floor(random() * 256);
      try {
        const t = readIort(FILE, m);
        read++;
        expect(t.nodes.length).toBe(t.nodeCount);
      } catch (e) {
        expect(e).toBeInstanceOf(AcpiError);
      }
    }
    expect(read).toBeGreaterThan(30);
  });
});
