// What changed between two trees' maps: for every node with a map in either tree, which raw RIDs
// of the bus-range now reach another target, another output ID, or get another outcome
// (translated, bypass, error, no map, outside bus-range). Computed on coverage segments: the cost
// is the number of segment boundaries (and of mask blocks where the two masks differ), never the
// number of RIDs.
import type { Node, Tree } from '../tree/model.js';
import { coverage } from '../core/coverage.js';
import type { Errno } from '../core/table.js';
import { busRange, isPciBridge, MAP_KINDS, mapNodes, type KernelForm, type MapKind, type Segment } from './map.js';
import { kernelReader, type Reader, type ReaderName } from './readers/index.js';

/** What one RID gets on one side. `outside`: not a RID of that tree's bus-range. */
export type DiffStatus = 'translated' | 'bypass' | 'error' | 'no-map' | 'outside';

export interface Outcome {
  status: DiffStatus;
  /** Target node path (translated only). */
  target: string | null;
  /** Output ID of the range's first and last RID; for bypass and no-map the raw IDs; null otherwise. */
  idFirst: number | null;
  idLast: number | null;
  errno: Errno | null;
}

/** `status`: the outcome changed; `target`: translated both times, to another node; `id`: same target, other IDs. */
export type ChangeKind = 'status' | 'target' | 'id';

export interface RangeChange {
  map: MapKind;
  first: number;
  last: number;
  change: ChangeKind;
  old: Outcome;
  new: Outcome;
}

export interface NodeDiff {
  node: string;
  /** A PCI host bridge in either tree (its IDs are RIDs). */
  pci: boolean;
  /** Raw IDs compared: the union of both trees' domains. */
  domain: [number, number];
  busRange: { old: [number, number]; new: [number, number] };
  changes: RangeChange[];
}

export interface TreeDiff {
  form: KernelForm;
  /** The reader both trees were read with. */
  reader: ReaderName;
  /** Nodes with a map in one tree whose path is absent from the other. */
  onlyOld: string[];
  onlyNew: string[];
  nodes: NodeDiff[];
  changed: boolean;
}

/**
 * The output ID of raw ID r on a piece is `(offset + (r & mask)) >>> 0`: a translated RID
 * becomes `out-base + (masked - rid-base)` (of_map_id()), a bypassed one passes unchanged
 * (mask 0xffffffff, offset 0). Pieces with no ID (errors) have `id` null.
 */
interface IdFunction {
  mask: number;
  offset: number;
}

interface Piece {
  first: number;
  last: number;
  status: DiffStatus;
  target: string | null;
  errno: Errno | null;
  id: IdFunction | null;
}

const IDENTITY: IdFunction = { mask: 0xffffffff, offset: 0 };

const idAt = (f: IdFunction, r: number) => (f.offset + ((r & f.mask) >>> 0)) >>> 0;

/** The domain a node's maps are read on: bus-range RIDs for PCI host bridges, else 0-0xffff. */
export function mapDomain(node: Node): [number, number] {
  if (!isPciBridge(node)) return [0, 0xffff];
  const [a, b] = busRange(node);
  return [a << 8, (b << 8) | 0xff];
}

function fromSegment(s: Segment, mask: number): Piece {
  const base = { first: s.first, last: s.last, errno: s.errno };
  if (s.status === 'translated') {
    const e = s.entry!;
    const id = e.out.length ? { mask, offset: (e.out[0]! - e.ridBase) >>> 0 } : null;
    return { ...base, status: 'translated', target: s.target?.path ?? null, id };
  }
  if (s.status === 'bypass') return { ...base, status: 'bypass', target: null, id: IDENTITY };
  return { ...base, status: 'error', target: null, id: null };
}

/** One side's pieces over [lo, hi] (the union domain): outside its own domain, `outside`. */
function pieces(tree: Tree, node: Node, kind: MapKind, reader: Reader, lo: number, hi: number): Piece[] {
  const [dlo, dhi] = mapDomain(node);
  const out: Piece[] = [];
  const outside = (first: number, last: number): Piece => ({
    first,
    last,
    status: 'outside',
    target: null,
    errno: null,
    id: null,
  });
  if (lo < dlo) out.push(outside(lo, dlo - 1));
  const m = reader.parse(tree, node, kind)?.map;
  if (!m) out.push({ first: dlo, last: dhi, status: 'no-map', target: null, errno: null, id: IDENTITY });
  else for (const s of coverage(m.table, dlo, dhi).segments) out.push(fromSegment(s, m.mask));
  if (dhi < hi) out.push(outside(dhi + 1, hi));
  return out;
}

const sameFn = (a: IdFunction | null, b: IdFunction | null) =>
  a === null || b === null ? a === b : a.mask === b.mask && a.offset === b.offset;

/** Splits [a, b] into aligned blocks on which each mask's low bits are all 0 or all 1. */
function jointBlocks(
  a: number,
  b: number,
  m1: number,
  m2: number,
  block: (first: number, last: number, k: number) => void,
): void {
  const uniform = (m: number, low: number) => {
    const bits = (m & low) >>> 0;
    return bits === 0 || bits === low;
  };
  let r = a;
  while (r <= b) {
    let k = 0;
    while (
      k < 32 &&
      r % 2 ** (k + 1) === 0 &&
      r + 2 ** (k + 1) - 1 <= b &&
      uniform(m1, 2 ** (k + 1) - 1) &&
      uniform(m2, 2 ** (k + 1) - 1)
    )
      k++;
    block(r, r + 2 ** k - 1, k);
    r += 2 ** k;
  }
}

