// The VIOT reader: the bytes of a Virtual I/O Translation Table (ACPI 6.5, 5.2.32) to the model,
// every field with iasl's label, absolute offset and size, every offset bounds-checked.
//
// The walk is Linux's acpi_viot_init(): `Node count` nodes from `Node offset`, each `Length` bytes
// on from the last; viot_check_bounds() refuses a node past the table's end and viot_parse_node()
// a node too short for its type, and either ends the parse: here each is an AcpiError naming the
// file, the table and the offset. Types other than 1-4 read as their 4-byte header. Every node is
// at least 4 bytes and the walk ends at the table's end, so the work is bounded by its length.
import { FieldList, hex, nodeBounds, readHeader, readNodes, type TableBytes } from './bytes.js';
import { VIOT_TYPES, type Viot, type ViotNode } from './model.js';

/** Bytes of the VIOT header: the standard header, node count, node offset, 8 reserved. */
export const VIOT_HEADER_BYTES = 48;
/** Bytes of a node header: type, reserved, length. */
export const VIOT_NODE_HEADER_BYTES = 4;

/** The size of each node type's structure (ACPI 6.5 tables 5.279-5.282). */
const NODE_BYTES: Record<number, number> = { 1: 24, 2: 24, 3: 16, 4: 16 };

/** Reads a VIOT. `file` names the input in errors and in the model. */
export function readViot(file: string, bytes: Uint8Array): Viot {
  const { t, header, fields } = readHeader(file, bytes, 'VIOT');
  if (t.length < VIOT_HEADER_BYTES)
    t.fail(
      36,
      `table length ${hex(t.length)} leaves no room for the node count, node offset and reserved bytes (the VIOT header is ${VIOT_HEADER_BYTES} bytes)`,
    );
  const nodeCount = fields.int('Node count', 36, 2);
  const nodeOffset = fields.int('Node offset', 38, 2);
  fields.u64('Reserved', 40);
  if (nodeCount > 0 && nodeOffset < VIOT_HEADER_BYTES)
    t.fail(38, `node offset ${hex(nodeOffset)} points into the ${VIOT_HEADER_BYTES}-byte VIOT header`);

  const nodes = readNodes(t, nodeCount, nodeOffset, 36, (offset) => readNode(t, offset));
  return { signature: 'VIOT', file, header, nodeCount, nodeOffset, nodes, fields: fields.fields };
}

function readNode(t: TableBytes, base: number): ViotNode {
  // viot_check_bounds(): a node shorter than its header, or running past the table, ends the parse.
  const { type, length } = nodeBounds(t, base, VIOT_NODE_HEADER_BYTES, 2);
  const size = NODE_BYTES[type];
  // viot_parse_node(), viot_get_iommu(): a node shorter than its type's structure ends the parse.
  if (size !== undefined && length < size)
    t.fail(base, `node of type ${type} has length ${hex(length)}, too short for its fields (${hex(size)} bytes)`);

  const f = new FieldList(t);
  f.int('Type', base, 1);
  f.int('Reserved', base + 1, 1);
  f.int('Length', base + 2, 2);
  const node: ViotNode = { offset: base, type, typeName: VIOT_TYPES[type - 1] ?? 'unknown', length, fields: f.fields };
  switch (type) {
    case 1:
      node.pciRange = {
        endpointStart: f.int('Endpoint start', base + 4, 4),
        segmentStart: f.int('PCI Segment start', base + 8, 2),
        segmentEnd: f.int('PCI Segment end', base + 10, 2),
        bdfStart: f.int('PCI BDF start', base + 12, 2),
        bdfEnd: f.int('PCI BDF end', base + 14, 2),
        outputNode: f.int('Output node', base + 16, 2),
      };
      f.int('Reserved', base + 18, 6);
      break;
    case 2:
      node.mmio = {
        endpointId: f.int('Endpoint', base + 4, 4),
        base: f.u64('Base address', base + 8),
        outputNode: f.int('Output node', base + 16, 2),
      };
      f.int('Reserved', base + 18, 6);
      break;
    case 3:
      node.virtioPci = { segment: f.int('PCI Segment', base + 4, 2), bdf: f.int('PCI BDF number', base + 6, 2) };
      f.u64('Reserved', base + 8);
      break;
    case 4:
      f.int('Reserved', base + 4, 4);
      node.virtioMmio = { base: f.u64('Base address', base + 8) };
      break;
  }
  return node;
}
