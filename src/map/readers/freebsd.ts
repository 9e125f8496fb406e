// freebsd: ofw_bus_iommu_map() and ofw_bus_msimap() in sys/dev/ofw/ofw_bus_subr.c, with
// OF_getprop_alloc_multi() in sys/dev/ofw/openfirm.c (freebsd/freebsd-src, stored version
// c9ee87df3d84), called by the PCI host drivers (pci_dw.c, pci_host_generic_fdt.c).
// - The RID is a uint16_t; the map is read as 4-cell entries with no length check: a property
//   that is not whole cells reads as absent (OF_getprop_alloc_multi() returns -1), and a tail of
//   1-3 cells is read past the end of the buffer (undefined).
// - No check of rid-base against the mask; the phandle is returned as an xref, not resolved (a
//   dangling one fails later, when the xref names no controller).
// - Range test `masked_rid >= rid_base + rid_length` in u32, as classic Linux.
// - A RID no entry matches is ENOENT. On msi-map that is an error where Linux bypasses: the PCI
//   host driver's alloc_msi fails (pci_dw.c, pci_host_generic_fdt.c), with no fall-back to
//   msi-parent. On iommu-map it is what Linux's bypass is: smmu_find() (sys/arm64/iommu/smmu.c)
//   returns ENOENT and the device gets no IOMMU context. An empty map matches nothing.
import { buildMap, fourCellMap, isPciBridge, mapFacts, NAMES } from '../map.js';
import type { Reader } from './reader.js';

export const freebsd: Reader = {
  name: 'freebsd',
  family: 'freebsd',
  title: 'FreeBSD ofw_bus_iommu_map() / ofw_bus_msimap()',
  uses: { target: true, id: true },
  form: 'classic',
  parse(tree, node, kind) {
    if (!isPciBridge(node)) return undefined;
    const f = mapFacts(node, kind, 'classic');
    if (!f) return undefined;
    const name = NAMES[kind].map;
    const walk = { maskCheck: false, inputMask: 0xffff };
    if (f.property.length % 4 !== 0) {
      // OF_getprop_alloc_multi(): `len % elsz != 0` is -1, the property reads as absent
      // read as absent: iommu-map ENOENT (no IOMMU); msi-map: msi-parent with DeviceID = RID
      const absent = `${node.path}: ${name} is not whole cells: read as absent`;
      return { map: buildMap(f, { entries: [] }, { ...walk, miss: { bypass: () => absent } }), notes: [] };
    }
    const gap =
      kind === 'msi'
        ? {
            error: {
              errno: 'ENOENT' as const,
              log: `${node.path}: no msi-map entry for the RID: ENOENT, MSI allocation fails`,
            },
          }
        : { bypass: () => `${node.path}: no iommu-map entry for the RID: ENOENT, smmu_find() fails, no IOMMU` };
    return { map: fourCellMap(tree, node, kind, { ...walk, miss: gap })!, notes: [] };
  },
};
