// iort-shared-id: one StreamID on one SMMU, or one DeviceID on one ITS group, given to RIDs of two
// root complexes. arm_smmu_insert_master() refuses a StreamID a second time (the second device
// gets no IOMMU); two functions on one DeviceID share one ITS table.
import type { AcpiKind } from '../../acpi/tables.js';
import { nodeName } from '../../acpi/tables.js';
import { idRange, ID_NAME } from '../../words.js';
import type { AcpiRule } from './types.js';

interface Run {
  segment: number;
  target: object;
  name: string;
  lo: number;
  hi: number;
}

export const iortSharedId: AcpiRule = {
  id: 'iort-shared-id',
  severity: 'warning',
  description: 'a StreamID or DeviceID given to RIDs of two root complexes',
  check(m, r) {
    for (const kind of ['iommu', 'msi'] as AcpiKind[]) {
      const runs: Run[] = [];
      for (const s of m.segments) {
        const t = s.tables[kind];
        if (t?.source !== 'IORT') continue;
        for (const g of t.coverage.segments)
          if (g.status === 'translated' && g.idFirst !== undefined && g.idLast !== undefined)
            runs.push({
              segment: s.segment,
              target: g.target,
              name: nodeName(g.target),
              lo: Math.min(g.idFirst, g.idLast),
              hi: Math.max(g.idFirst, g.idLast),
            });
      }
      runs.sort((a, b) => a.name.localeCompare(b.name) || a.lo - b.lo);
      const told = new Set<string>();
      for (let i = 0; i < runs.length; i++)
        for (let j = i + 1; j < runs.length && runs[j]!.target === runs[i]!.target && runs[j]!.lo <= runs[i]!.hi; j++) {
          const [a, b] = [runs[i]!, runs[j]!];
          if (a.segment === b.segment) continue;
          const key = `${a.name}/${Math.min(a.segment, b.segment)}/${Math.max(a.segment, b.segment)}`;
          if (told.has(key)) continue;
          told.add(key);
          const later = m.segments.find((s) => s.segment === Math.max(a.segment, b.segment))!;
          r.at(
            { table: 'IORT', node: later.rootComplex! },
            {
              severity: kind === 'iommu' ? 'warning' : 'info',
              message: `${ID_NAME[kind]}s ${idRange(Math.max(a.lo, b.lo), Math.min(a.hi, b.hi))} on ${a.name} are given to RIDs of segment ${a.segment} and of segment ${b.segment}: ${kind === 'iommu' ? 'the second device to probe gets no IOMMU. The SMMU driver takes a StreamID once (arm_smmu_insert_master())' : 'the two functions share one ITS device table'}`,
            },
          );
        }
    }
  },
};
