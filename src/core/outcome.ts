// What an ID gets from a table: one union on `status`, for one ID (a lookup) and for a run of
// IDs (a coverage segment). Every variant has the same keys; those that do not apply are
// undefined or null, so a reader of `r.target` or `s.errno` needs no narrowing.
import type { Errno, Row } from './table.js';

/** A stage a chained walk went through: the row it matched, the target that row names (whose own
 *  table the walk went on in) and the output IDs of the first and last input there. */
export interface Hop<T, R extends Row<T> = Row<T>> {
  entry: R;
  target: T;
  idFirst: number;
  idLast: number;
}

interface Shared<T, R extends Row<T>> {
  /** The stages before the last one (empty unless the table chains). */
  via: ReadonlyArray<Hop<T, R>>;
  /** The lines the program logs, or null. */
  log: string | null;
  /** The last row reached (translated; errors of a row), else undefined. */
  entry: R | undefined;
  target: T | undefined;
  errno: Errno | null;
}

export type Outcome<T, R extends Row<T> = Row<T>> = Shared<T, R> &
  (
    | { status: 'translated'; entry: R; target: T; errno: null }
    | { status: 'bypass'; entry: undefined; target: undefined; errno: null }
    | { status: 'error'; target: undefined; errno: Errno }
    | { status: 'no-map'; entry: undefined; target: undefined; errno: null; log: null }
  );

/** One ID through a table. */
export type LookupOf<T, R extends Row<T> = Row<T>> = Outcome<T, R> & {
  /** The table's mask, and the ID after it. */
  mask: number;
  masked: number;
  /** First output cell; for bypass and no-map the raw ID passed on; undefined for errors. */
  id: number | undefined;
  ids: number[];
};

/** A run of raw IDs `[first, last]` with one outcome. */
export type SegmentOf<T, R extends Row<T> = Row<T>> = Exclude<Outcome<T, R>, { status: 'no-map' }> & {
  first: number;
  last: number;
  /** Output (or passed-through) ID of `first` and of `last`; undefined for errors. */
  idFirst: number | undefined;
  idLast: number | undefined;
};

export interface CoverageOf<T, R extends Row<T> = Row<T>> {
  segments: Array<SegmentOf<T, R>>;
  /** For each row index of the table, the masked-ID intervals it actually translates. */
  takes: Map<number, Array<[number, number]>>;
}

/** What sameOutcome() compares. */
type Compared = Pick<Outcome<unknown>, 'status' | 'target' | 'errno'> & { entry: { index: number } | undefined };

/** Same status, entry, target and errno: consecutive IDs with this can print as one range. */
export function sameOutcome(a: Compared, b: Compared): boolean {
  return a.status === b.status && a.entry?.index === b.entry?.index && a.target === b.target && a.errno === b.errno;
}

export const NO_HOPS: ReadonlyArray<never> = Object.freeze([]);