/**
 * Where two ID functions agree on [a, b], as sub-ranges flagged equal or not. Equal masks: the
 * difference is one constant. Different masks: per joint mask block each function is constant or
 * rises by one per RID, so they agree on the whole block, nowhere, or at one RID.
 */
function compareIds(
  f: IdFunction,
  g: IdFunction,
  a: number,
  b: number,
  emit: (first: number, last: number, equal: boolean) => void,
): void {
  if (f.mask === g.mask) return emit(a, b, f.offset === g.offset);
  jointBlocks(a, b, f.mask, g.mask, (first, last, k) => {
    const low = k === 32 ? 0xffffffff : 2 ** k - 1;
    const rising = (m: number) => k > 0 && (m & low) >>> 0 === low;
    const fv = idAt(f, first);
    const gv = idAt(g, first);
    const fr = rising(f.mask);
    const gr = rising(g.mask);
    if (fr === gr) return emit(first, last, fv === gv);
    // one constant, one rising: they meet where the rising one reaches the constant
    const meet = fr ? (gv - fv) >>> 0 : (fv - gv) >>> 0;
    if (meet > last - first) return emit(first, last, false);
    if (meet > 0) emit(first, first + meet - 1, false);
    emit(first + meet, first + meet, true);
    if (first + meet < last) emit(first + meet + 1, last, false);
  });
}

function changeKind(p: Piece, q: Piece): ChangeKind | null {
  if (p.status !== q.status || p.errno !== q.errno) return 'status';
  if (p.target !== q.target) return 'target';
  return null;
}

interface RawChange {
  first: number;
  last: number;
  change: ChangeKind;
  old: Piece;
  new: Piece;
}

/** Elementary changes of one map: a sweep over both sides' piece boundaries. */
function diffPieces(olds: Piece[], news: Piece[]): RawChange[] {
  const out: RawChange[] = [];
  const emit = (first: number, last: number, change: ChangeKind, p: Piece, q: Piece) => {
    const prev = out[out.length - 1];
    // merge consecutive RIDs whose change is of the same kind and whose IDs shift consistently
    if (prev && prev.last + 1 === first && prev.change === change && same(prev.old, p) && same(prev.new, q))
      prev.last = last;
    else out.push({ first, last, change, old: p, new: q });
  };
  let i = 0;
  let j = 0;
  while (i < olds.length && j < news.length) {
    const p = olds[i]!;
    const q = news[j]!;
    const first = Math.max(p.first, q.first);
    const last = Math.min(p.last, q.last);
    if (first <= last) {
      const kind = changeKind(p, q);
      if (kind) emit(first, last, kind, p, q);
      else if (p.id && q.id) compareIds(p.id, q.id, first, last, (a, b, equal) => equal || emit(a, b, 'id', p, q));
    }
    if (p.last <= q.last) i++;
    else j++;
  }
  return out;
}

/** Same outcome and the same ID function: a merged range's IDs keep shifting the same way. */
const same = (x: Piece, y: Piece) =>
  x.status === y.status && x.target === y.target && x.errno === y.errno && sameFn(x.id, y.id);

function outcome(p: Piece, first: number, last: number): Outcome {
  return {
    status: p.status,
    target: p.target,
    idFirst: p.id ? idAt(p.id, first) : null,
    idLast: p.id ? idAt(p.id, last) : null,
    errno: p.errno,
  };
}

/** Compares the maps of every node present in both trees (by path) under one kernel form (or reader). */
export function diffTrees(
  oldTree: Tree,
  newTree: Tree,
  form: KernelForm,
  reader: Reader = kernelReader(form),
): TreeDiff {
  const oldPaths = mapNodes(oldTree).map((n) => n.path);
  const newPaths = mapNodes(newTree).map((n) => n.path);
  const paths = [...oldPaths, ...newPaths.filter((p) => !oldPaths.includes(p))];
  const onlyOld: string[] = [];
  const onlyNew: string[] = [];
  const nodes: NodeDiff[] = [];
  for (const path of paths) {
    const a = oldTree.byPath(path);
    const b = newTree.byPath(path);
    if (!a || !b) {
      (a ? onlyOld : onlyNew).push(path);
      continue;
    }
    const da = mapDomain(a);
    const db = mapDomain(b);
    const lo = Math.min(da[0], db[0]);
    const hi = Math.max(da[1], db[1]);
    const changes: RangeChange[] = [];
    for (const map of MAP_KINDS) {
      const raw = diffPieces(pieces(oldTree, a, map, reader, lo, hi), pieces(newTree, b, map, reader, lo, hi));
      for (const c of raw)
        changes.push({
          map,
          first: c.first,
          last: c.last,
          change: c.change,
          old: outcome(c.old, c.first, c.last),
          new: outcome(c.new, c.first, c.last),
        });
    }
    nodes.push({
      node: path,
      pci: isPciBridge(a) || isPciBridge(b),
      domain: [lo, hi],
      busRange: { old: busRange(a), new: busRange(b) },
      changes,
    });
  }
  const changed = onlyOld.length > 0 || onlyNew.length > 0 || nodes.some((n) => n.changes.length > 0);
  return { form, reader: reader.name, onlyOld, onlyNew, nodes, changed };
}
