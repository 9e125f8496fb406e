import type { Rule } from '../types.js';
import { matchRange } from '../../map/map.js';
import { intersectRanges, preimage } from '../../core/ranges.js';
import { segmentRids } from '../context.js';
import { idRange } from '../../words.js';

/** of_map_id(): first match wins, so an entry's IDs already taken by an earlier entry never reach it. */
export const mapOverlap: Rule = {
  id: 'map-overlap',
  severity: 'warning',
  description: 'an entry is fully or partly shadowed by earlier entries (first match wins)',
  visits: 'map',
  check(ctx, b, { parsed: m, coverage }, report) {
    const earlier: Array<{ index: number; range: [number, number] }> = [];
    for (const e of m.entries) {
      const r = matchRange(e, m.form);
      if (!r) continue;
      const hits: string[] = [];
      for (const x of earlier) {
        const s = Math.max(r[0], x.range[0]);
        const t = Math.min(r[1], x.range[1]);
        if (s > t) continue;
        hits.push(`${idRange(s, t)} go to entry ${x.index}`);
      }
      if (hits.length) {
        const covered = coveredCount(
          r,
          earlier.map((x) => x.range),
        );
        const total = r[1] - r[0] + 1;
        const how =
          covered >= total
            ? 'is fully shadowed by earlier entries and never matches (dead entry)'
            : `is partly shadowed (${covered} of ${total} masked IDs)`;
        // RIDs of the domain this entry names that an earlier entry takes first
        const taken = segmentRids(coverage, (s) => s.entry !== undefined && s.entry.index < e.index);
        const rids = intersectRanges(preimage(b.domain[0], b.domain[1], m.mask, r[0], r[1]), taken);
        report.at(b, m, {
          rids,
          message: `entry ${e.index} (masked IDs ${idRange(r[0], r[1])}) ${how}: ${hits.slice(0, 3).join(', ')}${hits.length > 3 ? ', ...' : ''}`,
          entry: e,
        });
      }
      earlier.push({ index: e.index, range: r });
    }
  },
};

/** How many IDs of `r` lie in the union of `others`. */
function coveredCount(r: [number, number], others: Array<[number, number]>): number {
  const parts = others
    .map(([a, b]) => [Math.max(a, r[0]), Math.min(b, r[1])] as [number, number])
    .filter(([a, b]) => a <= b)
    .sort((x, y) => x[0] - y[0]);
  let total = 0;
  let end = -1;
  for (const [a, b] of parts) {
    const s = Math.max(a, end + 1);
    if (b >= s) total += b - s + 1;
    end = Math.max(end, b);
  }
  return total;
}
