// pci-imx6: the i.MX95 LUT, imx_pcie_enable_device() and imx_pcie_add_lut() in
// drivers/pci/controller/dwc/pci-imx6.c (torvalds/linux, the version of commit bc92494deb1c,
// January 2025; later factored into imx_pcie_add_lut_by_rid() by 9d0ca8df2451, whose diff in the
// 2026 cells series shows the same checks). Per enabled PCI device (RID):
// - iommu-map and msi-map are looked up by of_map_id() (the classic reader); a bypass on
//   iommu-map counts as "no IOMMU", a bypass on msi-map fails the device (-EINVAL: "RID out of
//   range", the 6-bit StreamID cannot hold a 1:1 RID);
// - both translated: the iommu SID must equal the msi DeviceID under IMX95_SID_MASK (0x3f: the
//   MSI glue adds a 2-bit controller ID), else -EINVAL ("iommu-map and msi-map entries mismatch!");
// - the StreamID written is the iommu SID (else the msi DeviceID & 0x3f), passed as a u8: 64-255
//   is -EINVAL ("Invalid SID"), and above 0xff the high bits are silently dropped;
// - the LUT has IMX95_MAX_LUT = 32 entries: the 33rd device needing one gets -ENOSPC (counted
//   here, in RID order, over the PCI devices the tree describes and the RIDs an entry of either
//   map names by its rid-base: the map's author expected a device there).
// A device that fails gets neither its IOMMU nor its MSIs.
import type { Node } from '../../tree/model.js';
import { sweep, type WalkError } from '../../core/index.js';
import { busRange, buildMap, parseMap, type EntryCells, type ParsedMap, type Segment } from '../map.js';
import type { Reader } from './reader.js';

const SID_MASK = 0x3f;
const MAX_LUT = 32;

type Outcome = { error: WalkError } | { lut: number | undefined };

/** The RIDs a device is expected at: described PCI devices' (the first `reg` cell) under the
 *  bridge, and each entry's rid-base in the maps; sorted. */
function expectedRids(bridge: Node, maps: Array<ParsedMap | undefined>): number[] {
  const rids = new Set<number>();
  for (const n of bridge.walk()) {
    const reg = n.prop('reg');
    if (n !== bridge && reg && reg.cellCount >= 3) rids.add((reg.u32(0)! >>> 8) & 0xffff);
  }
  for (const m of maps) for (const e of m?.entries ?? []) rids.add(e.ridBase);
  return [...rids].sort((a, b) => a - b);
}

type Result = { segment: Segment; out: number | undefined };

/** imx_pcie_enable_device() for one RID: the device fails, or gets a LUT StreamID (or none). */
function enable(iommu: Result | undefined, msi: Result | undefined): Outcome {
  const fail = (log: string): Outcome => ({ error: { errno: 'EINVAL', log } });
  const sidI = iommu?.segment.status === 'translated' ? iommu.out : undefined; // err_i == 0 only with a target
  if (msi?.segment.status === 'bypass') return fail('msi-map has no entry for the RID (-EINVAL)');
  const sidM = msi?.segment.status === 'translated' ? msi.out : undefined;
  if (sidI === undefined && sidM === undefined) return { lut: undefined };
  if (sidI !== undefined && sidM !== undefined && sidI !== (sidM & SID_MASK))
    return fail('iommu-map and msi-map entries mismatch!');
  const sid = (sidI ?? sidM! & SID_MASK) & 0xff; // imx_pcie_add_lut(..., u8 sid)
  if (sid >= 64) return fail(`Invalid SID for index ${sid}`);
  return { lut: sid };
}

export const pciImx6: Reader = {
  name: 'pci-imx6',
  family: 'driver',
  title: 'i.MX95 PCIe LUT (imx_pcie_enable_device)',
  uses: { target: true, id: true },
  form: 'classic',
  parse(tree, node, kind) {
    if (!(node.prop('compatible')?.strings() ?? []).includes('fsl,imx95-pcie')) return undefined;
    const own = parseMap(tree, node, kind, 'classic');
    if (!own) return undefined;
    const iommu = kind === 'iommu' ? own : parseMap(tree, node, 'iommu', 'classic');
    const msi = kind === 'msi' ? own : parseMap(tree, node, 'msi', 'classic');
    const [bus0, bus1] = busRange(node);
    const [first, last] = [bus0 << 8, (bus1 << 8) | 0xff];
    // of_map_id() on each map, RID after RID in increasing order
    const walks = () => ({
      i: iommu && sweep(iommu.table, first, last),
      m: msi && sweep(msi.table, first, last),
      o: sweep(own.table, first, last),
    });
    const needing: number[] = [];
    let w = walks();
    for (const rid of expectedRids(node, [iommu, msi]).filter((r) => r >= first && r <= last)) {
      const o = enable(w.i?.(rid), w.m?.(rid));
      if ('lut' in o && o.lut !== undefined) needing.push(rid);
    }
    const full = new Set(needing.slice(MAX_LUT));
    // One run of entries per stretch of RIDs with the same result, as the shared engine walks them.
    const entries: EntryCells[] = [];
    w = walks();
    for (let rid = first; rid <= last; rid++) {
      const linux = w.o(rid);
      const s = linux.segment;
      const enabled = enable(w.i?.(rid), w.m?.(rid));
      const o: Outcome = full.has(rid)
        ? { error: { errno: 'ENOSPC', log: `LUT entry is not available (${MAX_LUT} in use)` } }
        : enabled;
      let e: Omit<EntryCells, 'cell' | 'length'> | undefined;
      if ('error' in o) e = { ridBase: rid, phandle: 0, target: undefined, out: [], error: o.error };
      else if (s.status === 'translated')
        e = {
          ridBase: rid,
          phandle: s.entry.phandle,
          target: s.target,
          out: [kind === 'iommu' && o.lut !== undefined ? o.lut : linux.out!],
        };
      else if (s.status === 'error')
        e = { ridBase: rid, phandle: 0, target: undefined, out: [], error: { errno: s.errno, log: s.log } };
      if (!e) continue; // bypass: as Linux
      const prev = entries[entries.length - 1];
      const follows =
        prev &&
        prev.ridBase + prev.length === rid &&
        prev.target === e.target &&
        prev.error?.log === e.error?.log &&
        (e.out.length ? prev.out[0]! + prev.length === e.out[0] : true);
      if (follows) prev.length++;
      else entries.push({ ...e, cell: own.entries[0]?.cell ?? 0, length: 1 });
    }
    const notes =
      needing.length > MAX_LUT
        ? [
            `${needing.length} RIDs need a LUT entry (the described devices and the maps' rid-bases); the LUT holds ${MAX_LUT}`,
          ]
        : [];
    const map = buildMap({ ...own, mask: 0xffffffff }, { entries }, { maskCheck: false });
    return { map, notes };
  },
};
