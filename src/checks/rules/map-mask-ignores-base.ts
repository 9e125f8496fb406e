import type { Rule } from '../types.js';
import { inputIds } from '../../input-ids.js';
import { NAMES } from '../../map/map.js';
import { maskIgnoresBase } from '../../map/map.js';
import { hex } from '../../words.js';

/** of_map_id(): `id_base & ~map_mask` is -EFAULT for every ID whose walk reaches the entry. */
export const mapMaskIgnoresBase: Rule = {
  id: 'map-mask-ignores-base',
  severity: 'error',
  description: 'an entry has rid-base bits outside the mask: lookups reaching it fail (-EFAULT)',
  visits: 'map',
  check(ctx, b, { parsed: m, coverage }, report) {
    if (m.fatal) return;
    // Mainline (ccb2fd725d41) tests rid-base before sizing the entry: an entry that cannot be
    // sized (dangling phandle, short) but ignores the mask is the -EFAULT tail.
    const tail =
      m.tail?.errno === 'EFAULT'
        ? { index: m.entries.length, ridBase: m.property.u32(m.tail.cell)!, cell: m.tail.cell }
        : undefined;
    for (const e of [...m.entries, ...(tail ? [tail] : [])]) {
      if (!maskIgnoresBase(m, e)) continue;
      const mine = (s: (typeof coverage.segments)[number]) =>
        s.errno === 'EFAULT' && (e === tail ? s.entry === undefined : s.entry === e);
      const rids = coverage.segments.filter(mine).map((s) => [s.first, s.last] as [number, number]);
      const ids = inputIds(b.pci);
      const reach = rids.length
        ? `${ids.noun}s ${ids.list(rids)} reach it and fail`
        : `no ${b.pci ? 'RID of bus-range' : 'input ID'} reaches it, but any ID that does fails`;
      report.at(b, m, {
        message: `entry ${e.index}: ${NAMES[m.kind].mask} ${hex(m.mask)} ignores rid-base ${hex(e.ridBase)}: ${reach} with -EFAULT`,
        rids,
        entry: e,
      });
      return; // the walk stops at the first faulting entry
    }
  },
};
