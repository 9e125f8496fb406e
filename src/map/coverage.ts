// Which IDs of a range a map translates, bypasses or refuses: the walk of of_map_id() run on
// intervals of masked IDs instead of one ID at a time, so a whole RID space costs a handful of
// interval operations per entry, never a loop over IDs.
import type { Node } from '../tree/model.js';
import type { Errno, MapEntry, ParsedMap, WalkError } from './map.js';
import { entryError, matchRange, maskIgnoresBase } from './lookup.js';
import type { LookupStatus } from './lookup.js';

/** A run of raw IDs `[first, last]` with one outcome. */
export interface Segment {
  first: number;
  last: number;
  status: Exclude<LookupStatus, 'no-map'>;
  entry: MapEntry | undefined;
  target: Node | undefined;
  /** Output (or passed-through) ID of `first` and of `last`; undefined for errors. */
  idFirst: number | undefined;
  idLast: number | undefined;
  errno: Errno | null;
  log: string | null;
}

export interface Coverage {
  segments: Segment[];
  /** For each entry index, the masked-ID intervals it actually translates. */
  takes: Map<number, Array<[number, number]>>;
}

type Outcome =
  { kind: 'match'; entry: MapEntry } | { kind: 'error'; error: WalkError; entry?: MapEntry } | { kind: 'bypass' };

/** Walks the entries for the masked interval [lo, hi], reporting each sub-interval's outcome. */
function walk(m: ParsedMap, lo: number, hi: number, emit: (lo: number, hi: number, o: Outcome) => void): void {
  if (m.fatal) return emit(lo, hi, { kind: 'error', error: m.fatal });
  let pending: Array<[number, number]> = [[lo, hi]];
  for (const e of m.entries) {
    if (!pending.length) return;
    const fault = maskIgnoresBase(m, e);
    if (fault) {
      for (const [a, b] of pending) emit(a, b, { kind: 'error', error: fault, entry: e });
      return;
    }
    const range = matchRange(e, m.form);
    if (!range) continue;
    const next: Array<[number, number]> = [];
    for (const [a, b] of pending) {
      const s = Math.max(a, range[0]);
      const t = Math.min(b, range[1]);
      if (s > t) {
        next.push([a, b]);
        continue;
      }
      if (a < s) next.push([a, s - 1]);
      const err = entryError(m, e);
      emit(s, t, err ? { kind: 'error', error: err, entry: e } : { kind: 'match', entry: e });
      if (t < b) next.push([t + 1, b]);
    }
    pending = next;
  }
  const rest = m.tail ?? m.gap;
  for (const [a, b] of pending) emit(a, b, rest ? { kind: 'error', error: rest } : { kind: 'bypass' });
}

/**
 * Splits raw IDs [lo, hi] into aligned blocks on which `id & mask` is either one value
 * (the low bits of the mask are all 0) or a contiguous run (all 1), calling `block` for each.
 */
function maskBlocks(
  lo: number,
  hi: number,
  mask: number,
  block: (raw: number, size: number, masked: number, folded: boolean) => void,
): void {
  let raw = lo;
  while (raw <= hi) {
    let k = 0; // largest aligned power-of-two block starting at raw that fits
    while (k < 32 && raw % 2 ** (k + 1) === 0 && raw + 2 ** (k + 1) - 1 <= hi) k++;
    // shrink until the mask's low k bits are uniform
    for (;;) {
      const low = k === 32 ? 0xffffffff : 2 ** k - 1;
      const bits = (mask & low) >>> 0;
      if (bits === low || bits === 0) {
        block(raw, 2 ** k, (raw & mask) >>> 0, bits === 0 && k > 0);
        break;
      }
      k--;
    }
    raw += 2 ** k;
  }
}

