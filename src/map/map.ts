// The devicetree front of the translation core: an `iommu-map` / `msi-map` property read into
// entries as each kernel form parses it (docs/semantics.md: the classic lookup, the mainline
// lookup), and the entries made rows of a core table under a reader's policy (src/map/readers).
// Pure functions of the tree: no I/O, no printing.
import type { Node, Property, Tree } from '../tree/model.js';
import {
  rowRange,
  type CoverageOf,
  type LookupOf,
  type Miss,
  type Row,
  type SegmentOf,
  type Table,
  type WalkError,
} from '../core/index.js';
import { LimitError, MAX_MAP_ENTRIES } from '../limits.js';

export type MapKind = 'iommu' | 'msi';
export type KernelForm = 'classic' | 'mainline';

export const MAP_KINDS: readonly MapKind[] = ['iommu', 'msi'];

export const NAMES: Record<MapKind, { map: string; mask: string; cells: string }> = {
  iommu: { map: 'iommu-map', mask: 'iommu-map-mask', cells: '#iommu-cells' },
  msi: { map: 'msi-map', mask: 'msi-map-mask', cells: '#msi-cells' },
};

/** One entry of the property, as a row of the map's table (its `base` is `ridBase`). */
export interface MapEntry extends Row<Node> {
  /** Index of the entry's first cell in the property. */
  cell: number;
  ridBase: number;
  phandle: number;
  length: number;
}

/** An entry as a reader reads it from the cells, before it is made a row. */
export type EntryCells = Pick<MapEntry, 'cell' | 'ridBase' | 'phandle' | 'target' | 'out' | 'length' | 'error'>;

export type MapTable = Table<Node, MapEntry>;
export type LookupResult = LookupOf<Node, MapEntry>;
export type Segment = SegmentOf<Node, MapEntry>;
export type Coverage = CoverageOf<Node, MapEntry>;

/** Where a map is written and how its mask reads. */
export interface MapFacts {
  kind: MapKind;
  form: KernelForm;
  node: Node;
  property: Property;
  /** Effective mask: 0xffffffff unless the mask property has at least one whole cell. */
  mask: number;
  maskProperty: Property | undefined;
}

/** What the cells say beyond the entries. */
export interface MapRead {
  entries: readonly EntryCells[];
  /** Classic: a bad length makes every lookup fail before any entry is read. */
  fatal?: WalkError;
  /** Mainline: the error a walk meets after the last readable entry (short or unsized entry). */
  tail?: WalkError & { cell: number };
  /** Mainline: the map was read through the legacy 4-cell fallback. */
  legacyFallback?: boolean;
}

export interface ParsedMap extends MapFacts, MapRead {
  entries: MapEntry[];
  /** The entries as rows, with the policy of the reader that walks them (src/core). */
  table: MapTable;
}

/** What a reader does beyond reading the cells (src/map/readers). */
export interface Walk {
  /** of_map_id()'s -EFAULT check of each entry's rid-base against the mask. */
  maskCheck: boolean;
  /** What an ID no entry takes gets, after the mainline tail: default of_map_id()'s bypass line. */
  miss?: Miss<Node>;
  /** Input bits kept before the mask (FreeBSD takes a uint16_t RID). */
  inputMask?: number;
}

/** of_map_id(): the walk the two Linux forms make. */
export const OF_MAP_ID: Walk = { maskCheck: true };

/** `of_property_read_u32()` on the mask: any value of at least 4 bytes gives its first cell. */
function readMask(node: Node, kind: MapKind): { mask: number; maskProperty: Property | undefined } {
  const maskProperty = node.prop(NAMES[kind].mask);
  const first = maskProperty?.u32(0);
  return { mask: first ?? 0xffffffff, maskProperty };
}

/** Cell count of a provider node (`#iommu-cells` / `#msi-cells`, missing means 1). */
export function providerCells(target: Node, kind: MapKind): number {
  return target.prop(NAMES[kind].cells)?.u32(0) ?? 1;
}

/** The facts of a map on `node` as `form` reads it, or undefined when the node has none. */
export function mapFacts(node: Node, kind: MapKind, form: KernelForm): MapFacts | undefined {
  const property = node.prop(NAMES[kind].map);
  return property && { kind, form, node, property, ...readMask(node, kind) };
}

/**
 * The map's entries made rows of a core table under `walk`: each entry's range under the form's
 * range test (of_map_id()), -EFAULT before it when its rid-base ignores the mask (a reader that
 * checks), and what a match gets instead of a translation.
 */
