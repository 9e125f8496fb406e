// u-boot: dev_pci_iommu_enable() in drivers/iommu/iommu-uclass.c (u-boot/u-boot master at
// 6073c36b2c8d, August 2026), the only U-Boot code that reads a map; nothing reads msi-map.
// - Walks up from the PCI device to the first node with a non-empty iommu-map (an empty one is
//   skipped: no IOMMU); reads 4-cell entries with no length check (a 1-3 cell tail is read past
//   the end of the buffer); `rid = (bdf >> 8) & iommu-map-mask`; no check of rid-base against
//   the mask; range test `rid >= rid_base + length` in u32.
// - Only the target is used (dev->iommu = the IOMMU device of the phandle); out-base is ignored.
//   A dangling phandle on the matching entry fails the probe; a gap leaves the device without IOMMU.
// U-Boot also writes maps: the Layerscape fixups (drivers/pci/pcie_layerscape_fixup.c,
// pcie_layerscape_gen4_fixup.c) append one `<rid &msi-parent streamid 1>` msi-map row and one
// `<rid phandle streamid 1>` iommu-map row per enumerated device (phandle taken from the existing
// iommu-map's first row, which the device at RID 0 overwrites in place: the `<0 &smmu 0 0>`
// placeholder), after programming the controller's LUT with the same StreamID; fsl-mc
// (drivers/net/fsl-mc/mc.c) rewrites its 16-byte iommu-map in place and appends a matching
// msi-map; ls1028a's fdt_fixup_ecam() patches cells 2-3 of 16-byte maps. All write 4-cell rows.
import { fourCellMap, isPciBridge } from '../map.js';
import type { Reader } from './reader.js';

export const uBoot: Reader = {
  name: 'u-boot',
  family: 'u-boot',
  title: 'U-Boot dev_pci_iommu_enable()',
  uses: { target: true, id: false },
  form: 'classic',
  parse(tree, node, kind) {
    if (kind !== 'iommu' || !isPciBridge(node)) return undefined;
    const map = fourCellMap(tree, node, kind, { maskCheck: false });
    return map && { map, notes: [] };
  },
};
