// The IORT reader: the bytes of an IO Remapping Table (Arm DEN0049, table revisions 0 to E.g) to
// the model, every field with iasl's label, absolute offset and size, every offset bounds-checked.
//
// The walk is Linux's: `Node Count` nodes from `Node Offset`, each `Length` bytes on from the last
// (iort_scan_node()); bytes after the last counted node are not read (iasl's disassembler walks to
// the table's end instead). A node's ID mappings are read when it has both a count and an offset
// (iort_node_map_id() skips a node whose `mapping_offset` or `mapping_count` is 0), at any offset,
// aligned or not. The fixed fields of a node type are labelled as far as the node has room for them
// before its mapping array (iasl labels them as far as the node's length goes); the model's values
// follow the node revision where the kernel does (see IortNode in model.ts).
//
// Bad input is an AcpiError naming the file, the table and the offset: a table too short for its
// header, a node offset into the header, a node count claiming more nodes than fit, a node whose
// header or length runs past the table, a length shorter than the node header (the walk would not
// advance), a node too short for its type's fixed fields, a mapping, interrupt, identifier or RMR
// array past the node's end. Nothing loops: every node is at least 16 bytes and the walk ends at
// the table's end, so the work is bounded by the table's length.
import { FieldList, hex, nodeBounds, readHeader, readNodes, type TableBytes } from './bytes.js';
import { IORT_TYPES, type Iort, type IortIdMapping, type IortNode } from './model.js';

/** Bytes of the IORT header: the standard header, node count, node offset, reserved. */
export const IORT_HEADER_BYTES = 48;
/** Bytes of a node header: type, length, revision, identifier, mapping count and offset. */
export const IORT_NODE_HEADER_BYTES = 16;
/** Bytes of one ID mapping. */
export const IORT_MAPPING_BYTES = 20;
const RMR_DESCRIPTOR_BYTES = 20;

/**
 * The fewest bytes a node of each type takes before its variable parts: its fields as the earliest
 * revision has them (named component and IWB before their names; root complex without the address
 * limit of node revision 1; SMMUv3 up to the sync GSIV).
 */
const MIN_NODE_BYTES: Record<number, number> = { 0: 20, 1: 29, 2: 32, 3: 60, 4: 60, 5: 32, 6: 28, 7: 26 };

/** Reads an IORT. `file` names the input in errors and in the model (`dump.txt:IORT` for acpidump text). */
export function readIort(file: string, bytes: Uint8Array): Iort {
  const { t, header, fields } = readHeader(file, bytes, 'IORT');
  if (t.length < IORT_HEADER_BYTES)
    t.fail(
      36,
      `table length ${hex(t.length)} leaves no room for the node count, node offset and reserved words (the IORT header is ${IORT_HEADER_BYTES} bytes)`,
    );
  const nodeCount = fields.int('Node Count', 36, 4);
  const nodeOffset = fields.int('Node Offset', 40, 4);
  fields.int('Reserved', 44, 4);
  const padEnd = Math.min(nodeOffset, t.length);
  if (padEnd > IORT_HEADER_BYTES) fields.raw('Optional Padding', IORT_HEADER_BYTES, padEnd - IORT_HEADER_BYTES);
  if (nodeCount > 0 && nodeOffset < IORT_HEADER_BYTES)
    t.fail(40, `node offset ${hex(nodeOffset)} points into the ${IORT_HEADER_BYTES}-byte IORT header`);

  const nodes = readNodes(t, nodeCount, nodeOffset, 36, (offset) => readNode(t, offset, header.revision));
  return { signature: 'IORT', file, header, nodeCount, nodeOffset, nodes, fields: fields.fields };
}

