import type { Rule } from '../types.js';
import { idClashes, type IdClash } from '../../machine/ids.js';
import { deviceList, hex, idRange, ridList } from '../../words.js';

const specText = (c: IdClash) => `<${c.spec.args.map(hex).join(' ')}>`;

/** The platform device (or host bridge) that holds the ID, and who probes first. */
const holder = (c: IdClash) =>
  c.spec.user === c.bridge.node
    ? `the host bridge's own iommus ${specText(c)}`
    : `${c.spec.user.path}'s iommus ${specText(c)}`;
const order = (c: IdClash) =>
  c.spec.user === c.bridge.node
    ? 'the host bridge probes before the devices on its bus'
    : `if ${c.spec.user.path} probes first`;

/**
 * `iommus` against the maps, per IOMMU: a StreamID that `iommus` gives a platform device or a
 * host bridge itself, and that iommu-map also gives PCI RIDs on the same IOMMU.
 * SMMUv3: arm_smmu_insert_master() refuses a StreamID another master holds ("stream %u already in
 * tree", -EINVAL): the second master gets no IOMMU. arm-smmu (SMMUv1/v2, MMU-500): the `iommus`
 * entry is an SMR, ID and mask; arm_smmu_find_sme() reuses an existing entry that entirely
 * matches a new one (the new device joins that entry's IOMMU group: arm_smmu_device_group()),
 * and refuses any other overlap (-EINVAL, the device gets no IOMMU).
 */
export const iommusMapClash: Rule = {
  id: 'iommus-map-clash',
  severity: 'warning',
  description:
    'a StreamID that iommus gives a platform device or the host bridge itself is one iommu-map gives PCI RIDs',
  visits: 'machine',
  check(ctx, report) {
    for (const c of idClashes(ctx.tree, ctx.bridges)) {
      if (c.spec.kind !== 'iommu') continue;
      const t = c.spec.target.path;
      const there = c.devices.length ? `; described devices there: ${deviceList(c.devices, c.bridge)}` : '';
      const gives = `iommu-map entry ${c.entry.index} gives StreamID ${idRange(...c.ids)} of ${t} to ${ridList(c.rids)}${there}`;
      const one = c.rids.length === 1 && c.rids[0]![0] === c.rids[0]![1];
      const [verb, their] = one ? ['s', 'its StreamID'] : ['', 'their StreamIDs'];
      let message: string;
      let severity: 'error' | 'warning' | 'info';
      if (c.family === 'smmu-v3') {
        message = `${ridList(c.rids)} get${verb} StreamID ${hex(c.spec.args[0]!)} of the SMMUv3 ${t}, which ${holder(c)} holds too: the second of them to probe gets no IOMMU. ${gives[0]!.toUpperCase()}${gives.slice(1)}; SMMUv3 refuses a StreamID another master holds (arm_smmu_insert_master(): "stream ${c.spec.args[0]} already in tree", -EINVAL) (${order(c)}: the PCI device)`;
        severity = c.devices.length ? 'error' : 'warning';
      } else if (c.relation === 'within') {
        const ridCount = c.rids.reduce((n, [x, y]) => n + y - x + 1, 0);
        const folded = ridCount > c.ids[1] - c.ids[0] + 1;
        message = `${ridList(c.rids)} join${verb} the IOMMU group of ${holder(c)} and share${verb} its domain: ${their} fall${one ? 's' : ''} inside its stream match entry on the arm-smmu ${t}. ${gives[0]!.toUpperCase()}${gives.slice(1)}; arm_smmu_find_sme() reuses an entry that entirely matches a new one (${order(c)})${folded ? "; iommu-map's mask already folds these RIDs onto one StreamID, so they share a group anyway" : ''}`;
        severity = folded ? 'info' : 'warning';
      } else {
        message = `${ridList(c.rids)} or ${holder(c)}, whichever probes later, gets no IOMMU: ${their} partly overlap${one ? 's' : ''} its stream match entry on the arm-smmu ${t}. ${gives[0]!.toUpperCase()}${gives.slice(1)}; arm_smmu_find_sme() refuses a partial overlap (-EINVAL) (${order(c)}: the PCI device)`;
        severity = 'error';
      }
      report.at(c.bridge, c.map, { message, severity, rids: c.rids, entry: c.entry });
    }
  },
};
