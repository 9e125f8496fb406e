// iort-reference and iort-cycle: where each ID mapping's output reference points, and walks that
// come back on themselves (iort_node_map_id() follows references without a check of any kind).
import type { IortNode } from '../../acpi/model.js';
import { mappingIndex, nodeName } from '../../acpi/tables.js';
import { hex } from '../../words.js';
import type { AcpiRule } from './types.js';

/** The node types each node type's mappings lead to in the IORT specification. */
const LEADS_TO: Record<number, readonly number[]> = {
  1: [0, 3, 4], // named component -> ITS group, SMMU, SMMUv3
  2: [0, 3, 4], // root complex -> the same
  3: [0], // SMMU -> ITS group
  4: [0], // SMMUv3 -> ITS group
  5: [0, 4], // PMCG -> ITS group (its overflow MSIs), SMMUv3
};

export const iortReference: AcpiRule = {
  id: 'iort-reference',
  severity: 'error',
  description:
    'an ID mapping whose output reference is NULL, outside the table, not at a node, or at a node Linux does not walk to',
  check(m, r) {
    const iort = m.iort;
    if (!iort) return;
    const byOffset = new Map(iort.nodes.map((n) => [n.offset, n] as const));
    for (const node of iort.nodes)
      for (const map of node.mappings) {
        const ref = map.outputReference;
        const place = { table: 'IORT' as const, node, mapping: map.index };
        if (ref === 0) {
          r.at(place, {
            message:
              map.index === 0
                ? `mapping 0's output reference is NULL: Linux prints "ID map has NULL parent reference" and maps no ID through ${nodeName(node)} at all`
                : `mapping ${map.index}'s output reference is NULL: an ID it matches walks on at offset 0, the table header read as a node`,
          });
          continue;
        }
        const target = byOffset.get(ref);
        if (!target) {
          r.at(place, {
            message:
              ref >= iort.header.length
                ? `mapping ${map.index}'s output reference ${hex(ref)} is outside the table (length ${hex(iort.header.length)}): an ID it matches walks on in whatever memory follows`
                : `mapping ${map.index}'s output reference ${hex(ref)} is not the start of a node: an ID it matches walks on in the middle of one`,
          });
          continue;
        }
        const special = mappingIndex(node).index === map.index;
        const allowed = LEADS_TO[node.type];
        if (allowed && !allowed.includes(target.type) && !special)
          r.at(place, {
            severity: 'warning',
            message: `mapping ${map.index} leads to ${nodeName(target)}, a ${target.typeName} node, where a ${node.typeName} maps to an ${allowed.map((t) => ['ITS group', '', '', 'SMMU', 'SMMUv3'][t]).join(' or ')}: Linux walks on through that node's own mappings`,
          });
      }
  },
};

export const iortCycle: AcpiRule = {
  id: 'iort-cycle',
  severity: 'error',
  description: 'output references that lead back to a node already on the walk',
  check(m, r) {
    const iort = m.iort;
    if (!iort) return;
    const byOffset = new Map(iort.nodes.map((n) => [n.offset, n] as const));
    // depth first, each node once: a reference to a node still on the stack closes a loop
    const done = new Set<IortNode>();
    const stack: IortNode[] = [];
    const visit = (node: IortNode): void => {
      stack.push(node);
      for (const map of node.mappings) {
        const next = byOffset.get(map.outputReference);
        if (!next || done.has(next)) continue;
        const at = stack.indexOf(next);
        if (at < 0) visit(next);
        else
          r.at(
            { table: 'IORT', node: next },
            {
              message: `the output references go round in a loop, ${[...stack.slice(at), next].map(nodeName).join(' -> ')}: an ID that every mapping on the way matches keeps iort_node_map_id() walking for ever`,
            },
          );
      }
      stack.pop();
      done.add(node);
    };
    for (const n of iort.nodes) if (!done.has(n)) visit(n);
  },
};