export function buildMap(f: MapFacts, read: MapRead, walk: Walk): ParsedMap {
  const entries = read.entries.map((e, index): MapEntry => ({
    index,
    cell: e.cell,
    ridBase: e.ridBase,
    phandle: e.phandle,
    length: e.length,
    range: matchRange(e, f.form),
    base: e.ridBase,
    target: e.target,
    out: e.out,
    error: e.error ?? (!e.target ? ENODEV : (multiCellRange(f.form, e) ?? undefined)),
    stop: (walk.maskCheck && maskIgnoresBase(f, e)) || undefined,
  }));
  const { kind, form, node, property, mask, maskProperty } = f;
  const miss: Miss<Node> = read.tail
    ? { error: { errno: read.tail.errno, log: read.tail.log } }
    : (walk.miss ?? {
        // pr_info("%pOF: no %s translation for id 0x%x on %pOF"): the raw ID passes through
        bypass: (id, on) =>
          `OF: ${node.path}: no ${NAMES[kind].map} translation for id 0x${id.toString(16)} on ${on ? on.path : '(null)'}`,
      });
  return {
    kind,
    form,
    node,
    property,
    mask,
    maskProperty,
    ...read,
    entries,
    table: { rows: entries, inputMask: walk.inputMask, mask, fatal: read.fatal, miss },
  };
}

/** The map as a Linux form reads it (of_map_id()), with a reader's `walk` (default of_map_id()'s). */
export function parseMap(
  tree: Tree,
  node: Node,
  kind: MapKind,
  form: KernelForm,
  walk: Walk = OF_MAP_ID,
): ParsedMap | undefined {
  const f = mapFacts(node, kind, form);
  if (!f) return undefined;
  const read = form === 'classic' ? parseClassic(tree, f) : parseMainline(tree, f);
  if (read.entries.length > MAX_MAP_ENTRIES) {
    throw new LimitError(
      { file: tree.source },
      `${tree.source}: ${node.path}: ${f.property.name} has ${read.entries.length} entries, more than ${MAX_MAP_ENTRIES} (dtmap's limit)`,
    );
  }
  return buildMap(f, read, walk);
}

/**
 * The property read as whole 4-cell entries with no length check, as readers other than
 * of_map_id() do (src/map/readers): 1-3 cells after the last whole entry are read past the end of
 * the property (undefined), an error for every ID that reaches them.
 */
export function fourCellMap(tree: Tree, node: Node, kind: MapKind, walk: Walk): ParsedMap | undefined {
  const f = mapFacts(node, kind, 'classic');
  if (!f) return undefined;
  const cells = f.property.cellCount;
  const leftover = cells % 4;
  const tail = leftover
    ? {
        errno: 'EFAULT' as const,
        log: `${node.path}: ${NAMES[kind].map} has ${cells} cells: the last entry is read past the end of the property (undefined)`,
        cell: cells - leftover,
      }
    : undefined;
  return buildMap(f, { entries: fixedEntries(tree, f.property, 1), tail }, walk);
}

export function badLength(m: MapFacts): WalkError {
  return { errno: 'EINVAL', log: `OF: ${m.node.path}: Error: Bad ${NAMES[m.kind].map} length: ${m.property.length}` };
}

/** of_map_id() in Linux 5.3-7.1: fixed entries of 4 cells; zero or ragged length is -EINVAL. */
function parseClassic(tree: Tree, m: MapFacts): MapRead {
  const len = m.property.length;
  if (len === 0 || len % 16 !== 0) return { entries: [], fatal: badLength(m) };
  return { entries: fixedEntries(tree, m.property, 1) };
}

function fixedEntries(tree: Tree, p: Property, outCells: number): EntryCells[] {
  const size = 3 + outCells;
  const entries: EntryCells[] = [];
  for (let c = 0; c + size <= p.cellCount; c += size) {
    const phandle = p.u32(c + 1)!;
    const out: number[] = [];
    for (let i = 0; i < outCells; i++) out.push(p.u32(c + 2 + i)!);
    entries.push({
      cell: c,
      ridBase: p.u32(c)!,
      phandle,
      target: tree.byPhandle(phandle),
      out,
      length: p.u32(c + 2 + outCells)!,
    });
  }
  return entries;
}

/**
 * of_map_id() in Linux 7.2+ ("of: Respect #{iommu,msi}-cells in maps"): each entry is
 * rid-base, phandle, N output cells, length, with N from the entry's target. Entries are read
 * as the walk would reach them; the first one that cannot be sized ends the list with `tail`.
 */
