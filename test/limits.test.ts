// The limits of src/limits.ts in-process.
import { describe, expect, it } from 'vitest';
import { readDtb } from '../src/dtb/read.js';
import { MAX_MAP_ENTRIES, MAX_TREE_ITEMS, exhaustedMessage } from '../src/limits.js';
import { buildContext } from '../src/checks/index.js';
import { node, tree } from './helpers.js';

describe('tree limits', () => {
  it('a DTB with more than MAX_TREE_ITEMS nodes and properties is one DtbError', () => {
    // header, an empty memory reservation block, then the root with MAX_TREE_ITEMS empty "p"s
    const props = MAX_TREE_ITEMS;
    const offStruct = 40 + 16;
    const sizeStruct = 8 + props * 12 + 8;
    const offStrings = offStruct + sizeStruct;
    const out = new Uint8Array(offStrings + 2);
    const v = new DataView(out.buffer);
    [0xd00dfeed, out.length, offStruct, offStrings, 40, 17, 16, 0, 2, sizeStruct].forEach((w, i) =>
      v.setUint32(i * 4, w),
    );
    v.setUint32(offStruct, 1); // FDT_BEGIN_NODE "" (root)
    for (let i = 0, o = offStruct + 8; i < props; i++, o += 12) v.setUint32(o, 3); // FDT_PROP, len 0, nameoff 0
    v.setUint32(offStrings - 8, 2); // FDT_END_NODE
    v.setUint32(offStrings - 4, 9); // FDT_END
    out[offStrings] = 0x70; // "p"
    const last = offStruct + 8 + (props - 1) * 12;
    expect(() => readDtb(out, 'many.dtb')).toThrow(
      `many.dtb: more than ${MAX_TREE_ITEMS} nodes and properties (dtmap's limit) (at byte offset 0x${last.toString(16)})`,
    );
  });

  it('a stack or an allocation that runs out anyway is a clean message, other errors are not hidden', () => {
    const deep = (n: number): number => (n === 0 ? 0 : 1 + deep(n - 1));
    let overflow: unknown;
    try {
      deep(1e7);
    } catch (e) {
      overflow = e;
    }
    expect(exhaustedMessage(overflow)).toBe('input nested too deeply (out of stack)');
    expect(exhaustedMessage(new RangeError('Array buffer allocation failed'))).toBe('input too large (out of memory)');
    expect(exhaustedMessage(new RangeError('Invalid string length'))).toBe('input too large (out of memory)');
    expect(exhaustedMessage(new TypeError('x is undefined'))).toBeUndefined();
    expect(exhaustedMessage(new RangeError('Invalid count value'))).toBeUndefined();
  });

  it('a map with more than MAX_MAP_ENTRIES entries is refused (each costs ~2 ms to check; found by fuzzing)', () => {
    const map = (n: number) => Array.from({ length: n }, (_, i) => [i, 1, i, 1]).flat();
    const t = (n: number) =>
      tree([
        node('smmu', { phandle: [1], '#iommu-cells': [1] }),
        node('pcie@0', { device_type: 'pci', 'iommu-map': map(n) }),
      ]);
    expect(() => buildContext(t(MAX_MAP_ENTRIES + 1), 'classic')).toThrow(
      `test: /pcie@0: iommu-map has ${MAX_MAP_ENTRIES + 1} entries, more than ${MAX_MAP_ENTRIES} (dtmap's limit)`,
    );
    expect(buildContext(t(MAX_MAP_ENTRIES), 'mainline').bridges[0]!.maps.iommu!.parsed.entries).toHaveLength(
      MAX_MAP_ENTRIES,
    );
  });
});
