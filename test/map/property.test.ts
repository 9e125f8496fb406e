// The engine against a brute-force model written straight from semantics.md, one ID at a time,
// on random maps, masks and ID ranges, for both kernel forms.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Node, Property } from '../../src/tree/model.js';
import { formsAgree, parseMap, type KernelForm } from '../../src/map/map.js';
import { lookup } from '../../src/core/lookup.js';
import { coverage } from '../../src/core/coverage.js';
import { cellsValue, node, tree } from '../helpers.js';

interface Brute {
  status: string;
  entry: number | null;
  id: number | null;
  errno: string | null;
}

const u32 = (v: number) => v >>> 0;

/** of_map_id() of Linux 5.3-7.1, on raw cells, transcribed from drivers/of/base.c. */
function classic(map: number[], mask: number, phandles: Map<number, Node>, id: number): Brute {
  if (map.length === 0 || (map.length * 4) % 16) return { status: 'error', entry: null, id: null, errno: 'EINVAL' };
  const masked = u32(id & mask);
  for (let i = 0; i * 4 < map.length; i++) {
    const [base, ph, out, len] = map.slice(i * 4, i * 4 + 4) as [number, number, number, number];
    if (u32(base & ~mask)) return { status: 'error', entry: i, id: null, errno: 'EFAULT' };
    if (masked < base || masked >= u32(base + len)) continue;
    if (!phandles.get(ph)) return { status: 'error', entry: i, id: null, errno: 'ENODEV' };
    return { status: 'translated', entry: i, id: u32(masked - base + out), errno: null };
  }
  return { status: 'bypass', entry: null, id, errno: null };
}

/** of_map_id() of Linux 7.2+, as semantics.md describes it and commit ccb2fd725d41 orders it. */
function mainline(map: number[], mask: number, phandles: Map<number, Node>, id: number): Brute {
  const cellsOf = (n: Node) => n.prop('#iommu-cells')?.u32(0) ?? 1;
  const masked = u32(id & mask);
  const first = map.length >= 2 ? phandles.get(map[1]!) : undefined;
  let fixed: number | null = null;
  if (first && cellsOf(first) === 2 && map.length % 4 === 0) {
    let ok = true;
    for (let c = 0; c < map.length; c += 4) if (map[c + 1] !== map[1] || map[c + 3] !== 1) ok = false;
    if (ok) fixed = 1;
  }
  let pos = 0;
  for (let i = 0; pos < map.length; i++) {
    if (map.length - pos < 2) return { status: 'error', entry: null, id: null, errno: 'EINVAL' };
    // commit ccb2fd725d41: id_base is tested against the mask as soon as it is read, before the
    // phandle, #cells and length checks (an entry that cannot be sized has no index: null)
    const base = map[pos]!;
    const fault = u32(base & ~mask) !== 0;
    const target = phandles.get(map[pos + 1]!);
    if (!target) return { status: 'error', entry: null, id: null, errno: fault ? 'EFAULT' : 'ENODEV' };
    const cells = fixed ?? cellsOf(target);
    if (cells > 16) return { status: 'error', entry: null, id: null, errno: fault ? 'EFAULT' : 'EINVAL' };
    if (map.length - pos < 3 + cells)
      return { status: 'error', entry: null, id: null, errno: fault ? 'EFAULT' : 'EINVAL' };
    const out = map[pos + 2]!;
    const len = map[pos + 2 + cells]!;
    if (fault) return { status: 'error', entry: i, id: null, errno: 'EFAULT' };
    if (masked >= base && u32(masked - base) < len) {
      if (cells > 1 && len > 1) return { status: 'error', entry: i, id: null, errno: 'EINVAL' };
      return { status: 'translated', entry: i, id: cells ? u32(out + masked - base) : null, errno: null };
    }
    pos += 3 + cells;
  }
  return { status: 'bypass', entry: null, id, errno: null };
}

const small = fc.oneof(fc.integer({ min: 0, max: 80 }), fc.constantFrom(0xffffffff, 0xfffffff0, 0x100, 0x10000));
const entry = fc.tuple(
  small,
  fc.constantFrom(1, 2, 3, 9),
  small,
  fc.oneof(small, fc.integer({ min: 0, max: 0x20000 })),
);
const mapArb = fc.oneof(
  fc.array(entry, { minLength: 0, maxLength: 5 }).map((es) => es.flat()),
  fc.array(fc.oneof(small, fc.constantFrom(1, 2, 3)), { minLength: 0, maxLength: 14 }), // ragged
  fc
    .array(fc.tuple(small, fc.constant(2), small), { minLength: 1, maxLength: 4 })
    .map((es) => es.flatMap(([b, p, o]) => [b, p, o, 1])), // legacy fallback shape
);
const maskArb = fc.option(fc.constantFrom(0xffffffff, 0xffff, 0xfff8, 0xff00, 0xf0, 0, 0x5a, 0xfffffff0), {
  nil: undefined,
});