function readNode(t: TableBytes, base: number, tableRevision: number): IortNode {
  const { type, length } = nodeBounds(t, base, IORT_NODE_HEADER_BYTES, 1);

  const f = new FieldList(t);
  f.int('Type', base, 1);
  f.int('Length', base + 1, 2);
  const revision = f.int('Revision', base + 3, 1);
  // iasl labels the word by the table's revision: "Reserved" before E.b, "Identifier" after.
  const identifier = f.int(tableRevision === 0 ? 'Reserved' : 'Identifier', base + 4, 4);
  const mappingCount = f.int('Mapping Count', base + 8, 4);
  const mappingOffset = f.int('Mapping Offset', base + 12, 4);
  const what = `node of type ${type}`;

  // iort_node_map_id(): a node with no mapping offset or no mapping count maps nothing.
  const hasMappings = mappingCount > 0 && mappingOffset !== 0;
  if (hasMappings) {
    if (mappingOffset < IORT_NODE_HEADER_BYTES)
      t.fail(
        base + 12,
        `${what}: mapping offset ${hex(mappingOffset)} points into the node's ${IORT_NODE_HEADER_BYTES}-byte header`,
      );
    checkArray(t, base, length, mappingOffset, mappingCount, IORT_MAPPING_BYTES, `${what}: ID mapping`);
  }

  const typeName = IORT_TYPES[type] ?? 'unknown';
  const node: IortNode = {
    offset: base,
    type,
    typeName,
    length,
    revision,
    identifier,
    mappingCount,
    mappingOffset,
    mappings: [],
    fields: f.fields,
  };

  const min = MIN_NODE_BYTES[type];
  if (min !== undefined) {
    if (length < min) t.fail(base, `${what} has length ${hex(length)}, too short for its fields (${hex(min)} bytes)`);
    // Where the fixed fields end: at the mapping array when it follows them, else at the node's end.
    const limit = hasMappings && mappingOffset >= min ? Math.min(mappingOffset, length) : length;
    readTypeFields(t, f, node, limit, hasMappings);
  }

  if (hasMappings)
    for (let i = 0; i < mappingCount; i++) node.mappings.push(readMapping(f, base + mappingOffset + i * 20, i));
  node.fields.sort((a, b) => a.offset - b.offset);
  return node;
}

/**
 * An array of `count` items of `size` bytes at node offset `at` must end inside the node; says
 * whether it runs past the node or past the table too.
 */
function checkArray(
  t: TableBytes,
  base: number,
  length: number,
  at: number,
  count: number,
  size: number,
  what: string,
) {
  const end = at + count * size;
  if (end <= length) return;
  const pastTable = base + end - t.length;
  const past =
    pastTable > 0
      ? `${hex(pastTable)} bytes past the table's end (length ${hex(t.length)})`
      : `${hex(end - length)} bytes past the node's end (node length ${hex(length)})`;
  t.fail(base + at, `${what} array (${count} x ${size} bytes) at node offset ${hex(at)} runs ${past}`);
}

function readMapping(f: FieldList, at: number, index: number): IortIdMapping {
  const inputBase = f.int('Input base', at, 4);
  const idCount = f.int('ID Count', at + 4, 4);
  const outputBase = f.int('Output Base', at + 8, 4);
  const outputReference = f.int('Output Reference', at + 12, 4);
  const flags = f.int('Flags (decoded below)', at + 16, 4);
  return { index, offset: at, inputBase, idCount, outputBase, outputReference, flags, single: (flags & 1) !== 0 };
}

/** The 8-byte memory access properties, as iasl prints them: the whole, then its four parts. */
function memoryProperties(f: FieldList, at: number): void {
  f.u64('Memory Properties', at);
  f.int('Cache Coherency', at, 4);
  f.int('Hints (decoded below)', at + 4, 1);
  f.int('Reserved', at + 5, 2);
  f.int('Memory Flags (decoded below)', at + 7, 1);
}

