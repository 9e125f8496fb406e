// One ID through a map: a mirror of of_map_id() (drivers/of/base.c) in its two forms, step by
// step as docs/semantics.md describes them.
import type { Node } from '../tree/model.js';
import { NAMES, type Errno, type MapEntry, type ParsedMap, type WalkError } from './map.js';

export type LookupStatus = 'translated' | 'bypass' | 'no-map' | 'error';

export interface LookupResult {
  status: LookupStatus;
  mask: number;
  masked: number;
  /** Matching entry, or undefined. */
  entry: MapEntry | undefined;
  target: Node | undefined;
  /** First output cell; for bypass and no-map the raw ID the kernel passes on. */
  id: number | undefined;
  ids: number[];
  errno: Errno | null;
  /** The line the kernel prints, or null. */
  log: string | null;
}

/** The entry's masked-ID range `[first, last]` that the form's range test accepts, or null. */
export function matchRange(e: MapEntry, form: 'classic' | 'mainline'): [number, number] | null {
  if (e.length === 0) return null;
  const end = e.ridBase + e.length; // exact, no u32 wrap in JS numbers
  if (form === 'classic') {
    // of_map_id() 5.3-7.1: `masked < base || masked >= base + length` in u32: when
    // base + length wraps past 2^32 the sum is below base and the entry matches nothing.
    if (end > 0xffffffff) return null;
    return [e.ridBase, end - 1];
  }
  // 7.2+: `masked >= base && masked - base < length`: the whole range up to 2^32 - 1.
  return [e.ridBase, Math.min(end - 1, 0xffffffff)];
}

/** The -EFAULT check of_map_id() makes on every entry it reaches (readers without it: none). */
export function maskIgnoresBase(m: ParsedMap, e: Pick<MapEntry, 'ridBase'>): WalkError | null {
  if (m.noMaskCheck || (e.ridBase & ~m.mask) >>> 0 === 0) return null;
  const name = NAMES[m.kind];
  return {
    errno: 'EFAULT',
    log: `OF: ${m.node.path}: Invalid ${name.map} translation - ${name.map}-mask (0x${m.mask.toString(16)}) ignores id-base (0x${e.ridBase.toString(16)})`,
  };
}

/** Classic: -ENODEV when a matching entry's phandle dangles. Mainline: the entry was never read. */
export const ENODEV: WalkError = { errno: 'ENODEV', log: null };

/** What a matching entry gives instead of a translation: its reader's refusal, a dangling phandle, a multi-cell range. */
export function entryError(m: ParsedMap, e: MapEntry): WalkError | null {
  return e.error ?? (!e.target ? ENODEV : multiCellRange(m, e));
}

/** Mainline: an entry with several output cells can only translate a single ID. */
export function multiCellRange(m: ParsedMap, e: MapEntry): WalkError | null {
  return m.form === 'mainline' && e.out.length > 1 && e.length > 1 ? { errno: 'EINVAL', log: null } : null;
}

export function outputIds(e: MapEntry, masked: number): number[] {
  const offset = masked - e.ridBase;
  return e.out.map((o) => (o + offset) >>> 0); // u32, wraps silently
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

/**
 * of_map_id(np, id, map_name, mask_name, &target, &id_out). `filter` is the target the MSI
 * DeviceID path passes (of_msi_map_id()); entries for other targets are skipped.
 */
export function lookup(m: ParsedMap | undefined, id: number, filter?: Node): LookupResult {
  id = id >>> 0;
  if (!m)
    return {
      status: 'no-map',
      mask: 0xffffffff,
      masked: id,
      entry: undefined,
      target: undefined,
      id,
      ids: [id],
      errno: null,
      log: null,
    };
  const masked = (id & (m.inputMask ?? 0xffffffff) & m.mask) >>> 0;
  const base = { mask: m.mask, masked };
  const error = (e: WalkError, entry?: MapEntry): LookupResult => ({
    ...base,
    status: 'error',
    entry,
    target: undefined,
    id: undefined,
    ids: [],
    errno: e.errno,
    log: e.log,
  });
  if (m.fatal) return error(m.fatal);
  for (const e of m.entries) {
    const fault = maskIgnoresBase(m, e);
    if (fault) return error(fault, e);
    const range = matchRange(e, m.form);
    if (!range || masked < range[0] || masked > range[1]) continue;
    const refused = entryError(m, e);
    if (refused) return error(refused, e);
    if (filter && e.target !== filter) continue;
    const ids = outputIds(e, masked);
    return { ...base, status: 'translated', entry: e, target: e.target, id: ids[0], ids, errno: null, log: null };
  }
  if (m.tail) return error(m.tail);
  if (m.gap) return error(m.gap);
  // pr_info("%pOF: no %s translation for id 0x%x on %pOF"): the raw ID passes through.
  const on = filter ? filter.path : '(null)';
  const log =
    m.bypassLog ?? `OF: ${m.node.path}: no ${NAMES[m.kind].map} translation for id 0x${id.toString(16)} on ${on}`;
  return { ...base, status: 'bypass', entry: undefined, target: undefined, id, ids: [id], errno: null, log };
}