function parseMainline(tree: Tree, m: MapFacts): MapRead {
  const p = m.property;
  if (p.length % 4 !== 0) return { entries: [], fatal: badLength(m) };
  if (legacyFallback(tree, m)) return { entries: fixedEntries(tree, p, 1), legacyFallback: true };
  const entries: EntryCells[] = [];
  const total = p.cellCount;
  // Commit ccb2fd725d41 (v16 of the series): for each entry, in this order: fewer than 2 cells
  // left is a bad length; rid-base ignoring the mask is -EFAULT; the phandle is resolved (-ENODEV),
  // its #cells read (missing: 1; above MAX_PHANDLE_ARGS = 16: -EINVAL); then a short entry is a
  // bad length. All before the range test, so any of them stops every ID that reaches the entry.
  const stop = (c: number, e: WalkError): MapRead => ({
    entries,
    tail: { ...(maskIgnoresBase(m, { ridBase: p.u32(c)! }) ?? e), cell: c },
  });
  for (let c = 0; c < total;) {
    if (total - c < 2) return { entries, tail: { ...badLength(m), cell: c } };
    const phandle = p.u32(c + 1)!;
    const target = tree.byPhandle(phandle);
    if (!target) return stop(c, { errno: 'ENODEV', log: null });
    const cells = providerCells(target, m.kind);
    if (cells > 16) return stop(c, { errno: 'EINVAL', log: null });
    if (total - c < 3 + cells) return stop(c, badLength(m));
    const out: number[] = [];
    for (let i = 0; i < cells; i++) out.push(p.u32(c + 2 + i)!);
    entries.push({ cell: c, ridBase: p.u32(c)!, phandle, target, out, length: p.u32(c + 2 + cells)! });
    c += 3 + cells;
  }
  return { entries };
}

/**
 * The mainline legacy fallback: entry 0's target has 2 cells, and the whole map reads as 4-cell
 * entries all to that phandle with every 4th cell 1 (the Qualcomm maps to 2-cell SMMUs).
 */
function legacyFallback(tree: Tree, m: MapFacts): boolean {
  const p = m.property;
  const n = p.cellCount;
  if (n === 0 || n % 4 !== 0) return false;
  const phandle = p.u32(1)!;
  const target = tree.byPhandle(phandle);
  if (!target || providerCells(target, m.kind) !== 2) return false;
  for (let c = 0; c < n; c += 4) if (p.u32(c + 1) !== phandle || p.u32(c + 3) !== 1) return false;
  return true;
}

/** All nodes carrying an iommu-map or msi-map, in tree order. */
export function mapNodes(tree: Tree): Node[] {
  const out: Node[] = [];
  for (const n of tree.root.walk()) if (n.prop('iommu-map') || n.prop('msi-map')) out.push(n);
  return out;
}

/** `bus-range` of a host bridge, `[0, 0xff]` when absent or short. */
export function busRange(node: Node): [number, number] {
  const p = node.prop('bus-range');
  const first = p?.u32(0);
  const last = p?.u32(1);
  if (first === undefined || last === undefined) return [0, 0xff];
  return [Math.min(first, 0xff), Math.min(last, 0xff)];
}

export function isPciBridge(node: Node): boolean {
  return node.prop('device_type')?.string() === 'pci';
}

/** The entry's masked-ID range `[first, last]` that the form's range test accepts (of_map_id()), or null. */
export function matchRange(e: Pick<MapEntry, 'ridBase' | 'length'>, form: KernelForm): [number, number] | null {
  return rowRange(e.ridBase, e.length, form);
}

/** The -EFAULT check of_map_id() makes on every entry it reaches. */
export function maskIgnoresBase(
  m: Pick<MapFacts, 'kind' | 'node' | 'mask'>,
  e: Pick<MapEntry, 'ridBase'>,
): WalkError | null {
  if ((e.ridBase & ~m.mask) >>> 0 === 0) return null;
  const name = NAMES[m.kind];
  return {
    errno: 'EFAULT',
    log: `OF: ${m.node.path}: Invalid ${name.map} translation - ${name.map}-mask (0x${m.mask.toString(16)}) ignores id-base (0x${e.ridBase.toString(16)})`,
  };
}

/** Classic: -ENODEV when a matching entry's phandle dangles. Mainline: the entry was never read. */
const ENODEV: WalkError = { errno: 'ENODEV', log: null };

/** Mainline: an entry with several output cells can only translate a single ID. */
function multiCellRange(form: KernelForm, e: Pick<MapEntry, 'out' | 'length'>): WalkError | null {
  return form === 'mainline' && e.out.length > 1 && e.length > 1 ? { errno: 'EINVAL', log: null } : null;
}

/**
 * True when the classic and mainline parses of one property translate every ID alike (so
 * lookup() agrees on each): no fatal or tail error, the same entries one by one, each with one
 * output cell (no mainline multi-cell refusal) and none reaching 2^32 (matchRange agrees).
 */
export function formsAgree(c: ParsedMap, m: ParsedMap): boolean {
  if (c.fatal || m.fatal || m.tail || c.entries.length !== m.entries.length) return false;
  return c.entries.every((e, i) => {
    const f = m.entries[i]!;
    return (
      e.ridBase === f.ridBase &&
      e.target === f.target &&
      e.length === f.length &&
      e.out.length === 1 &&
      f.out.length === 1 &&
      e.out[0] === f.out[0] &&
      e.ridBase + e.length <= 0xffffffff
    );
  });
}
