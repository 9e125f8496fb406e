import type { Rule } from '../types.js';
import { entrySpan } from '../context.js';
import { NAMES } from '../../map/map.js';
import { matchRange } from '../../map/lookup.js';
import { hex, ridRange } from '../format.js';

/** RIDs outside bus-range never occur: map entries for them are dead weight (or a wrong bus-range). */
export const mapOutsideBus: Rule = {
  id: 'map-outside-bus',
  severity: 'info',
  description: "an entry covers RIDs outside the host bridge's bus-range",
  check(ctx, report) {
    for (const b of ctx.bridges) {
      if (!b.pci) continue;
      for (const { parsed: m } of Object.values(b.maps)) {
        // Only a mask that keeps every bus bit lets an entry name buses: with 0xff00 or 0xffff the
        // masked IDs the bus can produce lie within [lo & mask, hi & mask]; a folding mask
        // (0, 0xff) makes the entry's length meaningless beyond what the mask leaves.
        if (((m.mask & 0xff00) >>> 0) !== 0xff00) continue;
        const lo = (b.domain[0] & m.mask) >>> 0;
        const hi = (b.domain[1] & m.mask) >>> 0;
        for (const e of m.entries) {
          const r = matchRange(e, m.form);
          if (!r || (r[0] >= lo && r[1] <= hi)) continue;
          const where = r[1] < lo || r[0] > hi ? 'lies wholly' : 'reaches';
          const range = r[1] <= 0xffff ? ridRange(r) : `${hex(r[0])}-${hex(r[1])}`;
          report({ node: b.node.path, property: NAMES[m.kind].map, message: `entry ${e.index} (RIDs ${range}) ${where} outside bus-range <${hex(b.busRange[0])} ${hex(b.busRange[1])}>`, entry: e.index, span: entrySpan(m, e), disabled: !b.enabled });
        }
      }
    }
  },
};
