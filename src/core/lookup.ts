// One ID through a table: the walk of of_map_id() (drivers/of/base.c) and of iort_node_map_id()
// (drivers/acpi/arm64/iort.c), on rows whatever they were written in.
import { NO_HOPS, type LookupOf } from './outcome.js';
import { maskOf, type Row, type Table, type WalkError } from './table.js';

/** What one table does with one masked ID: the row that takes it or refuses it, or none (a miss). */
export interface Step<R> {
  row: R | undefined;
  error: WalkError | undefined;
  /** The lines logged on the way (IORT's conflicts) and with the error, or null. */
  log: string | null;
}

export const MISS: Step<never> = { row: undefined, error: undefined, log: null };

/** Lines logged on the way, then the last one. */
export function joinLog(lines: readonly string[] | undefined, last: string | null): string | null {
  if (!lines?.length) return last;
  return last === null ? lines.join('\n') : [...lines, last].join('\n');
}

/**
 * The rows in order for one masked ID. `filter`: rows for other targets are skipped (the MSI
 * DeviceID path, of_msi_map_id()).
 */
function walk<T, R extends Row<T>>(t: Table<T, R>, masked: number, filter: T | undefined): Step<R> {
  if (t.fatal) return { row: undefined, error: t.fatal, log: t.fatal.log };
  let provisional: R | undefined;
  let lines: string[] | undefined;
  for (const row of t.rows) {
    if (row.stop) return { row, error: row.stop, log: joinLog(lines, row.stop.log) };
    if (row.note) (lines ??= []).push(row.note);
    const r = row.range;
    if (!r || masked < r[0] || masked > r[1]) continue;
    if (provisional && !row.single) {
      // iort_id_map() with check_overlap: a later match supersedes only at its own first ID
      (lines ??= []).push(t.provisional!.conflict(row, masked));
      if (masked !== r[0]) continue;
      lines.push(t.provisional!.workaround);
    }
    if (row.error) return { row, error: row.error, log: joinLog(lines, row.error.log) };
    if (filter !== undefined && row.target !== filter) continue;
    if (!provisional && t.provisional && !row.single && masked === r[1] && r[0] < r[1]) {
      // iort_id_map(): a match at the row's last ID is -EAGAIN; iort_node_map_id() walks on
      provisional = row;
      continue;
    }
    return { row, error: undefined, log: joinLog(lines, null) };
  }
  if (provisional) return { row: provisional, error: undefined, log: joinLog(lines, null) };
  return lines ? { ...MISS, log: joinLog(lines, null) } : MISS;
}

/**
 * One ID through a table (undefined: there is none, `no-map`). A translation whose target has a
 * table of its own (`next`) goes on there with the output ID; the outcome is the last stage's,
 * with the earlier ones in `via`, and a miss past the first stage passes the input ID on unchanged
 * (iort_node_map_id()'s fail_map: `*id_out = id_in`). `mask` and `masked` are the first stage's.
 */
export function lookup<T, R extends Row<T>>(table: Table<T, R> | undefined, id: number, filter?: T): LookupOf<T, R> {
  id = id >>> 0;
  if (!table)
    return {
      mask: 0xffffffff,
      masked: id,
      status: 'no-map',
      entry: undefined,
      target: undefined,
      id,
      ids: [id],
      errno: null,
      log: null,
      via: NO_HOPS,
    };
  const masked = (id & maskOf(table)) >>> 0;
  const mask = table.mask;
  const step = walk(table, masked, filter);
  const failed = (entry: R | undefined, e: WalkError, log: string | null): LookupOf<T, R> => ({
    mask,
    masked,
    status: 'error',
    entry,
    target: undefined,
    id: undefined,
    ids: [],
    errno: e.errno,
    log,
    via: NO_HOPS,
  });
  if (step.error) return failed(step.row, step.error, step.log);
  const row = step.row;
  if (!row) {
    const before = step.log === null ? undefined : [step.log];
    if ('error' in table.miss) return failed(undefined, table.miss.error, joinLog(before, table.miss.error.log));
    const log = joinLog(before, table.miss.bypass(id, filter));
    return {
      mask,
      masked,
      status: 'bypass',
      entry: undefined,
      target: undefined,
      id,
      ids: [id],
      errno: null,
      log,
      via: NO_HOPS,
    };
  }
  const ids = row.out.map((o) => (row.single ? o : (o + (masked - row.base)) >>> 0)); // u32, wraps silently
  const target = row.target as T;
  const next = ids.length && target !== undefined ? table.next?.(target) : undefined;
  if (!next)
    return {
      mask,
      masked,
      status: 'translated',
      entry: row,
      target,
      id: ids[0],
      ids,
      errno: null,
      log: step.log,
      via: NO_HOPS,
    };
  // the walk goes on in the target's table with the output ID (iort_node_map_id()'s loop)
  const rest = lookup(next, ids[0]!);
  const via = [{ entry: row, target, idFirst: ids[0]!, idLast: ids[0]! }, ...rest.via];
  const log = joinLog(step.log === null ? undefined : [step.log], rest.log);
  if (rest.status === 'translated' || rest.status === 'error') return { ...rest, mask, masked, log, via };
  return { mask, masked, status: 'bypass', entry: undefined, target: undefined, id, ids: [id], errno: null, log, via };
}
