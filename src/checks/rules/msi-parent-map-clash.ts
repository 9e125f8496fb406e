import type { Rule } from '../types.js';
import { idClashes } from '../../machine/ids.js';
import { deviceList, hex, idRange, ridList } from '../../words.js';

/**
 * Platform MSI against msi-map, per ITS: a DeviceID that a node's `msi-parent = <&its ID>` holds
 * (its_pmsi_prepare() -> of_pmsi_get_dev_id()) and that msi-map also gives PCI RIDs. The ITS
 * keeps one ITT per DeviceID: the second to allocate finds the first's (its_msi_prepare():
 * "Reusing ITT"), sized by the first, and gets vectors only while its events last.
 */
export const msiParentMapClash: Rule = {
  id: 'msi-parent-map-clash',
  severity: 'warning',
  description: 'a DeviceID that a platform device holds through msi-parent is one msi-map gives PCI RIDs',
  visits: 'machine',
  check(ctx, report) {
    for (const c of idClashes(ctx.tree, ctx.bridges)) {
      if (c.spec.kind !== 'msi') continue;
      const t = c.spec.target.path;
      const there = c.devices.length ? `; described devices there: ${deviceList(c.devices, c.bridge)}` : '';
      report.at(c.bridge, c.map, {
        message: `${c.spec.user.path} allocates platform MSIs on DeviceID ${hex(c.spec.args[0]!)} of the ITS ${t} (msi-parent), and msi-map entry ${c.entry.index} gives DeviceID ${idRange(...c.ids)} to ${ridList(c.rids)}${there}: they share one ITT, sized by the first to allocate (its_msi_prepare(): "Reusing ITT"), and the other gets vectors only while its events last`,
        rids: c.rids,
        entry: c.entry,
      });
    }
  },
};
