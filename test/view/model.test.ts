// The picture model: runs from coverage, and scaling that never loses a gap.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { readDtb } from '../../src/dtb/read.js';
import {
  barWidth,
  buildPicture,
  cellRange,
  columnOf,
  rasterize,
  type Run,
  type RunKind,
  type Target,
} from '../../src/view/model.js';
import { node, tree } from '../helpers.js';

const load = (f: string) => readDtb(readFileSync(f), f);
const VIRTIO = 'fixtures/qemu/virt-virtio-iommu.dtb';

describe('buildPicture', () => {
  it('virtio-iommu: iommu-map runs around the one-RID gap, one letter per target', () => {
    const p = buildPicture(load(VIRTIO), 'classic');
    expect(p.targets.map((t) => [t.letter, t.path])).toEqual([
      ['A', '/pcie@10000000/virtio_iommu@2,0'],
      ['B', '/intc@8000000/its@8080000'],
    ]);
    const [b] = p.bridges;
    expect(b!.domain).toEqual([0, 0xffff]);
    expect(b!.rows.map((r) => r.property)).toEqual(['iommu-map', 'msi-map']);
    expect(b!.rows[0]!.runs.map((r) => [r.first, r.last, r.kind, r.target?.letter ?? null])).toEqual([
      [0, 0xf, 'translated', 'A'],
      [0x10, 0x10, 'gap', null],
      [0x11, 0xffff, 'translated', 'A'],
    ]);
    expect(b!.devices.map((d) => [d.rid, d.node.name])).toEqual([[0x10, 'virtio_iommu@2,0']]);
  });

  it('a disabled target makes its RIDs untranslated; an absent map is listed', () => {
    const t = tree([
      node('iommu@1', { phandle: [1], '#iommu-cells': [1] }),
      node('iommu@2', { phandle: [2], '#iommu-cells': [1], status: 'disabled' }),
      node('pcie@0', {
        device_type: 'pci',
        'bus-range': [0, 1],
        'iommu-map': [0, 1, 0, 0x100, 0x100, 2, 0x100, 0x100],
      }),
    ]);
    const [b] = buildPicture(t, 'classic').bridges;
    expect(b!.absent).toEqual(['msi']);
    expect(b!.rows[0]!.runs.map((r) => [r.first, r.last, r.kind])).toEqual([
      [0, 0xff, 'translated'],
      [0x100, 0x1ff, 'disabled'],
    ]);
  });

  it('--node picks one node; the same target keeps its letter across bridges', () => {
    const t = tree([
      node('its', { phandle: [1], 'msi-controller': true }),
      node('pcie@0', { device_type: 'pci', 'msi-map': [0, 1, 0, 0x10000] }),
      node('pcie@1', { device_type: 'pci', 'msi-map': [0, 1, 0x10000, 0x10000] }),
    ]);
    const all = buildPicture(t, 'classic');
    expect(all.bridges.map((b) => b.path)).toEqual(['/pcie@0', '/pcie@1']);
    expect(all.targets).toHaveLength(1);
    expect(buildPicture(t, 'classic', t.byPath('/pcie@1')).bridges.map((b) => b.path)).toEqual(['/pcie@1']);
  });
});

describe('scaling', () => {
  it('65536 RIDs on 64 columns: 1024 RIDs a column; RID 0x10 is column 0', () => {
    expect(barWidth(65536, 65)).toBe(64);
    expect(cellRange(0, 0xffff, 64, 0)).toEqual([0, 0x3ff]);
    expect(cellRange(0, 0xffff, 64, 63)).toEqual([0xfc00, 0xffff]);
    expect(columnOf(0, 0xffff, 64, 0x10)).toBe(0);
    expect(columnOf(0, 0xffff, 64, 0xffff)).toBe(63);
  });

  it('fewer RIDs than columns: each RID spans columns, every column has a RID', () => {
    expect(barWidth(8, 65)).toBe(8);
    for (let c = 0; c < 20; c++) {
      const [a, b] = cellRange(0, 7, 20, c);
      expect(a).toBe(b);
    }
  });

  it('the one-RID gap of the virtio DTB marks its column at every width', () => {
    const runs = buildPicture(load(VIRTIO), 'classic').bridges[0]!.rows[0]!.runs;
    for (let w = 1; w <= 300; w++) {
      const cells = rasterize(runs, 0, 0xffff, w);
      expect(cells.filter((c) => c.kind === 'gap').length).toBe(1);
      expect(cells[columnOf(0, 0xffff, w, 0x10)]!.kind).toBe('gap');
      const mixed = cells[columnOf(0, 0xffff, w, 0x10)]!.mixed;
      if (w < 0x10000) expect(mixed?.letter).toBe('A');
    }
  });

  it('property: a column containing a gap RID shows the gap (or an error), and columns partition the domain', () => {
    const target: Target = { node: node('t', {}), path: '/t', label: undefined, letter: 'A', index: 0, enabled: true };
    const kinds: RunKind[] = ['translated', 'gap', 'disabled', 'error'];
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 5000 }), fc.constantFrom(...kinds)), {
          minLength: 1,
          maxLength: 30,
        }),
        fc.integer({ min: 1, max: 200 }),
        fc.nat({ max: 0xff00 }),
        (parts, width, lo) => {
          const runs: Run[] = [];
          let at = lo;
          for (const [size, kind] of parts) {
            runs.push({
              first: at,
              last: at + size - 1,
              kind,
              target: kind === 'translated' || kind === 'disabled' ? target : undefined,
              idFirst: undefined,
              idLast: undefined,
              entry: undefined,
              errno: null,
            });
            at += size;
          }
          const hi = at - 1;
          const cells = rasterize(runs, lo, hi, width);
          expect(cells).toHaveLength(width);
          expect(cells[0]!.first).toBe(lo);
          expect(cells[width - 1]!.last).toBe(hi);
          for (const r of runs) {
            if (r.kind === 'translated') continue;
            const overlapping = cells.filter((c) => c.first <= r.last && r.first <= c.last);
            expect(overlapping.length).toBeGreaterThan(0);
            for (const c of overlapping) {
              if (r.kind === 'gap') expect(['gap', 'error']).toContain(c.kind);
              if (r.kind === 'error') expect(c.kind).toBe('error');
              if (r.kind === 'disabled') expect(c.kind).not.toBe('translated');
            }
            expect(cells[columnOf(lo, hi, width, r.first)]!.first).toBeLessThanOrEqual(r.first);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
