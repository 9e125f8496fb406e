import { describe, expect, it } from 'vitest';
import { readViot } from '../../src/acpi/viot.js';
import type { Field } from '../../src/acpi/model.js';
import { AcpiError } from '../../src/errors.js';
import { table, viot, viotMmio, viotPciRange, viotVirtioMmio, viotVirtioPci, type ViotNodeSpec } from './build.js';

const FILE = 'qemu-viot.dat';
const rows = (fields: Field[]) => fields.map((f) => [f.name, f.offset, f.size]);

function errorOf(bytes: Uint8Array): string {
  try {
    readViot(FILE, bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(AcpiError);
    return (e as AcpiError).format();
  }
  throw new Error('no error');
}

/** QEMU's layout: the virtio-iommu PCI function first, then the PCI range it translates. */
const QEMU: ViotNodeSpec[] = [
  { type: 3, body: viotVirtioPci({ segment: 0, bdf: 0x0008 }) },
  {
    type: 1,
    body: (o) =>
      viotPciRange({ endpointStart: 0, segmentStart: 0, segmentEnd: 0, bdfStart: 0, bdfEnd: 0xffff, output: o[0]! }),
  },
];

describe('readViot', () => {
  it('reads the header and QEMU-style nodes with iasl labels', () => {
    const { bytes, offsets } = viot(QEMU, { revision: 0, oemId: 'BOCHS ' });
    const t = readViot(FILE, bytes);
    expect(t.signature).toBe('VIOT');
    expect(t.header).toMatchObject({ signature: 'VIOT', length: 88, oemId: 'BOCHS ', checksumOk: true });
    expect([t.nodeCount, t.nodeOffset]).toEqual([2, 48]);
    expect(rows(t.fields).slice(9)).toEqual([
      ['Node count', 36, 2],
      ['Node offset', 38, 2],
      ['Reserved', 40, 8],
    ]);
    const [iommu, range] = t.nodes;
    expect(iommu).toMatchObject({ offset: 48, type: 3, typeName: 'virtio-iommu-pci', length: 16 });
    expect(iommu!.virtioPci).toEqual({ segment: 0, bdf: 8 });
    expect(rows(iommu!.fields)).toEqual([
      ['Type', 48, 1],
      ['Reserved', 49, 1],
      ['Length', 50, 2],
      ['PCI Segment', 52, 2],
      ['PCI BDF number', 54, 2],
      ['Reserved', 56, 8],
    ]);
    expect(range).toMatchObject({ offset: 64, type: 1, typeName: 'pci-range', length: 24 });
    expect(range!.pciRange).toEqual({
      endpointStart: 0,
      segmentStart: 0,
      segmentEnd: 0,
      bdfStart: 0,
      bdfEnd: 0xffff,
      outputNode: offsets[0],
    });
    expect(rows(range!.fields).slice(3)).toEqual([
      ['Endpoint start', 68, 4],
      ['PCI Segment start', 72, 2],
      ['PCI Segment end', 74, 2],
      ['PCI BDF start', 76, 2],
      ['PCI BDF end', 78, 2],
      ['Output node', 80, 2],
      ['Reserved', 82, 6],
    ]);
  });

  it('reads MMIO endpoints and a virtio-mmio IOMMU', () => {
    const { bytes } = viot([
      { type: 4, body: viotVirtioMmio({ base: 0xa003e00n }) },
      { type: 2, body: (o) => viotMmio({ endpoint: 7, base: 0xa000000n, output: o[0]! }) },
    ]);
    const [iommu, ep] = readViot(FILE, bytes).nodes;
    expect(iommu!.virtioMmio).toEqual({ base: 0xa003e00n });
    expect(rows(iommu!.fields).slice(3)).toEqual([
      ['Reserved', 52, 4],
      ['Base address', 56, 8],
    ]);
    expect(ep!.mmio).toEqual({ endpointId: 7, base: 0xa000000n, outputNode: 48 });
    expect(rows(ep!.fields).slice(3)).toEqual([
      ['Endpoint', 68, 4],
      ['Base address', 72, 8],
      ['Output node', 80, 2],
      ['Reserved', 82, 6],
    ]);
  });

  it('reads an unknown node type as its header, and a padded node offset', () => {
    const { bytes } = viot([{ type: 9, body: [1, 2, 3, 4] }, ...QEMU], { padding: 8 });
    const t = readViot(FILE, bytes);
    expect(t.nodes.map((n) => [n.offset, n.typeName])).toEqual([
      [56, 'unknown'],
      [64, 'virtio-iommu-pci'],
      [80, 'pci-range'],
    ]);
    expect(t.nodes[0]!.fields).toHaveLength(3);
  });

  it('reports a bad checksum without refusing the table', () => {
    expect(readViot(FILE, viot(QEMU, { checksumOff: 1 }).bytes).header.checksumOk).toBe(false);
  });

  it('refuses bad tables with one line naming the offset', () => {
    expect(errorOf(table('IORT', new Array(12).fill(0)))).toBe(
      'qemu-viot.dat: VIOT: offset 0x0: signature "IORT" is not "VIOT"',
    );
    expect(errorOf(table('VIOT', [2, 0]))).toBe(
      'qemu-viot.dat: VIOT: offset 0x24: table length 0x26 leaves no room for the node count, node offset and reserved bytes (the VIOT header is 48 bytes)',
    );
    expect(errorOf(viot(QEMU, { nodeOffset: 36 }).bytes)).toBe(
      'qemu-viot.dat: VIOT: offset 0x26: node offset 0x24 points into the 48-byte VIOT header',
    );
    expect(errorOf(viot(QEMU, { nodeCount: 5 }).bytes)).toBe(
      "qemu-viot.dat: VIOT: offset 0x24: node count 5 claims more nodes than fit: node 2 would start at offset 0x58, at the table's end (length 0x58)",
    );
    expect(errorOf(viot([{ ...QEMU[0]!, length: 0 }]).bytes)).toBe(
      'qemu-viot.dat: VIOT: offset 0x30: node of type 3 has length 0x0, shorter than its 4-byte header',
    );
    expect(errorOf(viot([QEMU[0]!, { ...QEMU[1]!, length: 0x30 }]).bytes)).toBe(
      "qemu-viot.dat: VIOT: offset 0x40: node of type 1 claims 0x18 bytes past the table's end (length 0x58)",
    );
    expect(errorOf(viot([{ type: 1, body: new Array(12).fill(0) }]).bytes)).toBe(
      'qemu-viot.dat: VIOT: offset 0x30: node of type 1 has length 0x10, too short for its fields (0x18 bytes)',
    );
    expect(errorOf(viot([{ type: 4, body: [0, 0] }], { nodeCount: 2 }).bytes)).toBe(
      'qemu-viot.dat: VIOT: offset 0x30: node of type 4 has length 0x6, too short for its fields (0x10 bytes)',
    );
    const short = viot([{ type: 7, body: [] }], { nodeCount: 2 }).bytes;
    const longer = table('VIOT', [...short.subarray(36), 0, 0]);
    expect(errorOf(longer)).toBe(
      "qemu-viot.dat: VIOT: offset 0x34: node header (4 bytes) runs past the table's end (length 0x36)",
    );
  });
});
