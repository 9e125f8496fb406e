import type { Rule } from '../types.js';
import { NAMES } from '../../map/map.js';
import { segmentRids } from '../context.js';

/** of_map_id(): classic refuses a map whose length is 0 or not a multiple of 16 bytes;
 *  mainline one not a multiple of 4 bytes, or with a short entry the walk reaches. */
export const mapLength: Rule = {
  id: 'map-length',
  severity: 'error',
  description: 'map length is not whole entries: the kernel refuses every lookup (-EINVAL)',
  visits: 'map',
  check(ctx, b, { parsed: m, coverage }, report) {
    const name = NAMES[m.kind].map;
    const cells = m.property.length / 4;
    if (m.fatal) {
      const why =
        m.property.length === 0
          ? 'is empty'
          : ctx.form === 'classic'
            ? `is ${m.property.length} bytes, not a multiple of 16 (4-cell entries)`
            : `is ${m.property.length} bytes, not whole cells`;
      report.at(b, m, {
        message: `${name} ${why}: every lookup fails with -EINVAL (${ctx.form} kernels)${ctx.form === 'classic' && m.property.length % 4 === 0 && cells % 4 ? `; the map has ${cells} cells` : ''}`,
        rids: [b.domain],
      });
    } else if (m.tail && m.tail.errno === 'EINVAL') {
      // Mainline reads entries as the walk reaches them: a broken tail no RID reaches is never seen.
      const reach = segmentRids(coverage, (s) => s.status === 'error' && s.entry === undefined);
      if (!reach.length) return;
      report.at(b, m, {
        message: `${name} ends with a short or unsized entry at cell ${m.tail.cell}: IDs that reach it fail with -EINVAL (mainline kernels)`,
        rids: reach,
        entry: { index: m.entries.length, cell: m.tail.cell },
      });
    }
  },
};
