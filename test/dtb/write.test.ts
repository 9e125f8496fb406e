// writeDtb: byte-identical to dtc's blobs (dt_to_blob(), version 17).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { readDtb } from '../../src/dtb/read.js';
import { writeDtb } from '../../src/dtb/write.js';
import { Node, Property, Tree } from '../../src/tree/model.js';

const bytes = (p: string) => new Uint8Array(readFileSync(p));
const u32 = (b: Uint8Array, o: number) => new DataView(b.buffer, b.byteOffset).getUint32(o);

describe('writeDtb', () => {
  for (const name of ['virt-gicv2', 'virt-smmuv3-its', 'virt-virtio-iommu']) {
    it(`re-writes QEMU's ${name}.dtb as dtc -I dtb -O dtb does`, () => {
      // QEMU pads its blobs to 1 MiB; dtc writes them compactly
      const written = writeDtb(readDtb(bytes(`fixtures/qemu/${name}.dtb`)));
      expect(Buffer.from(written)).toEqual(Buffer.from(bytes(`fixtures/dts/dtb-roundtrip/${name}.dtb`)));
    });
  }

  it('reads back what it writes', () => {
    const original = bytes('fixtures/dts/dtb-roundtrip/virt-smmuv3-its.dtb');
    expect(Buffer.from(writeDtb(readDtb(original)))).toEqual(Buffer.from(original));
  });

  it('lays out the header, reservations, structure and strings as dtc does', () => {
    const root = new Node('');
    root.props.push(new Property('linux,phandle', new Uint8Array([0, 0, 0, 1])));
    root.props.push(new Property('phandle', new Uint8Array([0, 0, 0, 1])));
    root.props.push(new Property('abc', new Uint8Array([1, 2, 3])));
    const child = root.addChild(new Node('node@1'));
    child.props.push(new Property('handle', new Uint8Array(0)));
    child.props.push(new Property('abc', new Uint8Array(0)));
    const tree = new Tree(root, 'test');
    tree.memreserves.push({ address: 0x1000n, size: 0x2000n });
    tree.bootCpuidPhys = 3;
    const b = writeDtb(tree);
    expect(u32(b, 0)).toBe(0xd00dfeed);
    expect(u32(b, 4)).toBe(b.length);
    expect(u32(b, 16)).toBe(40); // reservations right after the header
    expect(u32(b, 8)).toBe(40 + 32); // one entry and the terminating one
    expect([u32(b, 20), u32(b, 24), u32(b, 28)]).toEqual([17, 16, 3]);
    // strings: "linux,phandle\0abc\0"; "phandle" and "handle" point into the first
    const strings = u32(b, 12);
    expect(u32(b, 32)).toBe(18);
    expect(new TextDecoder().decode(b.subarray(strings))).toBe('linux,phandle\0abc\0');
    const s = u32(b, 8);
    // FDT_BEGIN_NODE "" (padded to 4), then three FDT_PROPs with their name offsets
    expect(u32(b, s)).toBe(1);
    expect(u32(b, s + 8)).toBe(3);
    expect(u32(b, s + 16)).toBe(0); // linux,phandle
    expect(u32(b, s + 24 + 8)).toBe(6); // phandle: suffix of linux,phandle
    expect(u32(b, s + 40 + 4)).toBe(3); // abc: 3 bytes, padded
    expect(u32(b, s + 40 + 8)).toBe(14);
    expect(writeDtb(tree, { bootCpuidPhys: 0 })[31]).toBe(0);
    const back = readDtb(b);
    expect(back.byPath('/node@1')!.props.map((p) => p.name)).toEqual(['handle', 'abc']);
    expect(back.memreserves).toEqual([{ address: 0x1000n, size: 0x2000n }]);
  });
});
