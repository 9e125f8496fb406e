// Rules about one IORT node's own fields: SINGLE mappings Linux skips (iort_id_map()), an SMMUv3's
// or PMCG's own DeviceID mapping (iort_get_id_mapping_index(), iort_set_device_domain()), and RMR
// nodes in a table too old for Linux to read them (iort_find_rmrs()).
import { mappingIndex, nodeName, singleApplies } from '../../acpi/tables.js';
import type { AcpiRule } from './types.js';

export const iortSingle: AcpiRule = {
  id: 'iort-single',
  severity: 'warning',
  description: 'a SINGLE mapping on a node type whose walk Linux skips it on',
  check(m, r) {
    for (const node of m.iort?.nodes ?? []) {
      // RMR nodes' mappings name the StreamIDs a reserved region is for: no walk reads them
      if (singleApplies(node) || node.type === 6) continue;
      const own = mappingIndex(node).index;
      for (const map of node.mappings)
        if (map.single && map.index !== own)
          r.at(
            { table: 'IORT', node, mapping: map.index },
            {
              message: `every ID walking through ${nodeName(node)} skips its mapping ${map.index}, a SINGLE mapping. Linux honours the SINGLE flag only on a named component or a root complex and on an SMMUv3's or PMCG's own DeviceID mapping, and logs "SINGLE MAPPING flag not allowed for node type ${node.type}, skipping ID map"`,
            },
          );
    }
  },
};

export const iortMappingIndex: AcpiRule = {
  id: 'iort-mapping-index',
  severity: 'error',
  description: "an SMMUv3's DeviceID mapping index past its mappings, or an own DeviceID mapping that is not SINGLE",
  check(m, r) {
    for (const node of m.iort?.nodes ?? []) {
      const { index, log } = mappingIndex(node);
      if (log && node.smmuV3)
        r.at(
          { table: 'IORT', node },
          {
            message: `the SMMU itself gets no MSI domain, and walks through it read every mapping: its DeviceID mapping index ${node.smmuV3.idMappingIndex} is past its ${node.mappingCount} mappings. Linux logs "ID mapping index overflows valid mappings"`,
          },
        );
      const map = index >= 0 ? node.mappings[index] : undefined;
      if (map && (!map.single || !map.outputReference))
        r.at(
          { table: 'IORT', node, mapping: index },
          {
            severity: 'warning',
            message: `the ${node.typeName} ${nodeName(node)} gets no MSI domain: its own DeviceID mapping ${index} ${map.outputReference ? 'lacks the SINGLE flag' : 'has a NULL output reference'}. Linux logs "Invalid MSI mapping" (iort_set_device_domain())`,
          },
        );
      // IORT E.e (node revision 5) moved the rule to a flag: kernels before 6.2 read GSIVs instead
      if (node.smmuV3 && node.revision >= 5) {
        const s = node.smmuV3;
        const takesNew = !!(s.flags & (1 << 4)); // ACPI_IORT_SMMU_V3_DEVICEID_VALID
        const takesOld = !(s.eventGsiv && s.priGsiv && s.gerrGsiv && s.syncGsiv);
        if (takesNew !== takesOld)
          r.at(
            { table: 'IORT', node },
            {
              severity: 'info',
              message: `the SMMU's own MSIs, and the mappings a walk through it reads, differ between Linux 6.1 and 6.2: Linux 6.2 and later ${takesNew ? 'take' : 'ignore'} its DeviceID mapping index, Linux 6.1 and older ${takesOld ? 'take' : 'ignore'} it. Linux 6.2 reads the DeviceID-valid flag of node revision 5; Linux 6.1 takes the index when not all four GSIVs are set`,
            },
          );
      }
    }
  },
};

export const iortRmrRevision: AcpiRule = {
  id: 'iort-rmr-revision',
  severity: 'warning',
  description: 'RMR nodes in an IORT older than revision 5 (E.d), which Linux ignores',
  check(m, r) {
    const iort = m.iort;
    if (!iort || iort.header.revision >= 5) return;
    for (const node of iort.nodes)
      if (node.type === 6)
        r.at(
          { table: 'IORT', node },
          {
            message: `the memory this RMR node reserves is not kept mapped for its devices: the table is revision ${iort.header.revision}. Linux reads RMR nodes only from revision 5 (IORT E.d) on`,
          },
        );
  },
};
