// The IDs an IOMMU or ITS receives besides those of the PCI maps: every `iommus` specifier (a
// platform device, or a host bridge itself, holds its StreamIDs from the time it probes:
// of_dma_configure() -> of_iommu_configure() -> of_iommu_xlate()) and every `msi-parent`
// specifier with a DeviceID argument (platform MSI: its_pmsi_prepare() -> of_pmsi_get_dev_id()
// takes args[0] of the first msi-parent entry that names this ITS with one cell). And where
// those IDs meet the IDs a PCI map gives the same IOMMU or ITS.
import type { Node, Tree } from '../tree/model.js';
import { isPciBridge, type MapEntry, type MapKind, type ParsedMap } from '../map/map.js';
import { sweep } from '../core/coverage.js';
import { maskOf } from '../core/table.js';
import { mergeRanges } from '../core/ranges.js';
import type { Bridge } from './machine.js';
import type { Described } from './topology.js';

/** One `iommus` or `msi-parent` specifier: a phandle and its #iommu-cells / #msi-cells args. */
export interface Specifier {
  user: Node;
  property: 'iommus' | 'msi-parent';
  kind: MapKind;
  /** Its position among the property's specifiers, and its phandle's cell. */
  index: number;
  cell: number;
  target: Node;
  args: number[];
}

/** The drivers dtmap knows what a shared ID does to: SMMUv3 (a StreamID, one master), arm-smmu
 *  (SMMUv1/v2, MMU-500: stream match registers, ID and mask), the GICv3 ITS (a DeviceID). */
export type IdFamily = 'smmu-v3' | 'arm-smmu' | 'its' | 'other';

const compatibles = (n: Node) => n.prop('compatible')?.strings() ?? [];

/** arm_smmu_of_match (drivers/iommu/arm/arm-smmu/arm-smmu.c) and the Qualcomm / NVIDIA
 *  implementations that probe through it (arm-smmu-qcom.c, arm-smmu-nvidia.c). */
const ARM_SMMU =
  /^(arm,(smmu-v1|smmu-v2|mmu-400|mmu-401|mmu-500)|cavium,smmu-v2|nvidia,smmu-500|qcom,([\w-]+-)?smmu-(v2|500))$/;

export function idFamily(n: Node): IdFamily {
  const c = compatibles(n);
  if (c.includes('arm,smmu-v3')) return 'smmu-v3';
  if (c.some((s) => ARM_SMMU.test(s))) return 'arm-smmu';
  if (c.includes('arm,gic-v3-its')) return 'its';
  return 'other';
}

const PROPS = [
  { property: 'iommus', kind: 'iommu', cells: '#iommu-cells' },
  { property: 'msi-parent', kind: 'msi', cells: '#msi-cells' },
] as const;

/** Every `iommus` and `msi-parent` specifier of the tree, as of_parse_phandle_with_args() reads
 *  them (a missing cells property: 0 arguments); the walk of a property stops at a phandle that
 *  names no node or a specifier cut short, as of_phandle_iterator_next() does. */
export function specifiers(tree: Tree): Specifier[] {
  const out: Specifier[] = [];
  for (const user of tree.root.walk())
    for (const { property, kind, cells } of PROPS) {
      const p = user.prop(property);
      if (!p) continue;
      for (let i = 0, index = 0; i < p.cellCount; index++) {
        const target = tree.byPhandle(p.u32(i)!);
        if (!target) break;
        const n = target.prop(cells)?.u32(0) ?? 0;
        if (i + 1 + n > p.cellCount) break;
        const args = Array.from({ length: n }, (_, k) => p.u32(i + 1 + k)!);
        out.push({ user, property, kind, index, cell: i, target, args });
        i += 1 + n;
      }
    }
  return out;
}

/** A stream match: the IDs `x` with `(x ^ id) & ~mask == 0` (an SMR; mask 0 for one ID). */
export interface Match {
  id: number;
  mask: number;
}

/** arm_smmu_of_xlate(): the first cell is the ID, the second the SMR mask, else the SMMU's
 *  `stream-match-mask`, else 0; both 16 bits (ARM_SMMU_SMR_ID / ARM_SMMU_SMR_MASK). Other
 *  targets take the first cell as one ID. */
export function matchOf(target: Node, cells: readonly number[], family = idFamily(target)): Match {
  const id = cells[0] ?? 0;
  if (family !== 'arm-smmu') return { id, mask: 0 };
  const mask = cells.length > 1 ? cells[1]! : (target.prop('stream-match-mask')?.u32(0) ?? 0);
  return { id: id & 0xffff, mask: mask & 0xffff };
}

/** How a later stream match meets an earlier one on the same IOMMU or ITS:
 *  `same`: one StreamID/DeviceID (SMMUv3, ITS); `within`: arm_smmu_find_sme() finds the later
 *  entirely matched by the earlier and reuses that stream map entry; `overlap`: any other overlap,
 *  which arm_smmu_find_sme() refuses (-EINVAL). */
export type Relation = 'same' | 'within' | 'overlap';