/** Coverage of raw IDs [lo, hi] (inclusive, u32) by the map. */
export function coverage(m: ParsedMap, lo: number, hi: number): Coverage {
  const segments: Segment[] = [];
  const takes = new Map<number, Array<[number, number]>>();
  const push = (s: Segment) => {
    const prev = segments[segments.length - 1];
    if (
      prev &&
      prev.last + 1 === s.first &&
      prev.status === s.status &&
      prev.entry === s.entry &&
      prev.target === s.target &&
      prev.errno === s.errno
    ) {
      prev.last = s.last;
      prev.idLast = s.idLast;
    } else segments.push(s);
  };
  const take = (index: number, a: number, b: number) => {
    const list = takes.get(index) ?? [];
    const last = list[list.length - 1];
    if (last && a >= last[0] && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else list.push([a, b]);
    takes.set(index, list);
  };
  const mask = (m.mask & (m.inputMask ?? 0xffffffff)) >>> 0;
  maskBlocks(lo, hi, mask, (raw, size, masked, folded) => {
    const mLo = masked;
    const mHi = folded ? masked : masked + size - 1;
    // The walk emits sub-intervals in entry order; the segments must come in ID order.
    const parts: Array<[number, number, Outcome]> = [];
    walk(m, mLo, mHi, (a, b, o) => parts.push([a, b, o]));
    parts.sort((x, y) => x[0] - y[0]);
    for (const [a, b, o] of parts) {
      const first = folded ? raw : raw + (a - mLo);
      const last = folded ? raw + size - 1 : raw + (b - mLo);
      if (o.kind === 'match') {
        const e = o.entry;
        take(e.index, a, b);
        const at = (x: number) => (e.out.length ? (e.out[0]! + (x - e.ridBase)) >>> 0 : undefined);
        push({
          first,
          last,
          status: 'translated',
          entry: e,
          target: e.target,
          idFirst: at(a),
          idLast: at(b),
          errno: null,
          log: null,
        });
      } else if (o.kind === 'bypass') {
        push({
          first,
          last,
          status: 'bypass',
          entry: undefined,
          target: undefined,
          idFirst: first,
          idLast: last,
          errno: null,
          log: null,
        });
      } else {
        push({
          first,
          last,
          status: 'error',
          entry: o.entry,
          target: undefined,
          idFirst: undefined,
          idLast: undefined,
          errno: o.error.errno,
          log: o.error.log,
        });
      }
    }
  });
  return { segments, takes };
}

/** Raw IDs of [lo, hi] whose masked value lies in [mlo, mhi], as merged ranges. */
export function preimage(lo: number, hi: number, mask: number, mlo: number, mhi: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  maskBlocks(lo, hi, mask, (raw, size, masked, folded) => {
    if (folded) {
      if (masked >= mlo && masked <= mhi) out.push([raw, raw + size - 1]);
      return;
    }
    const s = Math.max(masked, mlo);
    const t = Math.min(masked + size - 1, mhi);
    if (s <= t) out.push([raw + (s - masked), raw + (t - masked)]);
  });
  return mergeRanges(out);
}

/** The intersection of two sets of merged ranges. */
export function intersectRanges(a: Array<[number, number]>, b: Array<[number, number]>): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const [x, y] of a)
    for (const [u, v] of b) {
      const s = Math.max(x, u);
      const t = Math.min(y, v);
      if (s <= t) out.push([s, t]);
    }
  return mergeRanges(out);
}

/** Merges inclusive ranges into maximal sorted ranges. */
export function mergeRanges(ranges: Array<[number, number]>): Array<[number, number]> {
  const sorted = [...ranges].sort((x, y) => x[0] - y[0]);
  const out: Array<[number, number]> = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

/**
 * A walk over raw IDs [lo, hi] in increasing order: each call gives the ID's segment and its
 * output ID, at the cost of a few additions (for readers that decide ID by ID, like pci-imx6).
 */
export function sweep(
  m: ParsedMap,
  lo: number,
  hi: number,
): (id: number) => { segment: Segment; out: number | undefined } {
  const segments = coverage(m, lo, hi).segments;
  const mask = (m.mask & (m.inputMask ?? 0xffffffff)) >>> 0;
  let k = 0;
  return (id) => {
    while (segments[k]!.last < id) k++;
    const segment = segments[k]!;
    const e = segment.entry;
    if (segment.status === 'bypass') return { segment, out: id };
    if (segment.status !== 'translated' || !e || !e.out.length) return { segment, out: undefined };
    return { segment, out: (e.out[0]! + (((id & mask) >>> 0) - e.ridBase)) >>> 0 };
  };
}
