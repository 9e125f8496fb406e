// Which IDs of a range a table translates, passes on or refuses: the walk of lookup() run on
// intervals of masked IDs instead of one ID at a time, so a whole ID space costs a handful of
// interval operations per row, never a loop over IDs.
import { joinLog, MISS, type Step } from './lookup.js';
import { NO_HOPS, type CoverageOf, type Hop, type SegmentOf } from './outcome.js';
import { maskBlocks } from './ranges.js';
import { maskOf, type Row, type Table, type WalkError } from './table.js';

interface Pending<R> {
  a: number;
  b: number;
  /** IORT: the row whose last ID provisionally took this single ID, and the lines logged since. */
  provisional: R | undefined;
  lines: string[] | undefined;
}

const pending = <R>(a: number, b: number, lines?: string[]): Pending<R> => ({ a, b, provisional: undefined, lines });

/** Walks the rows for the masked interval [lo, hi], reporting each sub-interval's step. */
function walk<T, R extends Row<T>>(
  t: Table<T, R>,
  lo: number,
  hi: number,
  emit: (lo: number, hi: number, step: Step<R>) => void,
): void {
  if (t.fatal) return emit(lo, hi, { row: undefined, error: t.fatal, log: t.fatal.log });
  let left: Array<Pending<R>> = [pending(lo, hi)];
  for (const row of t.rows) {
    if (!left.length) return;
    if (row.stop) {
      for (const p of left) emit(p.a, p.b, { row, error: row.stop, log: joinLog(p.lines, row.stop.log) });
      return;
    }
    // a row's note is logged by every ID that reaches it (iort_id_map()'s skipped SINGLE mapping)
    if (row.note) left = left.map((p) => ({ ...p, lines: [...(p.lines ?? []), row.note!] }));
    const r = row.range;
    if (!r) continue;
    const next: Array<Pending<R>> = [];
    for (const p of left) {
      const s = Math.max(p.a, r[0]);
      const e = Math.min(p.b, r[1]);
      if (s > e) {
        next.push(p);
        continue;
      }
      if (p.provisional && !row.single) {
        // one ID an earlier row's last ID took provisionally: iort_id_map() with check_overlap
        const lines = [...(p.lines ?? []), t.provisional!.conflict(row, s)];
        if (s !== r[0]) next.push({ ...p, lines });
        else {
          lines.push(t.provisional!.workaround);
          const error = row.error;
          emit(
            s,
            s,
            error ? { row, error, log: joinLog(lines, error.log) } : { row, error, log: joinLog(lines, null) },
          );
        }
        continue;
      }
      if (p.a < s) next.push({ ...p, b: s - 1 });
      const log = joinLog(p.lines, null);
      if (row.error) emit(s, e, { row, error: row.error, log: joinLog(p.lines, row.error.log) });
      else if (t.provisional && !row.single && e === r[1] && r[0] < r[1]) {
        // iort_id_map(): the row's last ID is -EAGAIN, the walk goes on with it alone
        if (s < e) emit(s, e - 1, { row, error: undefined, log });
        next.push({ a: e, b: e, provisional: row, lines: p.lines });
      } else emit(s, e, { row, error: undefined, log });
      if (e < p.b) next.push({ ...p, a: e + 1 });
    }
    left = next;
  }
  for (const p of left)
    emit(
      p.a,
      p.b,
      p.provisional
        ? { row: p.provisional, error: undefined, log: joinLog(p.lines, null) }
        : { ...MISS, log: joinLog(p.lines, null) },
    );
}

/**
 * Emits the segments of raw IDs [lo, hi] in ID order, unmerged; `take` records the masked
 * intervals each row of `t` translates.
 */
function cover<T, R extends Row<T>>(
  t: Table<T, R>,
  lo: number,
  hi: number,
  emit: (s: SegmentOf<T, R>) => void,
  take?: (index: number, a: number, b: number) => void,
): void {
  maskBlocks(lo, hi, maskOf(t), (raw, size, masked, folded) => {
    const mLo = masked;
    const mHi = folded ? masked : masked + size - 1;
    // The walk emits sub-intervals in row order; the segments must come in ID order.
    const parts: Array<[number, number, Step<R>]> = [];
    walk(t, mLo, mHi, (a, b, step) => parts.push([a, b, step]));
    parts.sort((x, y) => x[0] - y[0]);
    for (const [a, b, step] of parts) {
      const first = folded ? raw : raw + (a - mLo);
      const last = folded ? raw + size - 1 : raw + (b - mLo);
      if (step.error) emit(failed(first, last, step.row, step.error, step.log));
      else if (step.row) {
        take?.(step.row.index, a, b);
        translate(t, step.row, a, b, first, last, folded ? undefined : raw - mLo, step.log, emit);
      } else if ('error' in t.miss)
        emit(
          failed<T, R>(
            first,
            last,
            undefined,
            t.miss.error,
            joinLog(step.log === null ? undefined : [step.log], t.miss.error.log),
          ),
        );
      else
        emit({
          first,
          last,
          status: 'bypass',
          entry: undefined,
          target: undefined,
          idFirst: first,
          idLast: last,
          errno: null,
          log: step.log,
          via: NO_HOPS,
        });
    }
  });
}