/** arm_smmu_find_sme() for arm-smmu; ID equality elsewhere. `earlier` holds the entry. */
export function relation(family: IdFamily, earlier: Match, later: Match): Relation | undefined {
  if (family !== 'arm-smmu') return earlier.id === later.id ? 'same' : undefined;
  if ((later.mask & earlier.mask) === later.mask && !((later.id ^ earlier.id) & ~earlier.mask & 0xffff))
    return 'within';
  if (!((later.id ^ earlier.id) & ~(earlier.mask | later.mask) & 0xffff)) return 'overlap';
  return undefined;
}

/** Where a specifier's IDs meet a map's on one target. */
export interface IdClash {
  spec: Specifier;
  bridge: Bridge;
  map: ParsedMap;
  entry: MapEntry;
  family: IdFamily;
  relation: Relation;
  /** The map's output IDs (first cells) that meet the specifier's, and the RIDs that give them. */
  ids: [number, number];
  rids: Array<[number, number]>;
  /** Described, enabled PCI functions at those RIDs. */
  devices: Described[];
}

/**
 * Every meeting of a specifier's IDs with a map's on the same target, one per (specifier, map
 * entry, relation). Only enabled users count (a disabled node never probes, so it holds no ID)
 * and only targets whose driver dtmap models (SMMUv3, arm-smmu, the ITS). A PCI host bridge's
 * own `msi-parent` is its children's default MSI domain (DeviceID = RID,
 * src/machine/msi-domain.ts), not a DeviceID it allocates, so it is left out.
 */
export function idClashes(tree: Tree, bridges: readonly Bridge[]): IdClash[] {
  const specs = specifiers(tree).filter(
    (s) =>
      s.user.enabled &&
      (s.kind === 'iommu'
        ? ['smmu-v3', 'arm-smmu'].includes(idFamily(s.target))
        : idFamily(s.target) === 'its' && s.args.length === 1 && !isPciBridge(s.user)),
  );
  if (!specs.length) return [];
  const clashes: IdClash[] = [];
  for (const b of bridges)
    for (const kind of ['iommu', 'msi'] as const) {
      const a = b.maps[kind];
      const mine = specs.filter((s) => s.kind === kind);
      if (!a || !mine.some((s) => a.parsed.entries.some((e) => e.target === s.target))) continue;
      const found = new Map<string, IdClash>();
      // one walk of the table ID by ID (core sweep(): a few additions per RID), and each
      // specifier's family and stream match worked out once, not per RID
      const at = sweep(a.parsed.table, b.domain[0], b.domain[1]);
      const mask = maskOf(a.parsed.table);
      const facts = new Map(mine.map((s) => [s, { family: idFamily(s.target), match: matchOf(s.target, s.args) }]));
      for (const seg of a.coverage.segments) {
        if (seg.status !== 'translated') continue;
        const here = mine.filter((s) => s.target === seg.target);
        if (!here.length) continue;
        const entry = seg.entry;
        const targetFamily = idFamily(seg.target);
        // the relations of one output ID, worked out once (a folding mask gives many RIDs one ID)
        const memo = new Map<number, Array<{ s: Specifier; rel: Relation }>>();
        const relations = (out: number) => {
          let r = memo.get(out);
          if (!r) {
            const later = matchOf(
              seg.target,
              entry.out.map((o) => (o + (out - entry.out[0]!)) >>> 0),
              targetFamily,
            );
            r = [];
            for (const s of here) {
              const { family, match } = facts.get(s)!;
              const rel = relation(family, match, later);
              if (rel) r.push({ s, rel });
            }
            memo.set(out, r);
          }
          return r;
        };
        /** RIDs [first, last] with output ID `out`: each relation of that ID takes them. */
        const take = (first: number, last: number, out: number) => {
          for (const { s, rel } of relations(out)) {
            const key = `${specs.indexOf(s)} ${entry.index} ${rel}`;
            let c = found.get(key);
            if (!c) {
              c = {
                spec: s,
                bridge: b,
                map: a.parsed,
                entry,
                family: facts.get(s)!.family,
                relation: rel,
                ids: [out, out],
                rids: [],
                devices: [],
              };
              found.set(key, c);
              clashes.push(c);
            }
            c.ids = [Math.min(c.ids[0], out), Math.max(c.ids[1], out)];
            const prev = c.rids[c.rids.length - 1];
            if (prev && prev[1] === first - 1) prev[1] = last;
            else c.rids.push([first, last]);
          }
        };
        // the mask keeps none of the bits that vary across the segment: one output ID for all of it
        const varying = seg.first === seg.last ? 0 : 2 ** (32 - Math.clz32(seg.first ^ seg.last)) - 1;
        if ((varying & mask) >>> 0 === 0) {
          const out = at(seg.first).out;
          if (out !== undefined) take(seg.first, seg.last, out);
          continue;
        }
        for (let rid = seg.first; rid <= seg.last; rid++) {
          const out = at(rid).out;
          if (out !== undefined) take(rid, rid, out);
        }
      }
      for (const c of found.values()) {
        c.rids = mergeRanges(c.rids);
        c.devices = b.devices.filter((d) => d.enabled && c.rids.some(([x, y]) => d.rid >= x && d.rid <= y));
      }
    }
  return clashes;
}
