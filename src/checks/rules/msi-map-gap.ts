import type { Rule } from '../types.js';
import { gapOf } from './gaps.js';
import { deviceList, msiParent } from '../context.js';
import { count, ridList } from '../format.js';

/** __of_msi_map_id() / of_msi_xlate(): a bypassed RID stops the walk with no domain; the device
 *  falls back to the host bridge's own default domain (pci_host_bridge_of_msi_domain():
 *  `msi-parent` on the bridge node only) with DeviceID = RID, or gets no MSI at all. */
export const msiMapGap: Rule = {
  id: 'msi-map-gap',
  severity: 'error',
  description: 'RIDs of bus-range not covered by msi-map get no MSI domain',
  check(ctx, report) {
    for (const b of ctx.bridges) {
      const gap = gapOf(b, 'msi');
      if (!gap) continue;
      const a = b.maps.msi!;
      const fallback = msiParent(ctx.tree, b.node)?.target;
      const head = `${count(gap.total, 'RID')} of bus-range not in msi-map: ${ridList(gap.rids)}`;
      if (!fallback) {
        report({ node: b.node.path, property: 'msi-map', message: `${head}: devices there get no MSI domain, so MSI/MSI-X allocation fails (the bridge has no msi-parent to fall back to)`, rids: gap.rids, span: a.parsed.property.span, disabled: !b.enabled });
        continue;
      }
      // Fallback DeviceID = RID on the msi-parent controller: does the map give one of those IDs away?
      const assigned = a.coverage.segments.filter((s) => s.status === 'translated' && s.target === fallback);
      const collide = gap.devices.filter((d) => assigned.some((s) => d.rid >= Math.min(s.idFirst!, s.idLast!) && d.rid <= Math.max(s.idFirst!, s.idLast!)));
      const base = `${head}: devices there fall back to the bridge's msi-parent ${fallback.path} with DeviceID = RID`;
      if (collide.length)
        report({ node: b.node.path, property: 'msi-map', message: `${base}, and that DeviceID is one msi-map also assigns: ${deviceList(collide, b.node)}`, rids: gap.rids, span: a.parsed.property.span, disabled: !b.enabled });
      else report({ node: b.node.path, property: 'msi-map', message: base, severity: 'warning', rids: gap.rids, span: a.parsed.property.span, disabled: !b.enabled });
    }
  },
};
