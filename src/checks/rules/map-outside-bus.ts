import type { Rule } from '../types.js';
import { hex, ridRange } from '../../words.js';

/** RIDs outside bus-range never occur: map entries for them are dead weight (or a wrong bus-range). */
export const mapOutsideBus: Rule = {
  id: 'map-outside-bus',
  severity: 'info',
  description: "an entry covers RIDs outside the host bridge's bus-range",
  visits: 'map',
  check(ctx, b, { parsed: m }, report) {
    if (!b.pci) return;
    // Only a mask that keeps every bus bit lets an entry name buses (0xff00, 0xffff); with a
    // folding mask (0, 0xff) an entry's length says nothing about buses.
    if ((m.mask & 0xff00) >>> 0 !== 0xff00) return;
    for (const e of m.entries) {
      if (e.length === 0) continue;
      // The range as written (a classic wrap matches nothing, but still names these RIDs).
      const last = Math.min(e.ridBase + e.length - 1, 0xffffffff);
      const firstBus = Math.floor(e.ridBase / 256);
      const lastBus = Math.floor(last / 256);
      if (firstBus >= b.busRange[0] && lastBus <= b.busRange[1]) continue;
      const where = lastBus < b.busRange[0] || firstBus > b.busRange[1] ? 'lies wholly' : 'reaches';
      const range = last <= 0xffff ? ridRange([e.ridBase, last]) : `${hex(e.ridBase)}-${hex(last)}`;
      report.at(b, m, {
        entry: e,
        message: `entry ${e.index} (RIDs ${range}) ${where} outside bus-range <${hex(b.busRange[0])} ${hex(b.busRange[1])}>`,
      });
    }
  },
};
