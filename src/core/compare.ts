// Two readings of one ID space compared: each side a list of pieces (a run of IDs with one
// outcome and one function from ID to output ID), and the runs where they differ in outcome,
// target or output ID. Cost: the number of piece boundaries (and of mask blocks where the two
// ID functions' masks differ), never the number of IDs. Fronts make the pieces from coverage.
import type { Errno } from './table.js';

/** What one RID gets on one side. `outside`: not a RID of that tree's bus-range. */
export type DiffStatus = 'translated' | 'bypass' | 'error' | 'no-map' | 'outside';

export interface Outcome {
  status: DiffStatus;
  /** The target, as the caller names it so that the two sides compare (translated only). */
  target: string | null;
  /** Output ID of the range's first and last RID; for bypass and no-map the raw IDs; null otherwise. */
  idFirst: number | null;
  idLast: number | null;
  errno: Errno | null;
}

/** `status`: the outcome changed; `target`: translated both times, to another node; `id`: same target, other IDs. */
export type ChangeKind = 'status' | 'target' | 'id';

/**
 * The output ID of raw ID r on a piece is `(offset + (r & mask)) >>> 0`: a translated RID
 * becomes `out-base + (masked - rid-base)` (of_map_id()), a bypassed one passes unchanged
 * (mask 0xffffffff, offset 0). Pieces with no ID (errors) have `id` null.
 */
export interface IdFunction {
  mask: number;
  offset: number;
}

export interface Piece {
  first: number;
  last: number;
  status: DiffStatus;
  target: string | null;
  errno: Errno | null;
  id: IdFunction | null;
}

export const IDENTITY: IdFunction = { mask: 0xffffffff, offset: 0 };

export const idAt = (f: IdFunction, r: number) => (f.offset + ((r & f.mask) >>> 0)) >>> 0;

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
export function diffPieces(olds: Piece[], news: Piece[]): RawChange[] {
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

export function outcome(p: Piece, first: number, last: number): Outcome {
  return {
    status: p.status,
    target: p.target,
    idFirst: p.id ? idAt(p.id, first) : null,
    idLast: p.id ? idAt(p.id, last) : null,
    errno: p.errno,
  };
}
