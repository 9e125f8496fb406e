import type { Rule } from '../types.js';
import { NAMES } from '../../map/map.js';

/** of_map_id(): a zero length matches no ID. */
export const mapEmptyEntry: Rule = {
  id: 'map-empty-entry',
  severity: 'warning',
  description: 'an entry has length 0 and matches nothing',
  visits: 'map',
  check(ctx, b, { parsed: m }, report) {
    const placeholder =
      m.entries.length === 1 &&
      m.property.length === 16 &&
      m.entries[0]!.ridBase === 0 &&
      m.entries[0]!.out[0] === 0 &&
      m.entries[0]!.length === 0;
    for (const e of m.entries) {
      if (e.length !== 0) continue;
      const message = placeholder
        ? `${NAMES[m.kind].map} is the placeholder <0 &${e.target?.name ?? '?'} 0 0>: firmware (U-Boot) fills it in at boot; as written it translates nothing`
        : `entry ${e.index} has length 0 and matches no ID`;
      report.at(b, m, { entry: e, message, severity: placeholder ? 'info' : undefined });
    }
  },
};
