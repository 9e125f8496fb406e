import type { Rule } from '../types.js';
import { NAMES, type MapEntry } from '../../map/map.js';
import { segmentRids } from '../context.js';
import { deviceList } from '../../words.js';
import type { Node } from '../../tree/model.js';
import { inputIds } from '../../input-ids.js';

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
    const ids = inputIds(b.pci);
    /** "RIDs 02:00.0-02:1f.7": what reaches a target, else its entry's. */
    const whose = (e: MapEntry, rids: Array<[number, number]>) =>
      rids.length ? `${ids.noun}s ${ids.list(rids, 2)}` : `the ${ids.noun}s of entry ${e.index}`;
    // of_iommu_xlate() refuses an unavailable target (-ENODEV); a node no driver registers for has no domain
    const effect = m.kind === 'iommu' ? 'no IOMMU' : 'no MSI domain, so MSI/MSI-X allocation fails';
    for (const [t, e] of firstEntry) {
      const provider =
        m.kind === 'iommu' ? t.prop('#iommu-cells') !== undefined : t.prop('msi-controller') !== undefined;
      if (!provider) {
        const lacks = m.kind === 'iommu' ? 'has no #iommu-cells' : 'has no msi-controller property';
        const rids = reaching(t);
        report.at(b, m, {
          message: `${whose(e, rids)} get ${effect}: their target ${t.path} (entry ${e.index}) ${lacks}, so it is not ${m.kind === 'iommu' ? 'an IOMMU' : 'an MSI controller'}`,
          rids,
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
      const rids = reaching(t);
      const hit = endpoints.filter((d) => rids.some(([x, y]) => d.rid >= x && d.rid <= y));
      const there = hit.length ? `. Described devices reaching it: ${deviceList(hit, b)}` : '';
      report.at(b, m, {
        message: `${whose(e, rids)} get ${effect}: their target ${t.path} (entry ${e.index}) is disabled (status "${t.status}")${all ? `; every target of this ${name} is disabled, so the whole map is inert` : ''}${there}`,
        severity: (all || hit.length) && b.enabled ? 'warning' : 'info',
        rids,
        entry: e,
        cell: e.cell + 1,
      });
    }
  },
};
