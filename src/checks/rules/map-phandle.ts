import type { Rule } from '../types.js';
import { NAMES } from '../../map/map.js';
import { hex } from '../../words.js';
import type { Bridge } from '../../machine/machine.js';
import type { Context } from '../context.js';
import { msiFallback } from '../msi-fallback.js';

/** What a device whose msi-map lookup fails gets: __of_msi_map_id() does not stop on the error,
 *  finds no domain, and the device takes its bus's domain with DeviceID = RID: behind a bridge the
 *  bridge's, on the root bus the host bridge's own msi-parent (src/machine/msi-domain.ts). */
function msiEffect(ctx: Context, b: Bridge, rids: Array<[number, number]>): string {
  if (!b.pci || !rids.length) return '';
  return `: ${msiFallback(ctx.tree, b, rids, ctx.form === 'mainline').text}`;
}

/** of_map_id(): a phandle that resolves to no node is -ENODEV (classic: when the entry matches;
 *  mainline: when the walk reaches it, since the target gives the entry's size). */
export const mapPhandle: Rule = {
  id: 'map-phandle',
  severity: 'error',
  description: 'an entry phandle points at no node: lookups through it fail (-ENODEV)',
  check(ctx, report) {
    for (const b of ctx.bridges) {
      for (const { parsed: m, coverage } of Object.values(b.maps)) {
        const name = NAMES[m.kind].map;
        const rids = (pred: (s: (typeof coverage.segments)[number]) => boolean) =>
          coverage.segments
            .filter((s) => s.errno === 'ENODEV' && pred(s))
            .map((s) => [s.first, s.last] as [number, number]);
        const effect = (r: Array<[number, number]>) => (m.kind === 'msi' ? msiEffect(ctx, b, r) : '');
        for (const e of m.entries) {
          if (e.target) continue;
          report({
            node: b.node.path,
            property: name,
            message: `entry ${e.index}: phandle ${hex(e.phandle)} matches no node: its RIDs fail with -ENODEV${effect(rids((s) => s.entry === e))}`,
            rids: rids((s) => s.entry === e),
            entry: e.index,
            span: m.property.cellSpan(e.cell + 1),
            disabled: !b.enabled,
          });
        }
        if (m.tail?.errno === 'ENODEV') {
          const phandle = m.property.u32(m.tail.cell + 1)!;
          report({
            node: b.node.path,
            property: name,
            message: `entry ${m.entries.length}: phandle ${hex(phandle)} matches no node: every ID reaching it fails with -ENODEV${effect(rids((s) => s.entry === undefined))}`,
            rids: rids((s) => s.entry === undefined),
            entry: m.entries.length,
            span: m.property.cellSpan(m.tail.cell + 1),
            disabled: !b.enabled,
          });
        }
      }
    }
  },
};
