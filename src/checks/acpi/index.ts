// The ACPI rules and their runner: each rule reads the ACPI machine once and reports at a table,
// a node or an ID mapping; findings are the same Diagnostics as the devicetree rules', named
// `IORT/root-complex@0x48` and `mappings[1]`, so formats, severities and baselines treat both alike.
import type { AcpiMachine } from '../../acpi/machine.js';
import { nodeName } from '../../acpi/tables.js';
import type { Diagnostic, Severity } from '../types.js';
import type { AcpiPlace, AcpiRule } from './types.js';
import { iortNoIommu, iortNoIts } from './reach.js';
import { iortOverlap } from './overlap.js';
import { iortCycle, iortReference } from './reference.js';
import { iortMappingIndex, iortRmrRevision, iortSingle } from './node.js';
import { acpiTable, iortSegment } from './table.js';
import { iortSharedId } from './shared.js';

export type { AcpiRule, AcpiReport, AcpiPlace, AcpiAt } from './types.js';

/** The ACPI rules, in the order their findings sort. */
export const ACPI_RULES: readonly AcpiRule[] = [
  acpiTable,
  iortReference,
  iortCycle,
  iortSegment,
  iortMappingIndex,
  iortSingle,
  iortOverlap,
  iortNoIts,
  iortNoIommu,
  iortSharedId,
  iortRmrRevision,
];

const RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/** Where a place is, as a Diagnostic names it. */
export const placeNode = (p: AcpiPlace): string => (p.node ? `${p.table}/${nodeName(p.node)}` : p.table);

/** Every ACPI rule on the machine; `rules` sets a rule's severity or turns it off. */
export function checkAcpi(m: AcpiMachine, opts: { rules?: Record<string, Severity | 'off'> } = {}): Diagnostic[] {
  const out: Array<{ d: Diagnostic; offset: number }> = [];
  for (const rule of ACPI_RULES) {
    const configured = opts.rules?.[rule.id];
    if (configured === 'off') continue;
    rule.check(m, {
      at(place, f) {
        out.push({
          offset: (place.table === 'VIOT' ? 1 << 30 : 0) + (place.node?.offset ?? 0),
          d: {
            rule: rule.id,
            severity: configured ?? f.severity ?? rule.severity,
            node: placeNode(place),
            property: place.mapping === undefined ? null : `mappings[${place.mapping}]`,
            message: f.message,
            rids: f.rids ?? [],
            entry: place.mapping ?? null,
          },
        });
      },
    });
  }
  const order = new Map(ACPI_RULES.map((r, i) => [r.id, i]));
  return out
    .map((x, k) => ({ ...x, k }))
    .sort(
      (a, b) =>
        a.offset - b.offset ||
        RANK[a.d.severity] - RANK[b.d.severity] ||
        order.get(a.d.rule)! - order.get(b.d.rule)! ||
        a.k - b.k,
    )
    .map((x) => x.d);
}
