// Rules about a whole table: its checksum and length (ACPICA checks the checksum when it loads a
// table and warns), and root complexes on one PCI segment (iort_match_node_callback(): one root
// complex per segment, the first one wins).
import { nodeName } from '../../acpi/tables.js';
import { hex } from '../../words.js';
import type { AcpiRule } from './types.js';

export const acpiTable: AcpiRule = {
  id: 'acpi-table',
  severity: 'warning',
  description: 'an IORT or VIOT whose checksum does not add up',
  check(m, r) {
    for (const t of [m.iort, m.viot])
      if (t && !t.header.checksumOk)
        r.at(
          { table: t.signature },
          {
            message: `the ${t.signature} checksum ${hex(t.header.checksum)} does not make the table's bytes sum to 0: Linux still uses the table, but a tool or firmware that checks will not. ACPICA logs "Incorrect checksum in table [${t.signature}]" at boot`,
          },
        );
  },
};

export const iortSegment: AcpiRule = {
  id: 'iort-segment',
  severity: 'error',
  description: 'two root complexes with one PCI segment number',
  check(m, r) {
    for (const s of m.segments)
      for (const n of s.shadowed)
        r.at(
          { table: 'IORT', node: n },
          {
            message: `the mappings of ${nodeName(n)} are never read: it has PCI segment ${s.segment}, as ${nodeName(s.rootComplex!)} before it. Linux takes the first root complex of a segment`,
          },
        );
  },
};
