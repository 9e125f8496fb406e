import type { Rule } from '../types.js';
import { entrySpan } from '../context.js';
import { NAMES } from '../../map/map.js';
import { hex } from '../format.js';

const TOP = 2 ** 32;

/** of_map_id() classic computes `base + length` in u32: a range passing 2^32 matches nothing;
 *  mainline matches up to 2^32 - 1. Output IDs (`masked - base + out`) wrap silently in both. */
export const mapWrap: Rule = {
  id: 'map-wrap',
  severity: 'warning',
  description: 'rid-base + length or out-base + length passes 2^32',
  check(ctx, report) {
    for (const b of ctx.bridges) {
      for (const { parsed: m } of Object.values(b.maps)) {
        for (const e of m.entries) {
          const common = { node: b.node.path, property: NAMES[m.kind].map, entry: e.index, span: entrySpan(m, e), disabled: !b.enabled };
          if (e.ridBase + e.length > TOP)
            report({ ...common, message: `entry ${e.index}: rid-base ${hex(e.ridBase)} + length ${hex(e.length)} passes 2^32: classic kernels (5.3-7.1) match no ID with it, mainline (7.2+) matches ${hex(e.ridBase)}-0xffffffff` });
          const out = e.out[0];
          if (out !== undefined && e.length > 0 && out + e.length > TOP)
            report({ ...common, message: `entry ${e.index}: out-base ${hex(out)} + length ${hex(e.length)} passes 2^32: output IDs from ${hex(TOP - out + e.ridBase)} wrap to 0` });
        }
      }
    }
  },
};
