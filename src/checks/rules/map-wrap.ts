import type { Rule } from '../types.js';
import { segmentRids } from '../context.js';
import { hex, ridRange } from '../../words.js';
import { intersectRanges, preimage } from '../../core/ranges.js';

const TOP = 2 ** 32;

/** of_map_id() classic computes `base + length` in u32: a range passing 2^32 matches nothing;
 *  mainline matches up to 2^32 - 1. Output IDs (`masked - base + out`) wrap silently in both. */
export const mapWrap: Rule = {
  id: 'map-wrap',
  severity: 'warning',
  description: 'rid-base + length or out-base + length passes 2^32',
  visits: 'map',
  check(ctx, b, { parsed: m, coverage }, report) {
    for (const e of m.entries) {
      if (e.ridBase + e.length > TOP) {
        const rids = preimage(b.domain[0], b.domain[1], m.mask, e.ridBase, TOP - 1);
        report.at(b, m, {
          entry: e,
          rids,
          message: `entry ${e.index}: rid-base ${hex(e.ridBase)} + length ${hex(e.length)} passes 2^32: classic kernels (5.3-7.1) match no ID with it, mainline (7.2+) matches ${hex(e.ridBase)}-0xffffffff`,
        });
      }
      // Output IDs: only the masked IDs the entry can match (at most up to 2^32 - 1) count.
      const out = e.out[0];
      const matched = Math.min(e.length, TOP - e.ridBase);
      if (out !== undefined && matched > 0 && out + matched > TOP) {
        const firstWrapping = e.ridBase + (TOP - out);
        const rids = intersectRanges(
          preimage(b.domain[0], b.domain[1], m.mask, firstWrapping, e.ridBase + matched - 1),
          segmentRids(coverage, (s) => s.entry === e),
        );
        const from = b.pci && firstWrapping <= 0xffff ? ridRange([firstWrapping, firstWrapping]) : hex(firstWrapping);
        report.at(b, m, {
          entry: e,
          rids,
          message: `entry ${e.index}: out-base ${hex(out)} + length ${hex(e.length)} passes 2^32: from masked ID ${from} on, output IDs wrap around to 0`,
        });
      }
    }
  },
};
