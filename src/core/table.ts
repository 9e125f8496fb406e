// What the translation core walks: rows (an input range, a target, output cells, flags) and the
// policy of the program that reads them (the mask, what a miss gets, IORT's provisional last ID,
// chaining). A front (src/map for devicetree maps) turns what a table is written in into these;
// the core knows nothing of how it was written (docs/engine.md: the translation core).

/** Linux's errnos, plus FreeBSD's ENOENT (a gap), ENOSPC (the i.MX95 LUT is full) and ELOOP (a
 *  chained walk that comes back on itself: the program never returns). */
export type Errno = 'EINVAL' | 'EFAULT' | 'ENODEV' | 'ENOENT' | 'ENOSPC' | 'ELOOP';

/** An error the walk hits; `log` is the line the program prints (its prefix included), or null. */
export interface WalkError {
  errno: Errno;
  log: string | null;
}

export interface Row<T> {
  /** Position in the table's rows. */
  index: number;
  /** The masked IDs `[first, last]` (inclusive) the row's range test accepts, or null: none. */
  range: [number, number] | null;
  /** The input ID the output is offset from: ID `x` gives `out[i] + (x - base)` (u32). */
  base: number;
  /** Where a match goes; a row without a target must carry an `error`. */
  target: T | undefined;
  /** Output cells: one for most tables, the target's cell count in mainline devicetree maps. */
  out: number[];
  /** What an ID the row matches gets instead of a translation (a reader's refusal, a dangling
   *  phandle, a multi-cell range). */
  error?: WalkError;
  /** What every ID that reaches the row gets, before its range test (of_map_id()'s -EFAULT check
   *  of the base against the mask). */
  stop?: WalkError;
  /** A line every ID that reaches the row logs, matched or not (iort_id_map()'s warning for a
   *  SINGLE mapping on a node type it skips). */
  note?: string;
  /** The row gives `out` itself to every ID in its range, whatever the ID (IORT's SINGLE mapping,
   *  iort_id_map()): no offset, and no provisional last ID. */
  single?: boolean;
}

/**
 * The range tests programs apply to a row of `base` and `size` (a length, or IORT's count):
 * - `classic`: of_map_id() in Linux 5.3-7.1, `masked < base || masked >= base + length` in u32, so
 *   a row whose base + length passes 2^32 matches nothing;
 * - `mainline`: of_map_id() in Linux 7.2+, `masked >= base && masked - base < length`, up to 2^32 - 1;
 * - `inclusive`: iort_id_map() (drivers/acpi/arm64/iort.c), `id < base || id > base + id_count`
 *   in u32: `id_count` is the number of IDs minus one, and a row passing 2^32 matches nothing.
 */
export type RangeTest = 'classic' | 'mainline' | 'inclusive';

/** The IDs `[first, last]` a row of `base` and `size` matches under `test`, or null. */
export function rowRange(base: number, size: number, test: RangeTest): [number, number] | null {
  const end = base + size; // exact, no u32 wrap in JS numbers
  if (test === 'inclusive') return end > 0xffffffff ? null : [base, end];
  if (size === 0) return null;
  if (test === 'classic') return end > 0xffffffff ? null : [base, end - 1];
  return [base, Math.min(end - 1, 0xffffffff)];
}

/** What an ID no row takes gets: passed on unchanged, with the line the program logs (the ID is
 *  the raw input, `filter` the target the caller asked for), or an error. */
export type Miss<T> = { bypass: (id: number, filter: T | undefined) => string | null } | { error: WalkError };

/**
 * IORT's off-by-one workaround (iort_id_map() returns -EAGAIN and iort_node_map_id() walks on): a
 * match at a row's last ID (of more than one) is provisional. A later row whose range holds the ID
 * logs a conflict, and supersedes the match only when the ID is its first.
 */
export interface Provisional<R> {
  /** `[Firmware Bug]: [map %p] conflicting mapping for input ID 0x%x`, for the later `row`. */
  conflict(row: R, id: number): string;
  /** `[Firmware Bug]: applying workaround.`, when that row takes the ID. */
  workaround: string;
}

export interface Table<T, R extends Row<T> = Row<T>> {
  rows: readonly R[];
  /** Input bits the program keeps, ANDed in first (FreeBSD takes a uint16_t RID); default all. */
  inputMask?: number;
  /** The mask ANDed into every ID before the walk (the map's mask; what an outcome reports). */
  mask: number;
  /** Every ID fails with this before any row is read (of_map_id()'s bad map length). */
  fatal?: WalkError;
  miss: Miss<T>;
  provisional?: Provisional<R>;
  /** The table of a target the walk continues through, with the output ID as its input (an ACPI
   *  root complex -> SMMU -> ITS walk, iort_node_map_id()); undefined: the walk ends there. */
  next?(target: T): Table<T, R> | undefined;
}

/** The mask an ID goes through before the walk: the input's width and the table's mask. */
export const maskOf = (t: Pick<Table<unknown>, 'mask' | 'inputMask'>): number =>
  (t.mask & (t.inputMask ?? 0xffffffff)) >>> 0;
