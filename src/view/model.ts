// The RID-space picture as data: for each node with a map, each map's coverage of the bridge's
// RID domain as runs (translated per target, gap, untranslated to a disabled target, kernel
// error), the described PCI devices, and the targets with stable letters. The text, SVG and HTML
// writers draw this; none of them looks at the tree again.
import type { Node, Tree } from '../tree/model.js';
import { MAP_KINDS, NAMES, type KernelForm, type MapKind } from '../map/map.js';
import type { Errno, Row } from '../core/table.js';
import type { SegmentOf } from '../core/outcome.js';
import type { Reader, ReaderName } from '../map/readers/index.js';
import { buildMachine, type Bridge } from '../machine/machine.js';

/** What a run of RIDs gets. `disabled`: the entry matches but its target is disabled, so the
 *  kernel refuses it (of_iommu_xlate(): not available): the RIDs are untranslated. */
export type RunKind = 'translated' | 'gap' | 'disabled' | 'error';

export interface Target {
  /** The devicetree node (none for an ACPI table's node). */
  node?: Node;
  path: string;
  label: string | undefined;
  /** A (then B, C ...): the same target has the same letter in every bridge of the file. */
  letter: string;
  /** Index into the writers' palettes. */
  index: number;
  enabled: boolean;
}

export interface Run {
  first: number;
  last: number;
  kind: RunKind;
  /** Translated or disabled runs: the entry's target. */
  target: Target | undefined;
  /** Output IDs of `first` and `last` (translated and disabled runs). */
  idFirst: number | undefined;
  idLast: number | undefined;
  entry: number | undefined;
  errno: Errno | null;
}

export interface MapRow {
  kind: MapKind;
  property: string;
  mask: number;
  runs: Run[];
  /** Per target used by this map: does the target provide this kind (#iommu-cells / msi-controller)? */
  notProvider: Target[];
}

export interface Device {
  node: Node;
  /** The RID Linux gives the device (src/machine/topology.ts). */
  rid: number;
  endpoint: boolean;
  /** The RID its `reg` names. */
  written: number;
}

export interface BridgeView {
  /** The devicetree node (none for an ACPI root complex). */
  node?: Node;
  path: string;
  pci: boolean;
  enabled: boolean;
  busRange: [number, number];
  /** Raw IDs drawn: the bus-range's RIDs, or 0-0xffff for non-PCI nodes (fsl-mc, Tegra ...). */
  domain: [number, number];
  /** One row per map present, in MAP_KINDS order. */
  rows: MapRow[];
  /** Map kinds the node does not carry. */
  absent: MapKind[];
  /** Described PCI devices inside the domain. */
  devices: Device[];
}

export interface Picture {
  source: string;
  form: KernelForm;
  /** The reader whose reading the picture shows. */
  reader: ReaderName;
  /** Who reads the tables, for the heading, when it is not a devicetree reader (ACPI input). */
  readBy?: string;
  bridges: BridgeView[];
  targets: Target[];
}

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWYZ0123456789'; // no X: x marks untranslated RIDs

export function letterFor(i: number): string {
  return i < LETTERS.length ? LETTERS[i]! : `${LETTERS[i % LETTERS.length]}${Math.floor(i / LETTERS.length)}`;
}

function isProvider(t: Node, kind: MapKind): boolean {
  return kind === 'iommu' ? t.prop('#iommu-cells') !== undefined : t.prop('msi-controller') !== undefined;
}

/** The picture of every node with a map, or of `only` (which must carry a map). */
export function buildPicture(tree: Tree, form: KernelForm, only?: Node, reader?: Reader): Picture {
  const machine = buildMachine(tree, form, { primary: reader });
  const targets = new Map<Node, Target>();
  const targetOf = (n: Node): Target => {
    let t = targets.get(n);
    if (!t) {
      t = {
        node: n,
        path: n.path,
        label: tree.labelOf(n),
        letter: letterFor(targets.size),
        index: targets.size,
        enabled: n.enabled,
      };
      targets.set(n, t);
    }
    return t;
  };
  // an inverted bus-range (`<0xff 0>`) has no RIDs to draw: the checks see an empty domain too
  const bridges = machine.bridges
    .filter((b) => (!only || b.node === only) && b.domain[0] <= b.domain[1])
    .map((b) => bridgeView(b, targetOf));
  return { source: tree.source, form, reader: machine.primary.name, bridges, targets: [...targets.values()] };
}

function bridgeView(b: Bridge, targetOf: (n: Node) => Target): BridgeView {
  const rows: MapRow[] = [];
  const absent: MapKind[] = [];
  for (const kind of MAP_KINDS) {
    const m = b.maps[kind];
    if (!m) {
      absent.push(kind);
      continue;
    }
    const notProvider = new Set<Target>();
    const runs = m.coverage.segments.map((s) => toRun(s, targetOf));
    for (const r of runs) if (r.target?.node && !isProvider(r.target.node, kind)) notProvider.add(r.target);
    rows.push({ kind, property: NAMES[kind].map, mask: m.parsed.mask, runs, notProvider: [...notProvider] });
  }
  const [lo, hi] = b.domain;
  const devices = b.pci ? b.devices.filter((d) => d.rid >= lo && d.rid <= hi).sort((x, y) => x.rid - y.rid) : [];
  return {
    node: b.node,
    path: b.node.path,
    pci: b.pci,
    enabled: b.enabled,
    busRange: b.busRange,
    domain: b.domain,
    rows,
    absent,
    devices,
  };
}

