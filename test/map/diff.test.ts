// diffTrees(): which RIDs translate differently between two trees, on the QEMU DTBs, on pairs
// built from them, and against a per-RID model on random maps.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { readDtb } from '../../src/dtb/read.js';
import { Property, type Tree } from '../../src/tree/model.js';
import { diffTrees, mapDomain, type ChangeKind, type RangeChange } from '../../src/map/diff.js';
import { parseMap, type KernelForm } from '../../src/map/map.js';
import { lookup } from '../../src/core/lookup.js';
import { cellsValue, node, tree } from '../helpers.js';

const QEMU = 'fixtures/qemu/';
const load = (name: string) => readDtb(readFileSync(QEMU + name), name);
const SMMU = 'virt-smmuv3-its.dtb';
const VIRTIO = 'virt-virtio-iommu.dtb';
const PCIE = '/pcie@10000000';
const VIOMMU = '/pcie@10000000/virtio_iommu@2,0';
const ITS = '/intc@8000000/its@8080000';

/** Sets (or adds) a cell property on a node of a tree. */
function setCells(t: Tree, path: string, name: string, cells: number[]): Tree {
  const n = t.byPath(path)!;
  const p = n.prop(name);
  if (p) p.value = cellsValue(cells);
  else n.props.push(new Property(name, cellsValue(cells)));
  t.invalidate();
  return t;
}

const brief = (c: RangeChange) => [c.map, c.first, c.last, c.change];

describe('QEMU DTBs', () => {
  it('smmuv3 -> virtio-iommu: the IOMMU moves, and RID 00:02.0 drops out of iommu-map', () => {
    const d = diffTrees(load(SMMU), load(VIRTIO), 'classic');
    expect(d.changed).toBe(true);
    expect(d.onlyOld).toEqual([]);
    expect(d.onlyNew).toEqual([]);
    expect(d.nodes.map((n) => n.node)).toEqual([PCIE]);
    const [n] = d.nodes;
    expect(n!.changes.map(brief)).toEqual([
      ['iommu', 0x0, 0xf, 'target'],
      ['iommu', 0x10, 0x10, 'status'],
      ['iommu', 0x11, 0xffff, 'target'],
    ]);
    const [a, gap, b] = n!.changes;
    expect(a!.old).toEqual({ status: 'translated', target: '/smmuv3@9050000', idFirst: 0, idLast: 0xf, errno: null });
    expect(a!.new).toEqual({ status: 'translated', target: VIOMMU, idFirst: 0, idLast: 0xf, errno: null });
    expect(gap!.old).toMatchObject({ status: 'translated', idFirst: 0x10, idLast: 0x10 });
    expect(gap!.new).toEqual({ status: 'bypass', target: null, idFirst: 0x10, idLast: 0x10, errno: null });
    expect(b!.new).toMatchObject({ target: VIOMMU, idFirst: 0x11, idLast: 0xffff });
  });

  it('the other way round reports the same ranges with old and new swapped', () => {
    const d = diffTrees(load(VIRTIO), load(SMMU), 'mainline');
    expect(d.nodes[0]!.changes.map(brief)).toEqual([
      ['iommu', 0x0, 0xf, 'target'],
      ['iommu', 0x10, 0x10, 'status'],
      ['iommu', 0x11, 0xffff, 'target'],
    ]);
    expect(d.nodes[0]!.changes[1]!.old.status).toBe('bypass');
  });

  it('a tree against itself: no change', () => {
    for (const f of [SMMU, VIRTIO, 'virt-gicv2.dtb']) {
      const d = diffTrees(load(f), load(f), 'classic');
      expect(d.changed).toBe(false);
      expect(d.nodes.every((n) => n.changes.length === 0)).toBe(true);
    }
  });

  it('smmuv3 -> gicv2: iommu-map removed (no-map), msi-map to another controller', () => {
    const d = diffTrees(load(SMMU), load('virt-gicv2.dtb'), 'classic');
    expect(d.nodes[0]!.changes.map(brief)).toEqual([
      ['iommu', 0, 0xffff, 'status'],
      ['msi', 0, 0xffff, 'target'],
    ]);
    expect(d.nodes[0]!.changes[0]!.new).toEqual({
      status: 'no-map',
      target: null,
      idFirst: 0,
      idLast: 0xffff,
      errno: null,
    });
    expect(d.nodes[0]!.changes[1]!.new.target).toBe('/intc@8000000/v2m@8020000');
  });
});

