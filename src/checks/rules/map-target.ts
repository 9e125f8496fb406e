import type { Rule } from '../types.js';
import { NAMES, type MapEntry } from '../../map/map.js';
import { segmentRids } from '../context.js';
import { deviceList } from '../../words.js';
import type { Node } from '../../tree/model.js';

/** A target that is no provider of the map's kind gets nothing from the kernel; a disabled one
 *  is refused too (of_iommu_xlate(): not available, -ENODEV), so the device has no IOMMU.
 *  A disabled target is a warning when the whole map is inert, or when a described, enabled
 *  endpoint reaches it at the RID Linux gives it (Apple t8103-j457: the NIC behind port02 on
 *  bus 02, because the disabled port01 takes no bus number, lands on port01's disabled DART). */
export const mapTarget: Rule = {
  id: 'map-target',
  severity: 'error',
  description: 'an entry targets a node that is not an IOMMU / MSI controller, or is disabled',
  visits: 'map',
  check(ctx, b, { parsed: m, coverage }, report) {
    const reaching = (t: Node) => segmentRids(coverage, (s) => s.target === t);
    const name = NAMES[m.kind].map;
    const firstEntry = new Map<Node, MapEntry>();
    for (const e of m.entries) if (e.target && !firstEntry.has(e.target)) firstEntry.set(e.target, e);
    const targets = [...firstEntry.keys()];
    for (const [t, e] of firstEntry) {
      const provider =
        m.kind === 'iommu' ? t.prop('#iommu-cells') !== undefined : t.prop('msi-controller') !== undefined;
      if (!provider) {
        const lacks = m.kind === 'iommu' ? 'has no #iommu-cells' : 'has no msi-controller property';
        report.at(b, m, {
          message: `entry ${e.index}: target ${t.path} ${lacks}: it is not ${m.kind === 'iommu' ? 'an IOMMU' : 'an MSI controller'}`,
          rids: reaching(t),
          entry: e,
          cell: e.cell + 1, // its phandle
        });
      }
    }
    const disabled = targets.filter((t) => !t.enabled);
    const all = disabled.length > 0 && disabled.length === targets.length;
    // Described, enabled endpoints at the RIDs Linux gives them (src/machine/topology.ts)
    const endpoints = b.pci ? b.devices.filter((d) => d.endpoint && d.enabled) : [];
    for (const t of disabled) {
      const e = firstEntry.get(t)!;
      const effect =
        m.kind === 'iommu' ? 'devices mapped to it get no IOMMU' : 'devices mapped to it get no MSI domain';
      const rids = reaching(t);
      const hit = endpoints.filter((d) => rids.some(([x, y]) => d.rid >= x && d.rid <= y));
      const there = hit.length ? `; described devices reaching it: ${deviceList(hit, b)}` : '';
      report.at(b, m, {
        message: `entry ${e.index}: target ${t.path} is disabled (status "${t.status}"): ${effect}${all ? `; every target of this ${name} is disabled, so the whole map is inert` : ''}${there}`,
        severity: (all || hit.length) && b.enabled ? 'warning' : 'info',
        rids,
        entry: e,
        cell: e.cell + 1,
      });
    }
  },
};
