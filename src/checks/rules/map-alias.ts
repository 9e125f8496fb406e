import type { Rule } from '../types.js';
import type { Bridge } from '../context.js';
import { entrySpan } from '../context.js';
import { MAP_KINDS, NAMES, type MapEntry, type MapKind } from '../../map/map.js';
import type { Node } from '../../tree/model.js';
import { idRange } from '../format.js';
import { mergeRanges } from '../../map/coverage.js';

interface Output {
  bridge: Bridge;
  entry: MapEntry;
  target: Node;
  /** Output IDs [first, last] and the raw RIDs of bus-range that produce them. */
  ids: [number, number];
  rids: Array<[number, number]>;
}

/** Output ID ranges of every translated entry, from the masked IDs it actually takes. */
function outputs(b: Bridge, kind: MapKind): Output[] {
  const a = b.maps[kind];
  if (!a) return [];
  const out: Output[] = [];
  for (const e of a.parsed.entries) {
    const taken = a.coverage.takes.get(e.index);
    if (!taken || !e.target) continue;
    const rids = a.coverage.segments.filter((s) => s.entry === e && s.status === 'translated').map((s) => [s.first, s.last] as [number, number]);
    for (const [x, y] of taken) {
      const first = e.out[0]! + (x - e.ridBase);
      const last = e.out[0]! + (y - e.ridBase);
      out.push({ bridge: b, entry: e, target: e.target, ids: [first % 2 ** 32, Math.min(last, 0xffffffff)], rids });
    }
  }
  return out;
}

const overlap = (p: Output, q: Output): [number, number] | null => {
  const s = Math.max(p.ids[0], q.ids[0]);
  const t = Math.min(p.ids[1], q.ids[1]);
  return p.target === q.target && s <= t ? [s, t] : null;
};

/** Two different masked RIDs reaching the same target and output ID share one StreamID or
 *  DeviceID: the IOMMU or ITS cannot tell those devices apart. Folding by the mask is deliberate. */
export const mapAlias: Rule = {
  id: 'map-alias',
  severity: 'warning',
  description: 'different RIDs (or host bridges) reach the same target and output ID',
  check(ctx, report) {
    for (const kind of MAP_KINDS) {
      const name = NAMES[kind].map;
      const all: Output[] = [];
      for (const b of ctx.bridges) {
        const mine = outputs(b, kind);
        for (let j = 0; j < mine.length; j++)
          for (let i = 0; i < j; i++) {
            const p = mine[i]!;
            const q = mine[j]!;
            const ids = p.entry !== q.entry ? overlap(p, q) : null;
            if (ids)
              report({ node: b.node.path, property: name, message: `entries ${p.entry.index} and ${q.entry.index} both give ${q.target.path} ID ${idRange(ids[0], ids[1])}: different RIDs share one ${kind === 'iommu' ? 'StreamID' : 'DeviceID'}`, rids: mergeRanges([...p.rids, ...q.rids]), entry: q.entry.index, span: entrySpan(b.maps[kind]!.parsed, q.entry), disabled: !b.enabled });
          }
        if (!b.enabled) continue; // disabled bridges take no part in cross-bridge checks
        const reported = new Set<Node>();
        for (const q of mine)
          for (const p of all) {
            const ids = overlap(p, q);
            if (!ids || reported.has(p.bridge.node)) continue;
            reported.add(p.bridge.node);
            report({ node: b.node.path, property: name, message: `${b.node.path} and ${p.bridge.node.path} both send ${q.target.path} ID ${idRange(ids[0], ids[1])}: devices on the two host bridges share one ${kind === 'iommu' ? 'StreamID' : 'DeviceID'}`, rids: q.rids, entry: q.entry.index, span: entrySpan(b.maps[kind]!.parsed, q.entry) });
          }
        all.push(...mine);
      }
    }
  },
};
