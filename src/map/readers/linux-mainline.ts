// linux-mainline: of_map_id() in Linux 7.2+, drivers/of/base.c as changed by commit
// ccb2fd725d41 "of: Respect #{iommu,msi}-cells in maps" (pushed to robh/linux dt/next on 12 June
// 2026; read as [PATCH v16 3/3] of 3 June, the last version posted before it (no v17 in the
// archives), from the linux-arm-msm list; the commit's own tree is not in the stored sources): entries sized by each target's
// #cells, of_check_bad_map()'s legacy fallback, every entry's phandle resolved before its range
// test. The engine's mainline form (src/map/map.ts parseMainline).
import { parseMap } from '../map.js';
import type { Reader } from './reader.js';

export const linuxMainline: Reader = {
  name: 'linux-mainline',
  family: 'linux',
  title: 'mainline kernel, Linux 7.2+',
  uses: { target: true, id: true },
  form: 'mainline',
  parse(tree, node, kind) {
    const map = parseMap(tree, node, kind, 'mainline');
    return map && { map, notes: [] };
  },
};