/** A coverage segment as a run: `targetOf` names its target (a node of either front). */
export function toRun<T>(s: SegmentOf<T, Row<T>>, targetOf: (n: T) => Target): Run {
  const base = { first: s.first, last: s.last, entry: s.entry?.index, errno: s.errno };
  if (s.status === 'translated' && s.target) {
    const target = targetOf(s.target);
    return { ...base, kind: target.enabled ? 'translated' : 'disabled', target, idFirst: s.idFirst, idLast: s.idLast };
  }
  if (s.status === 'bypass') return { ...base, kind: 'gap', target: undefined, idFirst: undefined, idLast: undefined };
  return { ...base, kind: 'error', target: undefined, idFirst: undefined, idLast: undefined };
}

/** Runs that are not plain translation: what the picture must never lose to scaling. */
export function isProblem(r: Run): boolean {
  return r.kind !== 'translated';
}

/** Merged RID ranges of the runs of one kind (and target). */
export function rangesOf(runs: Run[], kind: RunKind, target?: Target): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const r of runs) {
    if (r.kind !== kind || (target && r.target !== target)) continue;
    const last = out[out.length - 1];
    if (last && last[1] + 1 === r.first) last[1] = r.last;
    else out.push([r.first, r.last]);
  }
  return out;
}

export function ridCount(ranges: Array<[number, number]>): number {
  return ranges.reduce((n, [a, b]) => n + (b - a + 1), 0);
}

// ---- scaling ----------------------------------------------------------------------------------

/** One column of a scaled row: the RIDs it stands for and what it shows. */
export interface Cell {
  first: number;
  last: number;
  /** The most severe kind among the cell's RIDs: error, then gap, then disabled, then translated. */
  kind: RunKind;
  /** For translated / disabled cells: the target holding most of the cell's RIDs. */
  target: Target | undefined;
  /** For gap and error cells that also hold translated RIDs: the target holding most of them. */
  mixed: Target | undefined;
}

const RANK: Record<RunKind, number> = { error: 3, gap: 2, disabled: 1, translated: 0 };

/** RIDs of column `c` of `width` columns over [lo, hi]: partitions the domain exactly; when there
 *  are fewer RIDs than columns each RID spans several columns. */
export function cellRange(lo: number, hi: number, width: number, c: number): [number, number] {
  const n = hi - lo + 1;
  const first = lo + Math.floor((c * n) / width);
  const last = lo + Math.max(Math.floor((c * n) / width), Math.floor(((c + 1) * n) / width) - 1);
  return [first, last];
}

/** The column holding RID `rid`. */
export function columnOf(lo: number, hi: number, width: number, rid: number): number {
  const n = hi - lo + 1;
  // smallest c with cellRange(c).last >= rid
  let c = Math.floor(((rid - lo) * width) / n);
  while (c > 0 && cellRange(lo, hi, width, c)[0] > rid) c--;
  while (c < width - 1 && cellRange(lo, hi, width, c)[1] < rid) c++;
  return c;
}

/**
 * Scales runs onto `width` columns. A cell shows the most severe kind any of its RIDs has, so a
 * one-RID gap in 65536 RIDs still marks its column. Two pointers over cells and runs: the cost is
 * columns + runs, never the number of RIDs.
 */
export function rasterize(runs: Run[], lo: number, hi: number, width: number): Cell[] {
  const cells: Cell[] = [];
  let i = 0;
  for (let c = 0; c < width; c++) {
    const [first, last] = cellRange(lo, hi, width, c);
    while (i < runs.length && runs[i]!.last < first) i++;
    let kind: RunKind = 'translated';
    let rank = -1;
    const weight = new Map<Target, number>();
    for (let j = i; j < runs.length && runs[j]!.first <= last; j++) {
      const r = runs[j]!;
      const k = RANK[r.kind];
      if (k > rank) {
        rank = k;
        kind = r.kind;
      }
      if (r.target) {
        const size = Math.min(r.last, last) - Math.max(r.first, first) + 1;
        weight.set(r.target, (weight.get(r.target) ?? 0) + size);
      }
    }
    const heaviest = (enabled: boolean) => {
      let best: Target | undefined;
      let most = -1;
      for (const [t, w] of weight) if (t.enabled === enabled && w > most) [best, most] = [t, w];
      return best;
    };
    const target = kind === 'translated' ? heaviest(true) : kind === 'disabled' ? heaviest(false) : undefined;
    const mixed = kind === 'gap' || kind === 'error' ? heaviest(true) : undefined;
    cells.push({ first, last, kind: rank < 0 ? 'gap' : kind, target, mixed });
  }
  return cells;
}

/**
 * A bar width for `available` columns over `n` RIDs: the widest one at least 90% of `available`
 * that divides `n` evenly (65536 RIDs on 64 columns: 4 buses a column), else `available`.
 */
export function barWidth(n: number, available: number): number {
  if (n <= available) return n;
  for (let w = available; w >= Math.ceil(available * 0.9); w--) if (n % w === 0) return w;
  return available;
}
