import type { Rule } from '../types.js';
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
  visits: 'map',
  check(ctx, b, { parsed: m, coverage }, report) {
    const rids = (pred: (s: (typeof coverage.segments)[number]) => boolean) =>
      coverage.segments
        .filter((s) => s.errno === 'ENODEV' && pred(s))
        .map((s) => [s.first, s.last] as [number, number]);
    const effect = (r: Array<[number, number]>) => (m.kind === 'msi' ? msiEffect(ctx, b, r) : '');
    for (const e of m.entries) {
      if (e.target) continue;
      report.at(b, m, {
        message: `entry ${e.index}: phandle ${hex(e.phandle)} matches no node: its ${b.pci ? 'RIDs' : 'input IDs'} fail with -ENODEV${effect(rids((s) => s.entry === e))}`,
        rids: rids((s) => s.entry === e),
        entry: e,
        cell: e.cell + 1,
      });
    }
    if (m.tail?.errno === 'ENODEV') {
      const phandle = m.property.u32(m.tail.cell + 1)!;
      report.at(b, m, {
        message: `entry ${m.entries.length}: phandle ${hex(phandle)} matches no node: every ID reaching it fails with -ENODEV${effect(rids((s) => s.entry === undefined))}`,
        rids: rids((s) => s.entry === undefined),
        entry: { index: m.entries.length, cell: m.tail.cell },
        cell: m.tail.cell + 1,
      });
    }
  },
};
