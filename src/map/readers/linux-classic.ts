// linux-classic: of_map_id() in Linux 5.3-7.1, drivers/of/base.c (torvalds/linux; read in
// Debian's linux-source-6.12, the tree the corpus is built from). Fixed 4-cell entries; the
// engine's classic form (src/map/map.ts parseClassic, walked by src/core).
import { parseMap } from '../map.js';
import type { Reader } from './reader.js';

export const linuxClassic: Reader = {
  name: 'linux-classic',
  family: 'linux',
  title: 'classic kernel, Linux 5.3-7.1',
  uses: { target: true, id: true },
  form: 'classic',
  parse(tree, node, kind) {
    const map = parseMap(tree, node, kind, 'classic');
    return map && { map, notes: [] };
  },
};
