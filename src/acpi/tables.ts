// The ACPI front of the translation core: an IORT's nodes made core tables the way Linux walks
// them (drivers/acpi/arm64/iort.c, Linux 6.12: iort_node_map_id(), iort_id_map(),
// iort_get_id_mapping_index(), iort_node_get_id()), and a VIOT's PCI ranges the way
// drivers/acpi/viot.c matches them. The core walks the tables; nothing here walks IDs itself.
import { rowRange, type LookupOf, type Provisional, type Row, type Table, type CoverageOf } from '../core/index.js';
import type { Iort, IortIdMapping, IortNode, Viot, ViotNode } from './model.js';

/** What a walk looks for: an IOMMU (a StreamID) or an ITS group (a DeviceID). */
export type AcpiKind = 'iommu' | 'msi';

/** One ID mapping of a node, as a row of the node's walk table. */
export interface IortRow extends Row<IortNode> {
  node: IortNode;
  mapping: IortIdMapping;
}
export type IortTable = Table<IortNode, IortRow>;
export type IortLookup = LookupOf<IortNode, IortRow>;
export type IortCoverage = CoverageOf<IortNode, IortRow>;

const TYPE = { its: 0, nc: 1, rc: 2, smmu: 3, smmuV3: 4, pmcg: 5 } as const;

/** IORT_IOMMU_TYPE and IORT_MSI_TYPE: the node types a walk stops at. */
export const STOPS: Record<AcpiKind, ReadonlySet<number>> = {
  iommu: new Set([TYPE.smmu, TYPE.smmuV3]),
  msi: new Set([TYPE.its]),
};

/** A node as messages name it: its type and table offset (what output references hold). */
export const nodeName = (n: { typeName: string; offset: number }): string => `${n.typeName}@0x${n.offset.toString(16)}`;

// The kernel prints pointers (%p) as hashed values; dtmap prints the table offset in their place.
const ptr = (offset: number) => `IORT+0x${offset.toString(16)}`;
const FW_BUG = 'ACPI: IORT: [Firmware Bug]: ';

/** Hops a walk may take before dtmap calls it a loop (the kernel's own loop never ends). */
export const MAX_HOPS = 16;

/**
 * iort_get_id_mapping_index(): the mapping an SMMUv3 or PMCG uses for its own MSIs, which the walk
 * skips; -1 when there is none. `log` is the kernel's line for an index past the mappings.
 * Linux 6.2+ reads the DeviceID-valid flag from node revision 5 (IORT E.e); 6.1 and older take
 * the index unless all four GSIVs are set, whatever the revision.
 */
export function mappingIndex(node: IortNode): { index: number; log: string | null } {
  const none = { index: -1, log: null };
  if (node.type === TYPE.smmuV3 && node.smmuV3) {
    const s = node.smmuV3;
    if (node.revision < 1) return none;
    if (node.revision < 5) {
      if (s.eventGsiv && s.priGsiv && s.gerrGsiv && s.syncGsiv) return none;
    } else if (!(s.flags & (1 << 4))) return none; // ACPI_IORT_SMMU_V3_DEVICEID_VALID
    const index = s.idMappingIndex ?? 0;
    if (index >= node.mappingCount)
      return {
        index: -1,
        log: `${FW_BUG}[node ${ptr(node.offset)} type ${node.type}] ID mapping index overflows valid mappings`,
      };
    return { index, log: null };
  }
  if (node.type === TYPE.pmcg && node.pmcg) {
    if (node.pmcg.overflowGsiv || node.mappingCount === 0) return none;
    return { index: 0, log: null };
  }
  return none;
}

/** iort_id_map() takes a SINGLE mapping only on a named component or a root complex. */
export const singleApplies = (node: IortNode): boolean => node.type === TYPE.nc || node.type === TYPE.rc;

const provisional: Provisional<IortRow> = {
  conflict: (row, id) =>
    `${FW_BUG}[map ${ptr(row.mapping.offset)}] conflicting mapping for input ID 0x${id.toString(16)}`,
  workaround: `${FW_BUG}applying workaround.`,
};

/**
 * The walks of one IORT: `walk(start, kind)` is the table of iort_node_map_id() from `start`,
 * whose `next` goes on through the nodes the rows name until a node of the kind's type. Tables
 * are made per path, so a reference cycle shows as a walk that reaches MAX_HOPS.
 */
export function iortWalks(iort: Iort): (start: IortNode, kind: AcpiKind) => IortTable {
  const byOffset = new Map(iort.nodes.map((n) => [n.offset, n] as const));
  const made = new Map<string, IortTable>();
  const make = (node: IortNode, kind: AcpiKind, depth: number): IortTable => {
    const key = `${node.offset}/${kind}/${depth}`;
    let t = made.get(key);
    if (!t) made.set(key, (t = table(node, kind, depth)));
    return t;
  };
  const table = (node: IortNode, kind: AcpiKind, depth: number): IortTable => {
    const miss = { bypass: () => null }; // fail_map: the input ID passes on, nothing is logged
    const mask = 0xffffffff;
    if (depth >= MAX_HOPS) return { rows: [], mask, miss, fatal: { errno: 'ELOOP', log: null } };
    if (!node.mappingOffset || !node.mappingCount || !node.mappings.length) return { rows: [], mask, miss };
    if (!node.mappings[0]!.outputReference) {
      // iort_node_map_id(): only the first mapping's reference is checked, and the node then maps nothing
      const log = `${FW_BUG}[node ${ptr(node.offset)} type ${node.type}] ID map has NULL parent reference`;
      return { rows: [], mask, miss: { bypass: () => log } };
    }
    const special = mappingIndex(node);
    const rows: IortRow[] = [];
    for (const m of node.mappings) {
      if (m.index === special.index) continue; // the node's own MSI mapping: never walked through
      const target = byOffset.get(m.outputReference);
      const row: IortRow = {
        index: m.index,
        node,
        mapping: m,
        range: rowRange(m.inputBase, m.idCount, 'inclusive'),
        base: m.inputBase,
        target,
        out: [m.outputBase],
      };
      if (m.single) {
        if (singleApplies(node)) Object.assign(row, { range: [0, 0xffffffff], single: true });
        else
          Object.assign(row, {
            range: null,
            note: `${FW_BUG}[map ${ptr(m.offset)}] SINGLE MAPPING flag not allowed for node type ${node.type}, skipping ID map`,
          });
      }
      // the kernel goes on at whatever the reference points into: dtmap stops there
      if (!target) row.error = { errno: 'EFAULT', log: null };
      rows.push(row);
    }
    if (special.log && rows.length) rows[0] = { ...rows[0]!, note: joinNote(special.log, rows[0]!.note) };
    return {
      rows,
      mask,
      miss,
      provisional,
      next: (t) => (STOPS[kind].has(t.type) ? undefined : make(t, kind, depth + 1)),
    };
  };
  return (start, kind) => make(start, kind, 0);
}

