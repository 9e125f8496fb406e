// xen: Xen on Arm, dt_map_id() in xen/common/device-tree/device-tree.c, called by
// iommu_add_dt_pci_sideband_ids() in xen/drivers/passthrough/device_tree.c (xen-project/xen,
// master at c447b7308b13, August 2026; dt_map_id() added in 7f661b7b40, "borrowed from Linux
// (v5.10-rc6)"). The walk is classic of_map_id(): the fixed `len % (4 * sizeof(*map))` length
// check, the -EFAULT mask check, the phandle resolved only for the matching entry.
// What differs: only PCI host bridges' iommu-map is read (no msi-map reader), and a gap is not a
// bypass: dt_map_id() returns 0 with no IOMMU node, iommu_dt_xlate() registers the raw RID
// against that NULL node, and arm_smmu_add_device() (smmu-v3.c) finds no SMMU for it: -ENODEV.
import { isPciBridge, OF_MAP_ID, parseMap } from '../map.js';
import type { Reader } from './reader.js';

export const xen: Reader = {
  name: 'xen',
  family: 'xen',
  title: 'Xen on Arm dt_map_id()',
  uses: { target: true, id: true },
  form: 'classic',
  parse(tree, node, kind) {
    if (kind !== 'iommu' || !isPciBridge(node)) return undefined;
    const gap = {
      errno: 'ENODEV' as const,
      log: `${node.path}: no iommu-map translation: the raw RID is registered against no IOMMU node; arm_smmu_add_device() returns -ENODEV`,
    };
    const map = parseMap(tree, node, kind, 'classic', { ...OF_MAP_ID, miss: { error: gap } });
    return map && { map, notes: [] };
  },
};
