import type { Rule } from '../types.js';
import { NAMES } from '../../map/map.js';
import { hex } from '../../words.js';

/** of_property_read_u32() on the mask: shorter than a cell is ignored, longer uses cell 0. */
export const mapMask: Rule = {
  id: 'map-mask',
  severity: 'warning',
  description: 'the mask property is not exactly one cell',
  visits: 'map',
  check(ctx, b, { parsed: m }, report) {
    const p = m.maskProperty;
    if (!p || p.length === 4) return;
    const what =
      p.length < 4
        ? `is ${p.length} bytes: the kernel ignores it and uses mask 0xffffffff`
        : `has ${p.length} bytes: the kernel uses only the first cell (${hex(m.mask)})`;
    report.at(b, m, { mask: true, message: `${NAMES[m.kind].mask} ${what}` });
  },
};