const joinNote = (a: string, b: string | undefined) => (b ? `${a}\n${b}` : a);

/**
 * iort_scan_node() with iort_match_node_callback(): the root complex Linux takes for a PCI
 * segment is the first in table order whose segment number matches.
 */
export function rootComplexFor(iort: Iort, segment: number): IortNode | undefined {
  return iort.nodes.find((n) => n.type === TYPE.rc && n.rootComplex?.segment === segment);
}

/** Every segment the root complexes name, in table order, each with the node Linux takes. */
export function segments(iort: Iort): Array<{ segment: number; node: IortNode; shadowed: IortNode[] }> {
  const out = new Map<number, { segment: number; node: IortNode; shadowed: IortNode[] }>();
  for (const n of iort.nodes) {
    if (n.type !== TYPE.rc || !n.rootComplex) continue;
    const seg = n.rootComplex.segment;
    const s = out.get(seg);
    if (s) s.shadowed.push(n);
    else out.set(seg, { segment: seg, node: n, shadowed: [] });
  }
  return [...out.values()];
}

/**
 * iort_node_get_id(): the first hop of a platform walk (a named component's, an SMMU's or a
 * PMCG's own IDs): the `index`th mapping, taken only when it is SINGLE on a node type that
 * allows it there (named component, root complex, SMMUv3, PMCG).
 */
export function firstHop(
  iort: Iort,
  node: IortNode,
  index: number,
): { parent: IortNode | undefined; id: number | undefined; log: string | null } {
  const none = { parent: undefined, id: undefined, log: null };
  if (!node.mappingOffset || !node.mappingCount || index >= node.mappingCount) return none;
  const m = node.mappings[index];
  if (!m) return none;
  if (!m.outputReference)
    return { ...none, log: `${FW_BUG}[node ${ptr(node.offset)} type ${node.type}] ID map has NULL parent reference` };
  const ok = [TYPE.nc, TYPE.rc, TYPE.smmuV3, TYPE.pmcg] as number[];
  if (!m.single || !ok.includes(node.type)) return none;
  return { parent: iort.nodes.find((n) => n.offset === m.outputReference), id: m.outputBase, log: null };
}

// ---- VIOT ------------------------------------------------------------------------------------

/** A VIOT PCI range, as a row of one segment's table: its endpoints on a virtio-iommu. */
export interface ViotRow extends Row<ViotNode> {
  node: ViotNode;
}
export type ViotTable = Table<ViotNode, ViotRow>;

const VIOT_IOMMU = new Set([3, 4]);

/**
 * The endpoint IDs a VIOT gives the RIDs of one PCI segment, as viot_pci_dev_iommu_init() finds
 * them: viot_parse_node() adds each range at the head of its list (list_add()), so the last range
 * in the table that holds a RID wins; a range whose output node is not a virtio-iommu is dropped
 * ("No IOMMU node found"); the virtio-iommu's own function is refused (viot_dev_iommu_init():
 * -EINVAL, not translating itself). A node the kernel stops parsing at ends the list.
 */
export function viotTable(viot: Viot, segment: number): ViotTable {
  const byOffset = new Map(viot.nodes.map((n) => [n.offset, n] as const));
  const rows: ViotRow[] = [];
  for (const n of viot.nodes) {
    const r = n.pciRange;
    if (!r || segment < r.segmentStart || segment > r.segmentEnd) continue;
    const target = byOffset.get(r.outputNode);
    if (!target || !VIOT_IOMMU.has(target.type)) continue;
    const range: [number, number] | null = r.bdfStart <= r.bdfEnd ? [r.bdfStart, r.bdfEnd] : null;
    rows.unshift({
      index: 0,
      node: n,
      range,
      base: r.bdfStart,
      target,
      out: [(((segment - r.segmentStart) << 16) + r.endpointStart) >>> 0],
    });
  }
  // the virtio-iommu's own PCI function, where the range that holds it names that virtio-iommu
  for (const self of viot.nodes) {
    const bdf = self.virtioPci?.segment === segment ? self.virtioPci.bdf : undefined;
    if (bdf === undefined) continue;
    const holder = rows.find((r) => r.range && r.range[0] <= bdf && bdf <= r.range[1]);
    if (holder?.target === self)
      rows.unshift({
        index: 0,
        node: self,
        range: [bdf, bdf],
        base: bdf,
        target: undefined,
        out: [],
        error: { errno: 'EINVAL', log: null },
      });
  }
  rows.forEach((row, i) => (row.index = i));
  return { rows, mask: 0xffff, miss: { bypass: () => null } };
}