function readTypeFields(t: TableBytes, f: FieldList, node: IortNode, limit: number, hasMappings: boolean): void {
  const base = node.offset;
  const { length, revision, mappingOffset } = node;
  const what = `node of type ${node.type}`;
  switch (node.type) {
    case 0: {
      const count = f.int('ItsCount', base + 16, 4);
      checkArray(t, base, length, 20, count, 4, `${what}: ITS identifier`);
      const identifiers: number[] = [];
      for (let i = 0; i < count; i++) identifiers.push(f.int('Identifiers', base + 20 + 4 * i, 4));
      node.its = { identifiers };
      return;
    }
    case 1: {
      const flags = f.int('Node Flags', base + 16, 4);
      memoryProperties(f, base + 20);
      const memoryAddressLimit = f.int('Memory Size Limit', base + 28, 1);
      // The name ends at its NUL, looked for before the mapping array (or the node's end).
      const nameEnd = hasMappings && mappingOffset > 29 ? Math.min(mappingOffset, length) : length;
      const name = t.cString(base + 29, base + nameEnd);
      if (name.size > 0) f.push({ name: 'Device Name', offset: base + 29, size: name.size, value: name.text });
      const padStart = 29 + name.size;
      const padEnd = hasMappings ? (mappingOffset >= padStart ? Math.min(mappingOffset, length) : padStart) : length;
      if (padEnd > padStart) f.raw('Padding', base + padStart, padEnd - padStart);
      node.namedComponent = { flags, name: name.text, memoryAddressLimit };
      return;
    }
    case 2: {
      memoryProperties(f, base + 16);
      const ats = f.int('ATS Attribute', base + 24, 4);
      const segment = f.int('PCI Segment Number', base + 28, 4);
      const rc: NonNullable<IortNode['rootComplex']> = { segment, ats };
      if (limit >= 33) {
        const v = f.int('Memory Size Limit', base + 32, 1);
        // rc_dma_get_range(): a node of revision 0 has no address size limit.
        if (revision >= 1) rc.memoryAddressLimit = v;
      }
      if (limit >= 35) {
        const v = f.int('PASID Capabilities', base + 33, 2);
        if (revision >= 4) rc.pasidCapabilities = v;
      }
      if (limit >= 36) f.int('Reserved', base + 35, 1);
      if (limit >= 40 && revision >= 4) {
        // E.d's root complex flags; ACPICA reads them as part of a reserved tail and iasl prints no line.
        const flags = t.u32(base + 36);
        f.push({ name: 'Flags', offset: base + 36, size: 4, value: flags, notInIasl: true });
        rc.flags = flags;
      }
      node.rootComplex = rc;
      return;
    }
    case 3: {
      const smmuBase = f.u64('Base Address', base + 16);
      const span = f.u64('Span', base + 24);
      const model = f.int('Model', base + 32, 4);
      const flags = f.int('Flags (decoded below)', base + 36, 4);
      const gio = f.int('Global Interrupt Offset', base + 40, 4);
      const cic = f.int('Context Interrupt Count', base + 44, 4);
      const cio = f.int('Context Interrupt Offset', base + 48, 4);
      const pic = f.int('PMU Interrupt Count', base + 52, 4);
      const pio = f.int('PMU Interrupt Offset', base + 56, 4);
      checkArray(t, base, length, gio, 1, 16, `${what}: global interrupt`);
      f.int('NSgIrpt', base + gio, 4);
      f.int('NSgIrpt Flags (decoded below)', base + gio + 4, 4);
      f.int('NSgCfgIrpt', base + gio + 8, 4);
      f.int('NSgCfgIrpt Flags (decoded below)', base + gio + 12, 4);
      const context: bigint[] = [];
      const pmu: bigint[] = [];
      if (cic > 0) checkArray(t, base, length, cio, cic, 8, `${what}: context interrupt`);
      for (let i = 0; i < cic; i++) context.push(f.u64('Context Interrupt', base + cio + 8 * i));
      if (pic > 0) checkArray(t, base, length, pio, pic, 8, `${what}: PMU interrupt`);
      for (let i = 0; i < pic; i++) pmu.push(f.u64('PMU Interrupt', base + pio + 8 * i));
      node.smmu = { base: smmuBase, span, model, flags, contextInterrupts: context, pmuInterrupts: pmu };
      return;
    }
    case 4: {
      const smmuBase = f.u64('Base Address', base + 16);
      const flags = f.int('Flags (decoded below)', base + 24, 4);
      f.int('Reserved', base + 28, 4);
      f.u64('VATOS Address', base + 32);
      const model = f.int('Model', base + 40, 4);
      const eventGsiv = f.int('Event GSIV', base + 44, 4);
      const priGsiv = f.int('PRI GSIV', base + 48, 4);
      const gerrGsiv = f.int('GERR GSIV', base + 52, 4);
      const syncGsiv = f.int('Sync GSIV', base + 56, 4);
      const v3: NonNullable<IortNode['smmuV3']> = {
        base: smmuBase,
        flags,
        model,
        eventGsiv,
        priGsiv,
        gerrGsiv,
        syncGsiv,
      };
      // arm_smmu_v3_set_proximity() reads the proximity domain by its flag, whatever the revision.
      if (limit >= 64) v3.pxm = f.int('Proximity Domain', base + 60, 4);
      if (limit >= 68) {
        const v = f.int('Device ID Mapping Index', base + 64, 4);
        // iort_get_id_mapping_index(): "introduced in revision 1 table, not available in revision 0".
        if (revision >= 1) v3.idMappingIndex = v;
      }
      node.smmuV3 = v3;
      return;
    }
    case 5: {
      const page0Base = f.u64('Page 0 Base Address', base + 16);
      const overflowGsiv = f.int('Overflow Interrupt GSIV', base + 24, 4);
      const nodeReference = f.int('Node Reference', base + 28, 4);
      const pmcg: NonNullable<IortNode['pmcg']> = { page0Base, overflowGsiv, nodeReference };
      if (limit >= 40) {
        const v = f.u64('Page 1 Base Address', base + 32);
        if (revision >= 1) pmcg.page1Base = v;
      }
      node.pmcg = pmcg;
      return;
    }
    case 6: {
      const flags = f.int('Flags (decoded below)', base + 16, 4);
      const count = f.int('Number of RMR Descriptors', base + 20, 4);
      const at = f.int('RMR Descriptor Offset', base + 24, 4);
      const ranges: Array<{ base: bigint; length: bigint }> = [];
      // iort_node_get_rmr_info(): no descriptor offset or count, no ranges.
      if (count > 0 && at !== 0) {
        if (at < IORT_NODE_HEADER_BYTES)
          t.fail(
            base + 24,
            `${what}: RMR descriptor offset ${hex(at)} points into the node's ${IORT_NODE_HEADER_BYTES}-byte header`,
          );
        checkArray(t, base, length, at, count, RMR_DESCRIPTOR_BYTES, `${what}: RMR descriptor`);
        for (let i = 0; i < count; i++) {
          const d = base + at + i * RMR_DESCRIPTOR_BYTES;
          ranges.push({ base: f.u64('Base Address of RMR', d), length: f.u64('Length of RMR', d + 8) });
          f.int('Reserved', d + 16, 4);
        }
      }
      node.rmr = { flags, ranges };
      return;
    }
    case 7: {
      const iwbBase = f.u64('Config Frame base', base + 16);
      const frameId = f.int('IWB Index', base + 24, 2);
      const nameEnd = hasMappings && mappingOffset > 26 ? Math.min(mappingOffset, length) : length;
      const name = t.cString(base + 26, base + nameEnd);
      if (name.size > 0) f.push({ name: 'IWB Device Name', offset: base + 26, size: name.size, value: name.text });
      node.iwb = { base: iwbBase, frameId, name: name.text };
      return;
    }
  }
}
