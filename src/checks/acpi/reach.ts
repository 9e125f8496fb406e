// iort-no-iommu and iort-no-its: the RIDs of a root complex whose walk (iort_node_map_id()) ends
// at no SMMU, or at no ITS group, grouped by why.
import { mergeRanges } from '../../core/ranges.js';
import type { AcpiMachine } from '../../acpi/machine.js';
import type { IortNode } from '../../acpi/model.js';
import { nodeName, type AcpiKind } from '../../acpi/tables.js';
import { count, idRange, ridList } from '../../words.js';
import type { AcpiReport, AcpiRule } from './types.js';

/** Why a RID's walk reached nothing: the node it ended at, from the hops and the kernel's lines. */
function why(start: IortNode, via: ReadonlyArray<{ target: IortNode }>, goal: string): string {
  const end = via.length ? via[via.length - 1]!.target : start;
  if (end.mappings[0]?.outputReference === 0)
    return `the first ID mapping of ${via.length ? nodeName(end) : 'the root complex'} has a NULL output reference, so Linux maps nothing through it`;
  if (via.length) {
    return `their walk goes ${via.map((h) => nodeName(h.target)).join(' -> ')} and ends there, with no ${goal} on the way`;
  }
  const taken = start.mappings.map((m) => idRange(m.inputBase, m.inputBase + m.idCount));
  return taken.length
    ? `no ID mapping of the root complex holds them (its mappings take ${taken.slice(0, 4).join(', ')}${taken.length > 4 ? ', ...' : ''})`
    : 'the root complex has no ID mappings';
}

/** `effect`: what happens to the RIDs (the first sentence); `because`: the kernel's part, which
 *  leads the second sentence, before why the walk reached nothing. */
function report(m: AcpiMachine, kind: AcpiKind, r: AcpiReport, goal: string, effect: string, because = ''): void {
  for (const s of m.segments) {
    const t = s.tables[kind];
    const rc = s.rootComplex;
    if (!t || t.source !== 'IORT' || !rc) continue;
    const groups = new Map<string, Array<[number, number]>>();
    for (const g of t.coverage.segments)
      if (g.status === 'bypass') {
        const reason = why(rc, g.via, goal);
        groups.set(reason, [...(groups.get(reason) ?? []), [g.first, g.last]]);
      }
    for (const [reason, list] of groups) {
      const rids = mergeRanges(list);
      const n = rids.reduce((a, [x, y]) => a + y - x + 1, 0);
      const which =
        n === 0x10000 ? `Every RID (${ridList(rids)}) reaches` : `${count(n, 'RID')} (${ridList(rids)}) reach`;
      r.at(
        { table: 'IORT', node: rc },
        {
          rids,
          message: `${which} no ${goal}: ${effect}. ${because}${because ? '; ' + reason : reason[0]!.toUpperCase() + reason.slice(1)}.`,
        },
      );
    }
  }
}

export const iortNoIommu: AcpiRule = {
  id: 'iort-no-iommu',
  severity: 'info',
  description: "a root complex's RIDs whose IORT walk reaches no SMMU: Linux gives them no IOMMU",
  check(m, r) {
    if (!m.iort?.nodes.some((n) => n.type === 3 || n.type === 4)) return; // no SMMU at all: nothing to miss
    report(m, 'iommu', r, 'SMMU', 'Linux gives them no IOMMU, so it does not translate their DMA');
  },
};

export const iortNoIts: AcpiRule = {
  id: 'iort-no-its',
  severity: 'error',
  description: "a root complex's RIDs whose IORT walk reaches no ITS group: no MSI domain",
  check(m, r) {
    if (!m.iort?.nodes.some((n) => n.type === 0)) return; // no ITS: MSIs are not the IORT's business
    report(
      m,
      'msi',
      r,
      'ITS group',
      'on the root bus their MSIs fail; behind a bridge with an MSI domain they take it, with DeviceID = RID',
      "Linux finds no MSI domain for them in the IORT (iort_get_device_domain()), and a function there takes its bus's domain, with its RID as DeviceID, when a bridge above it has one (pci_set_msi_domain())",
    );
  },
};
