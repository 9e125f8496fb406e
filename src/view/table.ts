// The whole translation table of a node: every RID of its domain, per map, as compact ranges
// (coverage segments: consecutive RIDs with one outcome through one entry).
import type { Node, Tree } from '../tree/model.js';
import { MAP_KINDS, type KernelForm, type MapKind } from '../map/map.js';
import type { Errno } from '../core/table.js';
import { type Reader, type ReaderName } from '../map/readers/index.js';
import { buildMachine } from '../machine/machine.js';

export interface TableRow {
  node: Node;
  /** The reader whose table this is. */
  reader: ReaderName;
  map: MapKind;
  first: number;
  last: number;
  /** `no-map`: the node has no such map; the IDs pass unchanged. */
  status: 'translated' | 'bypass' | 'error' | 'no-map';
  target: Node | undefined;
  /** Output ID of `first` and of `last` (for bypass and no-map: the raw IDs); null for errors. */
  idFirst: number | null;
  idLast: number | null;
  entry: number | null;
  errno: Errno | null;
  /** The map's effective mask (0xffffffff without a map). */
  mask: number;
  /** The mask folds RIDs of this range together: output IDs are not one per RID. */
  folded: boolean;
}

/** Rows for the given nodes (default: every node with a map), in tree order, iommu-map first. */
export function translationTable(
  tree: Tree,
  form: KernelForm,
  nodes?: Node[],
  kinds: readonly MapKind[] = MAP_KINDS,
  reader?: Reader,
): TableRow[] {
  const rows: TableRow[] = [];
  const machine = buildMachine(tree, form, { primary: reader });
  const name = machine.primary.name;
  for (const b of machine.bridges) {
    if (nodes && !nodes.includes(b.node)) continue;
    const [lo, hi] = b.domain;
    for (const map of kinds) {
      const m = b.maps[map];
      if (!m) {
        rows.push({
          node: b.node,
          reader: name,
          map,
          first: lo,
          last: hi,
          status: 'no-map',
          target: undefined,
          idFirst: lo,
          idLast: hi,
          entry: null,
          errno: null,
          mask: 0xffffffff,
          folded: false,
        });
        continue;
      }
      for (const s of m.coverage.segments) {
        const idFirst = s.idFirst ?? null;
        const idLast = s.idLast ?? null;
        const folded =
          s.status === 'translated' && idFirst !== null && idLast !== null && idLast - idFirst !== s.last - s.first;
        rows.push({
          node: b.node,
          reader: name,
          map,
          first: s.first,
          last: s.last,
          status: s.status,
          target: s.target,
          idFirst,
          idLast,
          entry: s.entry?.index ?? null,
          errno: s.errno,
          mask: m.parsed.mask,
          folded,
        });
      }
    }
  }
  return rows;
}
