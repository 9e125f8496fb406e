import type { Report, Rule } from '../types.js';
import type { Bridge } from '../../machine/machine.js';
import type { Described } from '../../machine/topology.js';
import { lookup } from '../../core/lookup.js';
import { MAP_KINDS, NAMES, type MapEntry, type MapKind } from '../../map/map.js';
import type { Node } from '../../tree/model.js';
import { deviceList, hex, ID_NAME, idRange } from '../../words.js';
import { mergeRanges } from '../../core/ranges.js';

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
    const rids = a.coverage.segments
      .filter((s) => s.entry === e && s.status === 'translated')
      .map((s) => [s.first, s.last] as [number, number]);
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

/** Targets whose Linux driver cannot let two masters share one ID, so a fold by the mask is not
 *  harmless there: SMMUv3 refuses a second master on a StreamID (arm_smmu_insert_master():
 *  "stream N already in tree from dev ...", -EINVAL: that device gets no IOMMU); the GICv3 ITS
 *  gives all devices on one DeviceID one ITT, sized by the first to allocate
 *  (its_pci_msi_prepare(): roundup_pow_of_two(nvec); its_msi_prepare(): "Reusing ITT"), so a
 *  later device gets vectors only while events are free. arm-smmu (v2), IPMMU and Tegra let
 *  masters share a stream, so folding stays deliberate there. */
const FOLD_REFUSED = { iommu: 'arm,smmu-v3', msi: 'arm,gic-v3-its' } as const;

function folds(b: Bridge, kind: MapKind, report: Report): void {
  const a = b.maps[kind];
  if (!a || !b.pci) return;
  const groups = new Map<string, { target: Node; id: number; entry: MapEntry; devs: Described[] }>();
  for (const d of b.devices) {
    if (!d.enabled) continue; // no driver, so no IOMMU set-up and no vectors (pci_bus_add_device())
    const r = lookup(a.parsed.table, d.rid);
    if (
      r.status !== 'translated' ||
      !r.target ||
      !(r.target.prop('compatible')?.strings() ?? []).includes(FOLD_REFUSED[kind])
    )
      continue;
    const key = `${r.target.path} ${r.id} ${r.masked}`; // different masked RIDs on one ID: the alias check above
    const g = groups.get(key) ?? { target: r.target, id: r.id!, entry: r.entry!, devs: [] };
    g.devs.push(d);
    groups.set(key, g);
  }
  const mask = NAMES[kind].mask;
  for (const g of groups.values()) {
    if (g.devs.length < 2) continue;
    const list = deviceList(g.devs, b);
    const message =
      kind === 'iommu'
        ? `${mask} folds ${g.devs.length} described functions onto StreamID ${hex(g.id)} of the SMMUv3 ${g.target.path}: ${list}. SMMUv3 refuses a StreamID another master holds (arm_smmu_insert_master(): "stream ${g.id} already in tree", -EINVAL), so every function but the first to probe gets no IOMMU`
        : `${mask} folds ${g.devs.length} described functions onto DeviceID ${hex(g.id)} of the ITS ${g.target.path}: ${list}. They share one ITT, sized by the first to allocate (its_pci_msi_prepare(), its_msi_prepare(): "Reusing ITT"); the others get vectors only while its events last, else fewer vectors or INTx`;
    report.at(b, a.parsed, {
      message,
      severity: kind === 'iommu' ? 'warning' : 'info',
      rids: mergeRanges(g.devs.map((d) => [d.rid, d.rid])),
      entry: g.entry,
    });
  }
}

/** Two different masked RIDs reaching the same target and output ID share one StreamID or
 *  DeviceID: the IOMMU or ITS cannot tell those devices apart. Folding by the mask is deliberate,
 *  except where the target's driver refuses or starves a shared ID (`folds()`). */
export const mapAlias: Rule = {
  id: 'map-alias',
  severity: 'warning',
  description: 'different RIDs (or host bridges) reach the same target and output ID',
  visits: 'machine',
  check(ctx, report) {
    for (const kind of MAP_KINDS) {
      const all: Output[] = [];
      for (const b of ctx.bridges) {
        const mine = outputs(b, kind);
        for (let j = 0; j < mine.length; j++)
          for (let i = 0; i < j; i++) {
            const p = mine[i]!;
            const q = mine[j]!;
            const ids = p.entry !== q.entry ? overlap(p, q) : null;
            if (ids)
              report.at(b, b.maps[kind]!.parsed, {
                message: `entries ${p.entry.index} and ${q.entry.index} both give ${q.target.path} ID ${idRange(ids[0], ids[1])}: different ${b.pci ? 'RIDs' : 'input IDs'} share one ${ID_NAME[kind]}`,
                rids: mergeRanges([...p.rids, ...q.rids]),
                entry: q.entry,
              });
          }
        if (!b.enabled) continue; // disabled bridges take no part in cross-bridge checks
        const reported = new Set<Node>();
        for (const q of mine)
          for (const p of all) {
            const ids = overlap(p, q);
            if (!ids || reported.has(p.bridge.node)) continue;
            reported.add(p.bridge.node);
            report.at(b, b.maps[kind]!.parsed, {
              message: `${b.node.path} and ${p.bridge.node.path} both send ${q.target.path} ID ${idRange(ids[0], ids[1])}: devices on the two ${b.pci && p.bridge.pci ? 'host bridges' : 'nodes'} share one ${ID_NAME[kind]}`,
              rids: q.rids,
              entry: q.entry,
            });
          }
        all.push(...mine);
        folds(b, kind, report);
      }
    }
  },
};