function build(map: number[], mask: number | undefined) {
  // phandle 1: 1-cell IOMMU, 2: 2-cell SMMU, 3: 0-cell, 9: dangling
  const iommus = [
    node('iommu@1', { phandle: [1], '#iommu-cells': [1] }),
    node('smmu@2', { phandle: [2], '#iommu-cells': [2] }),
    node('iommu@3', { phandle: [3], '#iommu-cells': [0] }),
  ];
  const bridge = node('pcie@0', { device_type: 'pci' });
  bridge.props.push(new Property('iommu-map', cellsValue(map)));
  if (mask !== undefined) bridge.props.push(new Property('iommu-map-mask', cellsValue([mask])));
  const t = tree([...iommus, bridge]);
  const phandles = new Map(iommus.map((n, i) => [i + 1, n]));
  return { t, bridge, phandles };
}

describe.each<KernelForm>(['classic', 'mainline'])('%s engine equals the per-ID model', (form) => {
  const model = form === 'classic' ? classic : mainline;

  it('lookup() on random maps, masks and IDs', () => {
    fc.assert(
      fc.property(
        mapArb,
        maskArb,
        fc.array(fc.oneof(small, fc.nat({ max: 0xffffffff })), { minLength: 1, maxLength: 20 }),
        (map, mask, ids) => {
          const { t, bridge, phandles } = build(map, mask);
          const m = parseMap(t, bridge, 'iommu', form)!;
          for (const id of ids) {
            const want = model(map, mask ?? 0xffffffff, phandles, id);
            const got = lookup(m.table, id);
            expect({
              status: got.status,
              entry: got.entry?.index ?? null,
              id: got.id ?? null,
              errno: got.errno,
            }).toEqual(want);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('coverage() segments agree with every ID of the range', () => {
    fc.assert(
      fc.property(mapArb, maskArb, fc.nat({ max: 0x10100 }), fc.nat({ max: 600 }), (map, mask, lo, span) => {
        const { t, bridge, phandles } = build(map, mask);
        const m = parseMap(t, bridge, 'iommu', form)!;
        const hi = lo + span;
        const segs = coverage(m.table, lo, hi).segments;
        expect(segs[0]!.first).toBe(lo);
        expect(segs[segs.length - 1]!.last).toBe(hi);
        for (let k = 1; k < segs.length; k++) expect(segs[k]!.first).toBe(segs[k - 1]!.last + 1);
        for (const s of segs) {
          for (let id = s.first; id <= s.last; id++) {
            const want = model(map, mask ?? 0xffffffff, phandles, id);
            expect({
              status: s.status,
              entry:
                s.status === 'error' && want.errno !== 'EFAULT' && want.entry === null
                  ? null
                  : (s.entry?.index ?? null),
              errno: s.errno,
            }).toEqual({ status: want.status, entry: want.entry, errno: want.errno });
          }
          if (s.status !== 'error') {
            expect(s.idFirst ?? null).toBe(model(map, mask ?? 0xffffffff, phandles, s.first).id);
            expect(s.idLast ?? null).toBe(model(map, mask ?? 0xffffffff, phandles, s.last).id);
          }
        }
      }),
      { numRuns: 1500 },
    );
  });
});

describe('formsAgree()', () => {
  it('when it says so, classic and mainline give the same outcome for every ID', () => {
    let agreed = 0;
    fc.assert(
      fc.property(
        mapArb,
        maskArb,
        fc.array(fc.oneof(small, fc.nat({ max: 0xffffffff })), { minLength: 1, maxLength: 20 }),
        (map, mask, ids) => {
          const { t, bridge, phandles } = build(map, mask);
          if (!formsAgree(parseMap(t, bridge, 'iommu', 'classic')!, parseMap(t, bridge, 'iommu', 'mainline')!)) return;
          agreed++;
          for (const id of ids)
            expect(mainline(map, mask ?? 0xffffffff, phandles, id)).toEqual(
              classic(map, mask ?? 0xffffffff, phandles, id),
            );
        },
      ),
      { numRuns: 3000 },
    );
    expect(agreed).toBeGreaterThan(100);
  });
});
