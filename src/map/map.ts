// Reading an `iommu-map` / `msi-map` property into entries, as each kernel form parses it
// (docs/semantics.md: the classic lookup, the mainline lookup).
// Pure functions of the tree: no I/O, no printing.
import type { Node, Property, Tree } from '../tree/model.js';
import { maskIgnoresBase } from './lookup.js';
import { LimitError, MAX_MAP_ENTRIES } from '../limits.js';

export type MapKind = 'iommu' | 'msi';
export type KernelForm = 'classic' | 'mainline';
/** Linux's errnos, plus FreeBSD's ENOENT (a gap) and ENOSPC (the i.MX95 LUT is full). */
export type Errno = 'EINVAL' | 'EFAULT' | 'ENODEV' | 'ENOENT' | 'ENOSPC';

export const MAP_KINDS: readonly MapKind[] = ['iommu', 'msi'];

export const NAMES: Record<MapKind, { map: string; mask: string; cells: string }> = {
  iommu: { map: 'iommu-map', mask: 'iommu-map-mask', cells: '#iommu-cells' },
  msi: { map: 'msi-map', mask: 'msi-map-mask', cells: '#msi-cells' },
};

/** An error the walk hits; `log` is the line the kernel prints (pr_fmt "OF: " included). */
export interface WalkError {
  errno: Errno;
  log: string | null;
}

export interface MapEntry {
  index: number;
  /** Index of the entry's first cell in the property. */
  cell: number;
  ridBase: number;
  phandle: number;
  target: Node | undefined;
  /** Output cells (one in classic form; the target's cell count in mainline form). */
  out: number[];
  length: number;
  /** A reader that refuses this entry's IDs when they match (the walk stops there). */
  error?: WalkError;
}

export interface ParsedMap {
  kind: MapKind;
  form: KernelForm;
  node: Node;
  property: Property;
  /** Effective mask: 0xffffffff unless the mask property has at least one whole cell. */
  mask: number;
  maskProperty: Property | undefined;
  entries: MapEntry[];
  /** Classic: a bad length makes every lookup fail before any entry is read. */
  fatal?: WalkError;
  /** Mainline: the error a walk meets after the last readable entry (short or unsized entry). */
  tail?: WalkError & { cell: number };
  /** Mainline: the map was read through the legacy 4-cell fallback. */
  legacyFallback?: boolean;
  /** Readers other than of_map_id() (src/map/readers): no -EFAULT check of rid-base against the mask. */
  noMaskCheck?: boolean;
  /** Readers other than of_map_id(): what an ID no entry matches gets, instead of a bypass. */
  gap?: WalkError;
  /** Readers other than of_map_id() whose gap is a bypass too: what they log (or do) instead. */
  bypassLog?: string;
  /** Readers other than of_map_id(): input bits kept before the mask (FreeBSD takes a uint16_t RID). */
  inputMask?: number;
  /** What a reader says about the whole map (hash collisions, LUT use), for map-portability. */
  notes?: string[];
}

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

/**
 * The property read as whole 4-cell entries with no length check, as readers other than
 * of_map_id() do (src/map/readers); `leftover` is the number of cells after the last whole entry.
 */
export function fourCellMap(tree: Tree, node: Node, kind: MapKind): { map: ParsedMap; leftover: number } | undefined {
  const property = node.prop(NAMES[kind].map);
  if (!property) return undefined;
  const map: ParsedMap = {
    kind,
    form: 'classic',
    node,
    property,
    ...readMask(node, kind),
    entries: fixedEntries(tree, property, 1),
  };
  return { map, leftover: property.cellCount % 4 };
}

export function parseMap(tree: Tree, node: Node, kind: MapKind, form: KernelForm): ParsedMap | undefined {
  const property = node.prop(NAMES[kind].map);
  if (!property) return undefined;
  const base = { kind, form, node, property, ...readMask(node, kind), entries: [] as MapEntry[] };
  const m = form === 'classic' ? parseClassic(tree, base) : parseMainline(tree, base);
  if (m.entries.length > MAX_MAP_ENTRIES) {
    throw new LimitError(
      { file: tree.source },
      `${tree.source}: ${node.path}: ${property.name} has ${m.entries.length} entries, more than ${MAX_MAP_ENTRIES} (dtmap's limit)`,
    );
  }
  return m;
}

export function badLength(m: ParsedMap): WalkError {
  return { errno: 'EINVAL', log: `OF: ${m.node.path}: Error: Bad ${NAMES[m.kind].map} length: ${m.property.length}` };
}

/** of_map_id() in Linux 5.3-7.1: fixed entries of 4 cells; zero or ragged length is -EINVAL. */
function parseClassic(tree: Tree, m: ParsedMap): ParsedMap {
  const len = m.property.length;
  if (len === 0 || len % 16 !== 0) m.fatal = badLength(m);
  else m.entries = fixedEntries(tree, m.property, 1);
  return m;
}

function fixedEntries(tree: Tree, p: Property, outCells: number): MapEntry[] {
  const size = 3 + outCells;
  const entries: MapEntry[] = [];
  for (let c = 0; c + size <= p.cellCount; c += size) {
    const phandle = p.u32(c + 1)!;
    const out: number[] = [];
    for (let i = 0; i < outCells; i++) out.push(p.u32(c + 2 + i)!);
    entries.push({
      index: entries.length,
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
function parseMainline(tree: Tree, m: ParsedMap): ParsedMap {
  const p = m.property;
  if (p.length % 4 !== 0) {
    m.fatal = badLength(m);
    return m;
  }
  if (legacyFallback(tree, m)) {
    m.legacyFallback = true;
    m.entries = fixedEntries(tree, p, 1);
    return m;
  }
  const total = p.cellCount;
  // Commit ccb2fd725d41 (v16 of the series): for each entry, in this order: fewer than 2 cells
  // left is a bad length; rid-base ignoring the mask is -EFAULT; the phandle is resolved (-ENODEV),
  // its #cells read (missing: 1; above MAX_PHANDLE_ARGS = 16: -EINVAL); then a short entry is a
  // bad length. All before the range test, so any of them stops every ID that reaches the entry.
  const stop = (c: number, e: WalkError) => {
    m.tail = { ...(maskIgnoresBase(m, { ridBase: p.u32(c)! }) ?? e), cell: c };
  };
  for (let c = 0; c < total;) {
    if (total - c < 2) {
      m.tail = { ...badLength(m), cell: c };
      break;
    }
    const phandle = p.u32(c + 1)!;
    const target = tree.byPhandle(phandle);
    if (!target) {
      stop(c, { errno: 'ENODEV', log: null });
      break;
    }
    const cells = providerCells(target, m.kind);
    if (cells > 16) {
      stop(c, { errno: 'EINVAL', log: null });
      break;
    }
    if (total - c < 3 + cells) {
      stop(c, badLength(m));
      break;
    }
    const out: number[] = [];
    for (let i = 0; i < cells; i++) out.push(p.u32(c + 2 + i)!);
    m.entries.push({
      index: m.entries.length,
      cell: c,
      ridBase: p.u32(c)!,
      phandle,
      target,
      out,
      length: p.u32(c + 2 + cells)!,
    });
    c += 3 + cells;
  }
  return m;
}

/**
 * The mainline legacy fallback: entry 0's target has 2 cells, and the whole map reads as 4-cell
 * entries all to that phandle with every 4th cell 1 (the Qualcomm maps to 2-cell SMMUs).
 */
function legacyFallback(tree: Tree, m: ParsedMap): boolean {
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
