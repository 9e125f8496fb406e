// What changed between two trees' maps: for every node with a map in either tree, which raw RIDs
// of the bus-range now reach another target, another output ID, or get another outcome
// (translated, bypass, error, no map, outside bus-range). Computed on coverage segments: the cost
// is the number of segment boundaries (and of mask blocks where the two masks differ), never the
// number of RIDs.
import type { Node, Tree } from '../tree/model.js';
import { coverage } from '../core/coverage.js';
import { diffPieces, IDENTITY, outcome, type ChangeKind, type Outcome, type Piece } from '../core/compare.js';
import { busRange, isPciBridge, MAP_KINDS, mapNodes, type KernelForm, type MapKind, type Segment } from './map.js';
import { kernelReader, type Reader, type ReaderName } from './readers/index.js';

export type { DiffStatus, Outcome, ChangeKind } from '../core/compare.js';

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

/** The domain a node's maps are read on: bus-range RIDs for PCI host bridges, else 0-0xffff. */
export function mapDomain(node: Node): [number, number] {
  if (!isPciBridge(node)) return [0, 0xffff];
  const [a, b] = busRange(node);
  return [a << 8, (b << 8) | 0xff];
}

/** How a side names a target, so that two sides compare (a node path by default). */
export type TargetName = (target: Node) => string;

function fromSegment(s: Segment, mask: number, name: TargetName): Piece {
  const base = { first: s.first, last: s.last, errno: s.errno };
  if (s.status === 'translated') {
    const e = s.entry!;
    const id = e.out.length ? { mask, offset: (e.out[0]! - e.ridBase) >>> 0 } : null;
    return { ...base, status: 'translated', target: s.target ? name(s.target) : null, id };
  }
  if (s.status === 'bypass') return { ...base, status: 'bypass', target: null, id: IDENTITY };
  return { ...base, status: 'error', target: null, id: null };
}

/** One side's pieces over [lo, hi] (the union domain): outside its own domain, `outside`. */
export function mapPieces(
  tree: Tree,
  node: Node,
  kind: MapKind,
  reader: Reader,
  lo: number,
  hi: number,
  name: TargetName = (n) => n.path,
): Piece[] {
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
  else for (const s of coverage(m.table, dlo, dhi).segments) out.push(fromSegment(s, m.mask, name));
  if (dhi < hi) out.push(outside(dhi + 1, hi));
  return out;
}

/** Where two sides' pieces of one map differ, as the diff reports them. */
export function rangeChanges(map: MapKind, olds: Piece[], news: Piece[]): RangeChange[] {
  return diffPieces(olds, news).map((c) => ({
    map,
    first: c.first,
    last: c.last,
    change: c.change,
    old: outcome(c.old, c.first, c.last),
    new: outcome(c.new, c.first, c.last),
  }));
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
    const changes = MAP_KINDS.flatMap((map) =>
      rangeChanges(map, mapPieces(oldTree, a, map, reader, lo, hi), mapPieces(newTree, b, map, reader, lo, hi)),
    );
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
