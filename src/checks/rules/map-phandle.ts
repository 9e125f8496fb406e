import type { Rule } from '../types.js';
import { hex } from '../../words.js';
import type { Bridge } from '../../machine/machine.js';
import type { Context } from '../context.js';
import { msiFallback } from '../msi-fallback.js';
import { inputIds } from '../../input-ids.js';

/** What a device whose msi-map lookup fails gets: __of_msi_map_id() does not stop on the error,
 *  finds no domain, and the device takes its bus's domain with DeviceID = RID: behind a bridge the
 *  bridge's, on the root bus the host bridge's own msi-parent (src/machine/msi-domain.ts). */
function msiEffect(ctx: Context, b: Bridge, rids: Array<[number, number]>): { outcome: string; why: string } {
  if (!b.pci || !rids.length) return { outcome: '', why: '' };
  const f = msiFallback(ctx.tree, b, rids, ctx.form === 'mainline');
  return { outcome: `: ${f.outcome}`, why: `. ${f.why}` };
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
    const ids = inputIds(b.pci);
    const effect = (r: Array<[number, number]>) => (m.kind === 'msi' ? msiEffect(ctx, b, r) : { outcome: '', why: '' });
    for (const e of m.entries) {
      if (e.target) continue;
      const mine = rids((s) => s.entry === e);
      const { outcome, why } = effect(mine);
      const which = mine.length ? ` (${ids.list(mine)})` : '';
      report.at(b, m, {
        message: `entry ${e.index}'s ${ids.noun}s${which} fail with -ENODEV${outcome}. Its phandle ${hex(e.phandle)} matches no node${why}`,
        rids: mine,
        entry: e,
        cell: e.cell + 1,
      });
    }
    if (m.tail?.errno === 'ENODEV') {
      const phandle = m.property.u32(m.tail.cell + 1)!;
      const mine = rids((s) => s.entry === undefined);
      const { outcome, why } = effect(mine);
      const which = mine.length ? ` (${ids.list(mine)})` : '';
      report.at(b, m, {
        message: `every ID reaching entry ${m.entries.length}${which} fails with -ENODEV${outcome}. Its phandle ${hex(phandle)} matches no node${why}`,
        rids: mine,
        entry: { index: m.entries.length, cell: m.tail.cell },
        cell: m.tail.cell + 1,
      });
    }
  },
};
