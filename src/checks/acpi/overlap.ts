// iort-overlap: ID mappings of one node whose input ranges touch or overlap. iort_id_map() takes
// the first match, except at a range's last ID, which a later range starting there takes over
// (the count written where the count minus one belongs): Linux logs both lines.
import { mappingIndex, singleApplies } from '../../acpi/tables.js';
import { hex, idRange } from '../../words.js';
import type { AcpiRule } from './types.js';

export const iortOverlap: AcpiRule = {
  id: 'iort-overlap',
  severity: 'warning',
  description: 'ID mappings of one IORT node whose input ranges touch or overlap',
  check(m, r) {
    for (const node of m.iort?.nodes ?? []) {
      const skip = mappingIndex(node).index;
      const rows = node.mappings.filter((x) => x.index !== skip && (!x.single || singleApplies(node)));
      const rc = node.type === 2;
      rows.forEach((row, j) => {
        const range = (x: typeof row): [number, number] =>
          x.single ? [0, 0xffffffff] : [x.inputBase, x.inputBase + x.idCount];
        const [a, b] = range(row);
        for (const earlier of rows.slice(0, j)) {
          const [c, d] = range(earlier);
          const lo = Math.max(a, c);
          const hi = Math.min(b, d);
          if (lo > hi) continue;
          const rids: Array<[number, number]> = rc && lo <= 0xffff ? [[lo, Math.min(hi, 0xffff)]] : [];
          const place = { table: 'IORT' as const, node, mapping: row.index };
          if (earlier.single)
            r.at(place, {
              rids,
              message: `mapping ${row.index} is never used: mapping ${earlier.index} before it is a SINGLE mapping, which takes every input ID`,
            });
          else if (lo === hi && lo === d && lo === a && earlier.idCount > 0)
            r.at(place, {
              rids,
              message: `input ID ${hex(lo)}, both the last of mapping ${earlier.index} (${idRange(c, d)}) and the first of mapping ${row.index}, goes through mapping ${row.index}: mapping ${earlier.index} likely holds one ID too many. Linux logs "conflicting mapping for input ID ${hex(lo)}" and "applying workaround."; ID Count is the number of IDs minus one`,
            });
          else
            r.at(place, {
              rids,
              message: `input IDs ${idRange(lo, hi)} of mapping ${row.index} (${idRange(a, b)}) are also in mapping ${earlier.index} (${idRange(c, d)}), which Linux reads first: mapping ${row.index} never translates them`,
            });
          break;
        }
      });
    }
  },
};
