// pcie-qcom: qcom_pcie_config_sid_1_9_0() in drivers/pci/controller/dwc/pcie-qcom.c
// (torvalds/linux as stored: the match table has "qcom,hawi-pcie" and cfg_1_34_0; U-Boot's
// drivers/pci/pcie_dw_qcom.c at 6073c36b2c8d has the same body, but seeds its CRC with 7).
// The driver programs the controller's BDF-to-SID table from iommu-map by hand:
// - fixed 4-cell rows `{bdf, phandle, smmu_sid, smmu_sid_len}`, nr_map = size / 16, whatever the
//   targets' #iommu-cells: 5-cell rows slip one cell per row; iommu-map-mask and the length cell
//   are ignored (a row of length > 1 programs its first BDF only); phandles are never read;
// - slot = crc8(MSB-first, polynomial 0x07, seed 0) of the BDF as a big-endian u16, 256 slots;
//   an occupied slot (any non-zero value) sends the row to the next slot, chaining the NEXT field
//   of each slot it passes whose NEXT is still 0 (NEXT = 0 also ends a chain, so a chain cannot
//   wrap past slot 255);
// - each slot is `BDF [31:16] | SID [15:8] | NEXT [7:0]`, SID = smmu_sid - the first row's
//   smmu_sid: an offset above 0xff (or below 0) spills into the BDF field.
// A slot written as 0 (BDF 0 at offset 0: the first row of nearly every map) looks free to the
// rows after it, so a later row hashing there overwrites it. The controller then finds a BDF by
// hashing it and following NEXT from that slot; its SID is the first row's smmu_sid plus the
// 8-bit offset. Modelled here; a BDF the walk does not find is not in the table, which is
// compared as a bypass (Linux's view of such a RID is "no IOMMU" too; what SID the controller then
// sends is not in the driver).
// The controllers whose driver configuration runs it: CONFIG_SID below.
import type { Node } from '../../tree/model.js';
import { buildMap, isPciBridge, mapFacts, type EntryCells } from '../map.js';
import type { Reader } from './reader.js';

/**
 * The compatibles whose match-table configuration has `.config_sid = qcom_pcie_config_sid_1_9_0`
 * (ops_1_9_0, used by cfg_1_9_0 and cfg_1_34_0), read from the qcom_pcie_match[] table of
 * drivers/pci/controller/dwc/pcie-qcom.c as stored in torvalds/linux (the version with
 * "qcom,hawi-pcie"). Not listed: sa8540p, sc8280xp and x1e80100, whose cfg_sc8280xp has
 * ops_1_21_0, the same ops without config_sid ("PCI: qcom: Remove BDF2SID mapping config for
 * SC8280X family SoC": those controllers sit behind an SMMUv3 and need no BDF-to-SID table).
 * Linux 6.12 as released still gave cfg_sc8280xp ops_1_9_0, so its driver wrote the table there
 * too, a table that fix says those SoCs do not use; dtmap follows the fix.
 */
export const CONFIG_SID: readonly string[] = [
  'qcom,hawi-pcie',
  'qcom,pcie-sa8775p',
  'qcom,pcie-sc7280',
  'qcom,pcie-sc8180x',
  'qcom,pcie-sdx55',
  'qcom,pcie-sm8150',
  'qcom,pcie-sm8250',
  'qcom,pcie-sm8350',
  'qcom,pcie-sm8450-pcie0',
  'qcom,pcie-sm8450-pcie1',
  'qcom,pcie-sm8550',
];

/** The rest of that match table: configurations without config_sid. of_match_device() takes the
 *  node's first compatible the table knows, so `"qcom,pcie-sc8280xp", "qcom,pcie-sm8250"` (no such
 *  node exists) would be sc8280xp's. */
const NO_CONFIG_SID: readonly string[] = [
  'qcom,pcie-apq8064',
  'qcom,pcie-apq8084',
  'qcom,pcie-ipq4019',
  'qcom,pcie-ipq5018',
  'qcom,pcie-ipq6018',
  'qcom,pcie-ipq8064',
  'qcom,pcie-ipq8064-v2',
  'qcom,pcie-ipq8074',
  'qcom,pcie-ipq8074-gen3',
  'qcom,pcie-ipq9574',
  'qcom,pcie-msm8994',
  'qcom,pcie-msm8996',
  'qcom,pcie-qcs404',
  'qcom,pcie-sa8255p',
  'qcom,pcie-sa8540p',
  'qcom,pcie-sc8280xp',
  'qcom,pcie-sdm845',
  'qcom,pcie-x1e80100',
];

/** crc8_populate_msb(table, 0x07) then crc8(table, bytes, 2, 0) (lib/crc8.c). */
export function crc8(bdf: number): number {
  let crc = 0;
  for (const byte of [(bdf >> 8) & 0xff, bdf & 0xff]) {
    crc ^= byte;
    for (let i = 0; i < 8; i++) crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xff : (crc << 1) & 0xff;
  }
  return crc;
}

