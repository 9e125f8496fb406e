// freebsd: ofw_bus_iommu_map() and ofw_bus_msimap() in sys/dev/ofw/ofw_bus_subr.c, with
// OF_getprop_alloc_multi() in sys/dev/ofw/openfirm.c (freebsd/freebsd-src, stored version
// c9ee87df3d84), called by the PCI host drivers (pci_dw.c, pci_host_generic_fdt.c).
// - The RID is a uint16_t; the map is read as 4-cell entries with no length check: a property
//   that is not whole cells reads as absent (OF_getprop_alloc_multi() returns -1), and a tail of
//   1-3 cells is read past the end of the buffer (undefined).
// - No check of rid-base against the mask; the phandle is returned as an xref, not resolved (a
//   dangling one fails later, when the xref names no controller).
// - Range test `masked_rid >= rid_base + rid_length` in u32, as classic Linux.
// - A RID no entry matches is ENOENT: an error (MSI allocation fails, the SMMU gets no stream),
//   where Linux bypasses. An empty iommu-map (`len <= 0`) or msi-map matches nothing: ENOENT.
import { fourCellMap, isPciBridge, NAMES } from '../map.js';
import type { Reader } from './reader.js';

export const freebsd: Reader = {
  name: 'freebsd',
  title: 'FreeBSD ofw_bus_iommu_map() / ofw_bus_msimap()',
  uses: { target: true, id: true },
  form: 'classic',
  parse(tree, node, kind) {
    if (!isPciBridge(node)) return undefined;
    const read = fourCellMap(tree, node, kind);
    if (!read) return undefined;
    const { map: m, leftover } = read;
    const name = NAMES[kind].map;
    m.noMaskCheck = true;
    m.inputMask = 0xffff;
    if (m.property.length % 4 !== 0) {
      // OF_getprop_alloc_multi(): `len % elsz != 0` is -1, the property reads as absent
      m.entries = [];
      if (kind === 'iommu') m.gap = { errno: 'ENOENT', log: `${node.path}: ${name} is not whole cells: read as absent, ENOENT` };
      return m; // msi-map absent: msi-parent and DeviceID = RID, as a bypass
    }
    if (leftover) m.tail = { errno: 'EFAULT', log: `${node.path}: ${name} has ${m.property.cellCount} cells: the last entry is read past the end of the property (undefined)`, cell: m.property.cellCount - leftover };
    m.gap = { errno: 'ENOENT', log: `${node.path}: no ${name} entry for the RID: ENOENT` };
    return m;
  },
};
