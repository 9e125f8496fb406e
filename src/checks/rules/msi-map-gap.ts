import type { Rule } from '../types.js';
import { gapOf } from './gaps.js';
import { msiFallback } from '../msi-fallback.js';
import { count, ridList } from '../../words.js';

/** __of_msi_map_id() / of_msi_xlate(): a bypassed RID stops the walk with no domain; the device
 *  takes its bus's domain (pci_set_msi_domain() -> pci_set_bus_msi_domain()): behind a bridge the
 *  bridge's, on the root bus the host bridge's own default (pci_host_bridge_of_msi_domain():
 *  `msi-parent` on the bridge node only), with DeviceID = RID; or it gets no MSI at all.
 *  Error, except a warning when every gap RID inherits a domain and no described device's
 *  fallback DeviceID is one the map also assigns there (src/machine/msi-domain.ts). */
export const msiMapGap: Rule = {
  id: 'msi-map-gap',
  severity: 'error',
  description: 'RIDs of bus-range not covered by msi-map get no MSI domain from the map',
  visits: 'bridge',
  check(ctx, b, report) {
    const gap = gapOf(b, 'msi');
    if (!gap) return;
    const fb = msiFallback(ctx.tree, b, gap.rids, ctx.form === 'mainline');
    report.at(b, gap.map, {
      message: `${count(gap.total, 'RID')} of bus-range not in msi-map (${ridList(gap.rids)}): ${fb.outcome}. ${fb.why}`,
      severity: fb.safe ? 'warning' : undefined,
      rids: gap.rids,
    });
  },
};