describe('tree pairs built from the virtio-iommu DTB', () => {
  it('msi-map out-base moved: one ID change over the whole bus-range', () => {
    const d = diffTrees(
      load(VIRTIO),
      setCells(load(VIRTIO), PCIE, 'msi-map', [0, 0x8003, 0x10000, 0x10000]),
      'classic',
    );
    expect(d.nodes[0]!.changes).toEqual([
      {
        map: 'msi',
        first: 0,
        last: 0xffff,
        change: 'id',
        old: { status: 'translated', target: ITS, idFirst: 0, idLast: 0xffff, errno: null },
        new: { status: 'translated', target: ITS, idFirst: 0x10000, idLast: 0x1ffff, errno: null },
      },
    ]);
  });

  it('msi-map shortened: the uncovered buses become a gap', () => {
    const d = diffTrees(load(VIRTIO), setCells(load(VIRTIO), PCIE, 'msi-map', [0, 0x8003, 0, 0x8000]), 'classic');
    expect(d.nodes[0]!.changes.map(brief)).toEqual([['msi', 0x8000, 0xffff, 'status']]);
    expect(d.nodes[0]!.changes[0]!.new.status).toBe('bypass');
  });

  it('entries reordered or split with consistent IDs: no change', () => {
    const swapped = setCells(load(VIRTIO), PCIE, 'iommu-map', [0x11, 0x8005, 0x11, 0xffef, 0, 0x8005, 0, 0x10]);
    expect(diffTrees(load(VIRTIO), swapped, 'classic').changed).toBe(false);
    const split = setCells(load(SMMU), PCIE, 'msi-map', [0, 0x8003, 0, 0x100, 0x100, 0x8003, 0x100, 0xff00]);
    expect(diffTrees(load(SMMU), split, 'classic').changed).toBe(false);
  });

  it('a shift that only part of the range gets: merged where the shift is the same', () => {
    // new: buses 0-7f unchanged, buses 80-ff shifted by 0x1000 through two entries with the same shift
    const t = setCells(
      load(SMMU),
      PCIE,
      'iommu-map',
      [0, 0x8004, 0, 0x8000, 0x8000, 0x8004, 0x9000, 0x4000, 0xc000, 0x8004, 0xd000, 0x4000],
    );
    const d = diffTrees(load(SMMU), t, 'classic');
    expect(d.nodes[0]!.changes.map(brief)).toEqual([['iommu', 0x8000, 0xffff, 'id']]);
    expect(d.nodes[0]!.changes[0]!.new).toMatchObject({ idFirst: 0x9000, idLast: 0x10fff });
  });

  it('two shifts side by side stay two ranges', () => {
    const t = setCells(load(SMMU), PCIE, 'iommu-map', [0, 0x8004, 0x100, 0x8000, 0x8000, 0x8004, 0x9000, 0x8000]);
    expect(diffTrees(load(SMMU), t, 'classic').nodes[0]!.changes.map(brief)).toEqual([
      ['iommu', 0, 0x7fff, 'id'],
      ['iommu', 0x8000, 0xffff, 'id'],
    ]);
  });

  it('bus-range shrunk: the lost buses are outside in both maps', () => {
    const d = diffTrees(load(VIRTIO), setCells(load(VIRTIO), PCIE, 'bus-range', [0, 0x7f]), 'classic');
    expect(d.nodes[0]!.busRange).toEqual({ old: [0, 0xff], new: [0, 0x7f] });
    expect(d.nodes[0]!.changes.map(brief)).toEqual([
      ['iommu', 0x8000, 0xffff, 'status'],
      ['msi', 0x8000, 0xffff, 'status'],
    ]);
    expect(d.nodes[0]!.changes[0]!.new).toEqual({
      status: 'outside',
      target: null,
      idFirst: null,
      idLast: null,
      errno: null,
    });
  });

  it('a bridge renamed: listed as only in one tree each', () => {
    const t = load(VIRTIO);
    t.byPath(PCIE)!.name = 'pcie@20000000';
    const d = diffTrees(load(VIRTIO), t, 'classic');
    expect(d).toMatchObject({ onlyOld: [PCIE], onlyNew: ['/pcie@20000000'], nodes: [], changed: true });
  });

  it('a mask that folds functions: only the RIDs whose ID moved, per device', () => {
    const t = setCells(load(SMMU), PCIE, 'bus-range', [0, 0]);
    const folded = setCells(setCells(load(SMMU), PCIE, 'bus-range', [0, 0]), PCIE, 'iommu-map-mask', [0xfff8]);
    const d = diffTrees(t, folded, 'classic');
    const changes = d.nodes[0]!.changes;
    expect(changes).toHaveLength(32); // functions 1-7 of each of 32 devices
    expect(changes[0]).toMatchObject({
      map: 'iommu',
      first: 1,
      last: 7,
      change: 'id',
      old: { idFirst: 1, idLast: 7 },
      new: { idFirst: 0, idLast: 0 },
    });
  });

  it('a map made malformed: every RID changes to an error', () => {
    const d = diffTrees(load(VIRTIO), setCells(load(VIRTIO), PCIE, 'msi-map', [0, 0x8003, 0]), 'classic');
    expect(d.nodes[0]!.changes).toEqual([
      {
        map: 'msi',
        first: 0,
        last: 0xffff,
        change: 'status',
        old: expect.objectContaining({ status: 'translated' }),
        new: { status: 'error', target: null, idFirst: null, idLast: null, errno: 'EINVAL' },
      },
    ]);
  });
});

