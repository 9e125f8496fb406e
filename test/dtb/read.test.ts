import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { DtbError, hasMapNames, readDtb, validateDtb } from '../../src/dtb/read.js';

const qemu = (name: string) => new Uint8Array(readFileSync(`fixtures/qemu/${name}.dtb`));

describe('readDtb on QEMU blobs', () => {
  it('reads the padded 1 MiB virtio-iommu blob with its maps and phandles', () => {
    const bytes = qemu('virt-virtio-iommu');
    const t = readDtb(bytes, 'virt.dtb');
    const pcie = t.byPath('/pcie@10000000')!;
    expect(pcie.prop('device_type')!.string()).toBe('pci');
    const map = pcie.prop('iommu-map')!.cells();
    expect(map).toHaveLength(8);
    expect(t.byPhandle(map[1]!)!.path).toBe('/pcie@10000000/virtio_iommu@2,0');
    expect(t.byPath('/chosen')).toBeDefined();
  });

  it('reads every QEMU fixture', () => {
    for (const name of ['virt-gicv2', 'virt-smmuv3-its', 'virt-virtio-iommu'])
      expect(readDtb(qemu(name)).root.children.length).toBeGreaterThan(3);
  });
});

/** Builds a minimal blob by hand: header, rsvmap, struct tokens, strings. */
function blob(struct: number[], strings = 'reg\0', opts: { version?: number; lastComp?: number } = {}): Uint8Array {
  const structBytes = new Uint8Array(struct.length * 4);
  const sv = new DataView(structBytes.buffer);
  struct.forEach((w, i) => sv.setUint32(i * 4, w));
  const str = new TextEncoder().encode(strings);
  const offRsv = 40;
  const offStruct = offRsv + 16;
  const offStrings = offStruct + structBytes.length;
  const total = offStrings + str.length;
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  [
    0xd00dfeed,
    total,
    offStruct,
    offStrings,
    offRsv,
    opts.version ?? 17,
    opts.lastComp ?? 16,
    0,
    str.length,
    structBytes.length,
  ].forEach((w, i) => v.setUint32(i * 4, w));
  out.set(structBytes, offStruct);
  out.set(str, offStrings);
  return out;
}

const BEGIN = 1,
  END_NODE = 2,
  PROP = 3,
  NOP = 4,
  END = 9;

describe('readDtb rejects malformed blobs with the byte offset', () => {
  const cases: Array<[string, Uint8Array, RegExp]> = [
    ['bad magic', new Uint8Array(64), /bad magic/],
    ['short header', new Uint8Array([0xd0, 0x0d, 0xfe, 0xed]), /truncated header/],
    ['last_comp_version 18', blob([BEGIN, 0, END_NODE, END], 'reg\0', { lastComp: 18 }), /last_comp_version 18/],
    ['missing END', blob([BEGIN, 0, END_NODE]), /without FDT_END/],
    ['unbalanced nodes', blob([BEGIN, 0, END]), /unbalanced/],
    ['bad token', blob([BEGIN, 0, 7, END_NODE, END]), /bad structure token 0x7/],
    ['string offset out of range', blob([BEGIN, 0, PROP, 4, 100, 1, END_NODE, END]), /name offset 100 outside/],
    ['property past block', blob([BEGIN, 0, PROP, 400, 0, END_NODE, END]), /past the end/],
    ['unterminated string', blob([BEGIN, 0, PROP, 0, 0, END_NODE, END], 'reg'), /not terminated/],
    ['end node without begin', blob([END_NODE, END]), /without a matching/],
  ];
  for (const [name, bytes, reason] of cases)
    it(name, () => {
      expect(() => readDtb(bytes, 'bad.dtb')).toThrow(DtbError);
      expect(() => readDtb(bytes, 'bad.dtb')).toThrow(reason);
      try {
        readDtb(bytes, 'bad.dtb');
      } catch (e) {
        expect((e as Error).message).toMatch(/^bad\.dtb: .*\(at byte offset 0x[0-9a-f]+\)$/);
      }
    });

  it('accepts NOP tokens and a version 16 blob', () => {
    const t = readDtb(blob([NOP, BEGIN, 0, NOP, PROP, 4, 0, 7, END_NODE, END], 'reg\0', { version: 16 }));
    expect(t.root.prop('reg')!.u32(0)).toBe(7);
  });

  it('truncated at every 1/16th of a real file: a DtbError, never anything else', () => {
    const bytes = qemu('virt-smmuv3-its');
    const used = new DataView(bytes.buffer).getUint32(12) + new DataView(bytes.buffer).getUint32(32); // strings end
    for (let k = 0; k < 16; k++) {
      const cut = Math.floor((used * k) / 16);
      expect(() => readDtb(bytes.slice(0, cut), 'cut.dtb')).toThrow(DtbError);
    }
  });

  it('random byte flips: either a tree or a DtbError', () => {
    const bytes = qemu('virt-smmuv3-its');
    const end = new DataView(bytes.buffer).getUint32(12) + new DataView(bytes.buffer).getUint32(32);
    let seed = 12345;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let run = 0; run < 2000; run++) {
      const b = bytes.slice(0, end);
      for (let f = 0; f < 1 + Math.floor(rand() * 4); f++) b[Math.floor(rand() * end)] ^= 1 << Math.floor(rand() * 8);
      try {
        readDtb(b, 'flip.dtb');
      } catch (e) {
        expect(e).toBeInstanceOf(DtbError);
      }
    }
  });
});

describe('validateDtb: what readDtb accepts, without the tree', () => {
  const outcome = (f: () => unknown) => {
    try {
      f();
      return 'ok';
    } catch (e) {
      return e instanceof DtbError ? e.message : `not a DtbError: ${String(e)}`;
    }
  };

  it('the same error as readDtb on every malformed blob above, and on random byte flips', () => {
    const bytes = qemu('virt-gicv2');
    const end = new DataView(bytes.buffer).getUint32(12) + new DataView(bytes.buffer).getUint32(32);
    const blobs = [
      blob([BEGIN, 0, 7, END_NODE, END]),
      blob([BEGIN, 0, BEGIN, 0, END_NODE, END_NODE, END]),
      blob([BEGIN, 0x41000000, END_NODE, END]),
      blob([BEGIN, 0, END]),
    ];
    let seed = 777;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let run = 0; run < 500; run++) {
      const b = bytes.slice(0, end);
      for (let f = 0; f < 1 + Math.floor(rand() * 4); f++) b[Math.floor(rand() * end)] ^= 1 << Math.floor(rand() * 8);
      blobs.push(b);
    }
    let failed = 0;
    for (const b of blobs) {
      const expected = outcome(() => readDtb(b, 'x.dtb'));
      if (expected !== 'ok') failed++;
      expect(outcome(() => validateDtb(b, 'x.dtb'))).toBe(expected);
    }
    expect(failed).toBeGreaterThan(10);
  });

  it('hasMapNames: the strings block names iommu-map or msi-map (also as the tail of a shared string)', () => {
    expect(hasMapNames(qemu('virt-virtio-iommu'))).toBe(true);
    expect(hasMapNames(new Uint8Array(readFileSync('fixtures/dts/basic.dtb')))).toBe(false);
    expect(hasMapNames(blob([BEGIN, 0, PROP, 0, 4, END_NODE, END], 'vendor,msi-map\0'))).toBe(true);
  });
});