export interface SidTable {
  slots: Uint32Array;
  /** First row's smmu_sid: what the 8-bit offsets are added to. */
  base: number;
  notes: string[];
}

/** The table qcom_pcie_config_sid_1_9_0() writes for these rows (cells in property order). */
export function programTable(cells: number[]): SidTable {
  const slots = new Uint32Array(256);
  const notes: string[] = [];
  const rows = Math.floor(cells.length / 4);
  const base = rows ? cells[2]! : 0;
  const owner = new Map<number, number>(); // slot -> BDF written there
  for (let i = 0; i < rows; i++) {
    const bdf = cells[4 * i]! & 0xffff; // cpu_to_be16(map[i].bdf)
    const sid = cells[4 * i + 2]!;
    const home = crc8(bdf);
    let hash = home;
    let steps = 0;
    while (slots[hash] !== 0) {
      const current = hash;
      hash = (hash + 1) & 0xff;
      if ((slots[current]! & 0xff) === 0) slots[current] = (slots[current]! | hash) >>> 0;
      if (++steps > 256) {
        notes.push(`row ${i} (BDF 0x${bdf.toString(16)}): all 256 slots are taken; the driver loops forever`);
        return { slots, base, notes };
      }
    }
    if (hash !== home)
      notes.push(
        `BDF 0x${bdf.toString(16)} hashes to slot ${home}, taken by BDF 0x${(owner.get(home) ?? 0).toString(16)}: stored in slot ${hash}`,
      );
    else if (owner.has(hash))
      notes.push(
        `BDF 0x${bdf.toString(16)} hashes to slot ${home}, which holds BDF 0x${owner.get(home)!.toString(16)} written as 0 (looks free): overwritten`,
      );
    const offset = (sid - base) >>> 0;
    if (offset > 0xff)
      notes.push(
        `BDF 0x${bdf.toString(16)}: SID 0x${sid.toString(16)} is 0x${offset.toString(16)} from the first row's 0x${base.toString(16)}: more than the 8-bit field holds, the rest spills into the BDF field`,
      );
    slots[hash] = (((cells[4 * i]! << 16) | (offset << 8)) & 0xffffff00) >>> 0;
    owner.set(hash, bdf);
  }
  return { slots, base, notes };
}

/** The controller's lookup: hash the BDF, follow NEXT until the BDF field matches. */
export function tableLookup(t: SidTable, bdf: number): number | undefined {
  let slot = crc8(bdf);
  for (let steps = 0; steps < 256; steps++) {
    const v = t.slots[slot]!;
    if (v >>> 16 === bdf) return (t.base + ((v >>> 8) & 0xff)) >>> 0;
    if ((v & 0xff) === 0) return undefined;
    slot = v & 0xff;
  }
  return undefined;
}

/** The driver binds this node with a configuration that programs the BDF-to-SID table. */
export function programsSidTable(node: Node): boolean {
  const compatible = node.prop('compatible')?.strings() ?? [];
  const match = compatible.find((c) => CONFIG_SID.includes(c) || NO_CONFIG_SID.includes(c));
  return match !== undefined && CONFIG_SID.includes(match);
}

export const pcieQcom: Reader = {
  name: 'pcie-qcom',
  family: 'driver',
  title: 'Qualcomm PCIe BDF-to-SID table (qcom_pcie_config_sid_1_9_0)',
  uses: { target: false, id: true },
  form: 'classic',
  parse(tree, node, kind) {
    if (kind !== 'iommu' || !isPciBridge(node) || !programsSidTable(node)) return undefined;
    const f = mapFacts(node, kind, 'classic');
    if (!f) return undefined;
    const property = f.property;
    const cells: number[] = [];
    for (let c = 0; c < property.cellCount; c++) cells.push(property.u32(c)!);
    const table = programTable(cells);
    // The SIDs go to the controller's SMMU: the first row's target (the phandle cells are never read).
    const target = cells.length >= 4 ? (tree.byPhandle(cells[1]!) ?? node) : node;
    const bdfs = new Set<number>([0]);
    for (const v of table.slots) bdfs.add(v >>> 16);
    const entries: EntryCells[] = [];
    for (const bdf of [...bdfs].sort((a, b) => a - b)) {
      const sid = cells.length >= 4 ? tableLookup(table, bdf) : undefined;
      if (sid !== undefined)
        entries.push({ cell: 0, ridBase: bdf, phandle: cells[1] ?? 0, target, out: [sid], length: 1 });
    }
    const map = buildMap(
      { ...f, mask: 0xffffffff, maskProperty: undefined }, // iommu-map-mask is not read
      { entries },
      { maskCheck: false, miss: { bypass: () => `${node.path}: the BDF is not in the controller's BDF-to-SID table` } },
    );
    return { map, notes: table.notes };
  },
};