// ---- against a per-RID model ------------------------------------------------------------------

interface Side {
  status: string;
  target: string | null;
  id: number | null;
  errno: string | null;
}

/** One side's outcome for each RID, one lookup at a time. */
function perRid(t: Tree, path: string, form: KernelForm): (rid: number) => Side {
  const n = t.byPath(path)!;
  const [lo, hi] = mapDomain(n);
  const m = parseMap(t, n, 'iommu', form)?.table;
  return (rid) => {
    if (rid < lo || rid > hi) return { status: 'outside', target: null, id: null, errno: null };
    const r = lookup(m, rid);
    return {
      status: r.status,
      target: r.target?.path ?? null,
      id: r.status === 'error' ? null : (r.id ?? null),
      errno: r.errno,
    };
  };
}

function kindOf(a: Side, b: Side): ChangeKind | null {
  if (a.status !== b.status || a.errno !== b.errno) return 'status';
  if (a.target !== b.target) return 'target';
  if (a.id !== b.id) return 'id';
  return null;
}

const base = fc.oneof(fc.integer({ min: 0, max: 0x220 }), fc.constantFrom(0x100, 0x200, 0xffffffff));
const entry = fc.tuple(
  base,
  fc.constantFrom(1, 2, 9),
  fc.oneof(fc.integer({ min: 0, max: 0x300 }), fc.constant(0xfffffff0)),
  fc.oneof(fc.integer({ min: 0, max: 0x300 }), fc.constant(0x10000)),
);
const side = fc.record({
  map: fc.option(
    fc.array(entry, { minLength: 1, maxLength: 4 }).map((es) => es.flat()),
    { nil: undefined },
  ),
  mask: fc.option(fc.constantFrom(0xffffffff, 0xfff8, 0xff00, 0xff, 0, 0x1f7), { nil: undefined }),
  bus: fc.constantFrom([0, 1], [0, 2], [1, 2], [0, 0]),
});

function sideTree(s: { map?: number[]; mask?: number; bus: number[] }): Tree {
  // an msi-map on both sides keeps the bridge a node with a map when iommu-map is left out
  const props: Record<string, number[] | string | true> = {
    device_type: 'pci',
    'bus-range': s.bus,
    'msi-map': [0, 3, 0, 0x10000],
  };
  if (s.map) props['iommu-map'] = s.map;
  if (s.mask !== undefined) props['iommu-map-mask'] = [s.mask];
  return tree([
    node('iommu@1', { phandle: [1], '#iommu-cells': [1] }),
    node('iommu@2', { phandle: [2], '#iommu-cells': [1] }),
    node('msi@3', { phandle: [3], 'msi-controller': true }),
    node('pcie@0', props),
  ]);
}

describe.each<KernelForm>(['classic', 'mainline'])('%s: diffTrees() equals a per-RID comparison', (form) => {
  it('random maps, masks and bus-ranges on both sides', () => {
    fc.assert(
      fc.property(side, side, (a, b) => {
        const ta = sideTree(a);
        const tb = sideTree(b);
        const d = diffTrees(ta, tb, form);
        const changes = d.nodes[0]!.changes.filter((c) => c.map === 'iommu');
        const [lo, hi] = d.nodes[0]!.domain;
        const [oldAt, newAt] = [perRid(ta, '/pcie@0', form), perRid(tb, '/pcie@0', form)];
        let k = 0;
        const wrong: string[] = [];
        for (let rid = lo; rid <= hi; rid++) {
          while (k < changes.length && changes[k]!.last < rid) k++;
          const c = changes[k] && changes[k]!.first <= rid ? changes[k] : undefined;
          const x = oldAt(rid);
          const y = newAt(rid);
          if ((c?.change ?? null) !== kindOf(x, y))
            wrong.push(`RID 0x${rid.toString(16)}: ${c?.change ?? null}, model ${kindOf(x, y)}`);
          if (c && (rid === c.first || rid === c.last)) {
            const end = rid === c.first ? 'idFirst' : 'idLast';
            expect({ status: c.old.status, target: c.old.target, id: c.old[end], errno: c.old.errno }).toEqual(x);
            expect({ status: c.new.status, target: c.new.target, id: c.new[end], errno: c.new.errno }).toEqual(y);
          }
        }
        expect(wrong.slice(0, 5)).toEqual([]);
        // ranges are sorted, disjoint and inside the domain
        for (let i = 1; i < changes.length; i++) expect(changes[i]!.first).toBeGreaterThan(changes[i - 1]!.last);
        expect(d.changed).toBe(changes.length > 0 || d.nodes[0]!.changes.length > 0);
      }),
      { numRuns: 400 },
    );
  });
});