function failed<T, R extends Row<T>>(
  first: number,
  last: number,
  entry: R | undefined,
  e: WalkError,
  log: string | null,
): SegmentOf<T, R> {
  return {
    first,
    last,
    status: 'error',
    entry,
    target: undefined,
    idFirst: undefined,
    idLast: undefined,
    errno: e.errno,
    log,
    via: NO_HOPS,
  };
}

/**
 * The masked IDs [a, b] `row` takes (raw IDs [first, last]), as segments: its output IDs, or where
 * its target's table sends them. `offset`: raw ID minus masked ID, undefined when the mask folds
 * the raw IDs onto one masked ID.
 */
function translate<T, R extends Row<T>>(
  t: Table<T, R>,
  row: R,
  a: number,
  b: number,
  first: number,
  last: number,
  offset: number | undefined,
  log: string | null,
  emit: (s: SegmentOf<T, R>) => void,
): void {
  const out = row.out[0];
  const target = row.target as T;
  const at = (x: number) => (out === undefined ? undefined : row.single ? out : (out + (x - row.base)) >>> 0);
  const next = out !== undefined && target !== undefined ? t.next?.(target) : undefined;
  if (!next) {
    emit({
      first,
      last,
      status: 'translated',
      entry: row,
      target,
      idFirst: at(a),
      idLast: at(b),
      errno: null,
      log,
      via: NO_HOPS,
    });
    return;
  }
  // The walk goes on in the target's table: the outputs of [a, b] are contiguous but where they
  // pass 2^32 and wrap to 0; each run is covered there and mapped back onto the input IDs.
  const wrap = row.base + (2 ** 32 - out!); // first masked ID whose output wraps
  const runs: Array<[number, number]> =
    !row.single && wrap > a && wrap <= b
      ? [
          [a, wrap - 1],
          [wrap, b],
        ]
      : [[a, b]];
  for (const [x, y] of runs) {
    const o = at(x)!;
    cover(next, o, at(y)!, (s) => {
      // one output ID for all of [a, b] (a folding mask, a SINGLE row): the segment is all of them
      const from = offset === undefined || row.single ? first : x + (s.first - o) + offset;
      const to = offset === undefined || row.single ? last : x + (s.last - o) + offset;
      const hop: Hop<T, R> = { entry: row, target, idFirst: s.first, idLast: s.last };
      const via = [hop, ...s.via];
      const joined = joinLog(log === null ? undefined : [log], s.log);
      // a miss past the first stage passes the input ID on (iort_node_map_id()'s fail_map)
      if (s.status === 'bypass') emit({ ...s, first: from, last: to, idFirst: from, idLast: to, log: joined, via });
      else emit({ ...s, first: from, last: to, log: joined, via });
    });
  }
}

const sameVia = <T, R extends Row<T>>(p: ReadonlyArray<Hop<T, R>>, q: ReadonlyArray<Hop<T, R>>) =>
  p.length === q.length && p.every((h, i) => h.entry === q[i]!.entry && h.target === q[i]!.target);

/** Coverage of raw IDs [lo, hi] (inclusive, u32) by the table. */
export function coverage<T, R extends Row<T>>(table: Table<T, R>, lo: number, hi: number): CoverageOf<T, R> {
  const segments: Array<SegmentOf<T, R>> = [];
  const takes = new Map<number, Array<[number, number]>>();
  const push = (s: SegmentOf<T, R>) => {
    const prev = segments[segments.length - 1];
    if (
      prev &&
      prev.last + 1 === s.first &&
      prev.status === s.status &&
      prev.entry === s.entry &&
      prev.target === s.target &&
      prev.errno === s.errno &&
      prev.log === s.log &&
      sameVia(prev.via, s.via)
    ) {
      prev.last = s.last;
      prev.idLast = s.idLast;
      for (let i = 0; i < prev.via.length; i++) prev.via[i]!.idLast = s.via[i]!.idLast;
    } else segments.push(s);
  };
  const take = (index: number, a: number, b: number) => {
    const list = takes.get(index) ?? [];
    const last = list[list.length - 1];
    if (last && a >= last[0] && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else list.push([a, b]);
    takes.set(index, list);
  };
  cover(table, lo, hi, push, take);
  return { segments, takes };
}

/**
 * A walk over raw IDs [lo, hi] in increasing order: each call gives the ID's segment and its
 * output ID, at the cost of a few additions (for readers that decide ID by ID, like pci-imx6).
 * One table: a chained table's later stages are not followed.
 */
export function sweep<T, R extends Row<T>>(
  table: Table<T, R>,
  lo: number,
  hi: number,
): (id: number) => { segment: SegmentOf<T, R>; out: number | undefined } {
  const segments = coverage({ ...table, next: undefined }, lo, hi).segments;
  const mask = maskOf(table);
  let k = 0;
  return (id) => {
    while (segments[k]!.last < id) k++;
    const segment = segments[k]!;
    const e = segment.entry;
    if (segment.status === 'bypass') return { segment, out: id };
    if (segment.status !== 'translated' || !e || !e.out.length) return { segment, out: undefined };
    return { segment, out: e.single ? e.out[0] : (e.out[0]! + (((id & mask) >>> 0) - e.base)) >>> 0 };
  };
}
