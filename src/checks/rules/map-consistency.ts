import type { Rule } from '../types.js';
import type { Bridge } from '../../machine/machine.js';
import { intersectRanges, mergeRanges, preimage } from '../../core/ranges.js';
import { lookup } from '../../core/lookup.js';
import { NAMES, type LookupResult, type ParsedMap, type Segment } from '../../map/map.js';
import type { Node } from '../../tree/model.js';
import { hex } from '../../words.js';
import { inputIds } from '../../input-ids.js';

/** A run of RIDs that both maps translate, with the entries that do it. */
interface Piece {
  first: number;
  last: number;
  iommu: Segment;
  msi: Segment;
  /** DeviceID - StreamID (u32) for every RID of the piece. */
  offset: number;
}

const signed = (v: number) => (v > 0x7fffffff ? `-${hex(2 ** 32 - v)}` : `+${hex(v)}`);

/** Translated segments whose target provides the map's kind and gives an output cell. */
function usable(segments: Segment[], provider: (t: Node) => boolean): Segment[] {
  return segments.filter((s) => s.status === 'translated' && s.target && provider(s.target) && s.entry!.out.length > 0);
}

/** The RIDs both maps translate (two pointers over the sorted segments), within `alike`. */
function pieces(iommu: Segment[], msi: Segment[], alike: Array<[number, number]>): Piece[] {
  const out: Piece[] = [];
  let i = 0;
  let j = 0;
  while (i < iommu.length && j < msi.length) {
    const a = iommu[i]!;
    const b = msi[j]!;
    const first = Math.max(a.first, b.first);
    const last = Math.min(a.last, b.last);
    if (first <= last) {
      // Both maps read the same masked ID m here: DeviceID - StreamID = (m - base + out) - (m - base' + out').
      const offset = (b.entry!.out[0]! - b.entry!.ridBase - (a.entry!.out[0]! - a.entry!.ridBase)) >>> 0;
      for (const [x, y] of intersectRanges([[first, last]], alike))
        out.push({ first: x, last: y, iommu: a, msi: b, offset });
    }
    if (a.last < b.last) i++;
    else j++;
  }
  return out;
}

/**
 * The pieces that break their bridge's relation. The relation is taken per (IOMMU, MSI
 * controller) pair, as StreamIDs and DeviceIDs are numbered per controller: the offset that more
 * than half of the pair's RIDs follow. With no such majority (sm8550 before 398b7c7dda67: one RID
 * at +1, one at -1) no relation holds and every RID of the pair is reported.
 */
function breaking(all: Piece[]): { broken: Piece[]; relation: Map<string, number | undefined> } {
  const pairs = new Map<string, Piece[]>();
  for (const p of all) {
    const key = `${p.iommu.target!.path}\0${p.msi.target!.path}`;
    pairs.set(key, [...(pairs.get(key) ?? []), p]);
  }
  const broken: Piece[] = [];
  const relation = new Map<string, number | undefined>();
  for (const [key, list] of pairs) {
    const weight = new Map<number, number>();
    let total = 0;
    for (const p of list) {
      const n = p.last - p.first + 1;
      weight.set(p.offset, (weight.get(p.offset) ?? 0) + n);
      total += n;
    }
    let best: number | undefined;
    for (const [offset, n] of weight) if (n * 2 > total) best = offset;
    relation.set(key, best);
    broken.push(...list.filter((p) => p.offset !== best));
  }
  return { broken: broken.sort((x, y) => x.first - y.first), relation };
}

function outcome(r: LookupResult, name: string): string {
  if (r.status === 'translated') return `${name} ${hex(r.id!)}`;
  if (r.status === 'bypass') return 'a gap: no entry';
  return `error -${r.errno}`;
}

/**
 * The mask finding: RIDs that the two maps read as different IDs (`rid & mask` differs), where
 * one map translates the RID and the other has no entry for it: one map's mask folds the RID onto
 * an ID it covers, the other map reads the RID whole and misses it (i.MX95 pcie0: 03:00.0 reaches
 * iommu-map as 0x100, StreamID 0x11, and is a gap in msi-map). RIDs that both maps translate are
 * not reported here: a mask that folds a device's functions (0xfff8) or a whole controller (0)
 * onto one StreamID while msi-map keeps their DeviceIDs apart is a deliberate choice.
 */
function maskFinding(b: Bridge, im: ParsedMap, mm: ParsedMap, iommu: Segment[], msi: Segment[]) {
  const [lo, hi] = b.domain;
  const differ = (im.mask ^ mm.mask) >>> 0;
  const apart = preimage(lo, hi, differ, 1, 0xffffffff);
  const ranges = (list: Segment[], status: Segment['status']) =>
    mergeRanges(list.filter((s) => s.status === status).map((s) => [s.first, s.last]));
  const only = (a: Segment[], b: Segment[]) => intersectRanges(ranges(a, 'translated'), ranges(b, 'bypass'));
  const sidOnly = intersectRanges(apart, only(iommu, msi));
  const didOnly = intersectRanges(apart, only(msi, iommu));
  const rids = mergeRanges([...sidOnly, ...didOnly]);
  if (!rids.length) return undefined;
  const gets = !didOnly.length
    ? 'a StreamID but no DeviceID'
    : !sidOnly.length
      ? 'a DeviceID but no StreamID'
      : 'one of the two IDs but not the other';
  const shown = (m: ParsedMap) =>
    m.maskProperty ? `${NAMES[m.kind].mask} ${hex(m.mask)}` : `no ${NAMES[m.kind].mask} (${hex(m.mask)})`;
  const within = hi <= 0xffff ? 0xffff : 0xffffffff;
  // The example: the first RID behind the root bus when there is one (a function behind a port,
  // rather than a slot of the root bus that single-port controllers never fill).
  const root = b.pci ? (b.busRange[0] << 8) | 0xff : -1;
  const behind = rids.find(([, y]) => y > root);
  const r = behind ? Math.max(behind[0], root + 1) : rids[0]![0];
  const si = lookup(im.table, r);
  const sm = lookup(mm.table, r);
  const ids = inputIds(b.pci);
  const example = `${ids.range([r, r])} reaches iommu-map as ${hex(si.masked)} (${outcome(si, 'StreamID')}) but msi-map as ${hex(sm.masked)} (${outcome(sm, 'DeviceID')})`;
  const total = rids.reduce((n, [x, y]) => n + y - x + 1, 0);
  return {
    // about msi-map-mask when there is one, else iommu-map-mask
    map: mm.maskProperty ? mm : im,
    rids,
    message: `${shown(im)} and ${shown(mm)} differ in bits ${hex(differ & within)}: one map folds ${ids.count(total)} onto IDs it translates while the other reads them whole and has no entry for them, so they get ${gets} (${ids.list(rids)}); e.g. ${example}`,
  };
}

/** On most Arm SoCs a RID's ITS DeviceID is derived like its SMMU StreamID: equal, or a constant
 *  offset per host bridge. A bridge whose two maps disagree for some RIDs is almost always a bug
 *  (sm8550 before 398b7c7dda67: swapped msi-map entries gave the endpoint the root port's
 *  DeviceID); so is a pair of masks that makes the two maps read one RID as different IDs
 *  (i.MX95 pcie0: iommu-map-mask 0x1ff folds bus 03 onto bus 01, msi-map has no entry there). */
export const mapConsistency: Rule = {
  id: 'map-consistency',
  severity: 'warning',
  description:
    "msi-map DeviceIDs and iommu-map StreamIDs of a bridge's RIDs do not follow one relation (equal, or a constant offset)",
  visits: 'bridge',
  check(ctx, b, report) {
    const iommu = b.maps.iommu;
    const msi = b.maps.msi;
    if (!iommu || !msi) return;
    const ti = usable(iommu.coverage.segments, (t) => t.prop('#iommu-cells') !== undefined);
    const tm = usable(msi.coverage.segments, (t) => t.prop('msi-controller') !== undefined);
    if (!ti.length || !tm.length) return; // a map that reaches no IOMMU / MSI controller
    const [lo, hi] = b.domain;
    const im = iommu.parsed;
    const mm = msi.parsed;
    const differ = (im.mask ^ mm.mask) >>> 0;
    if (differ) {
      const f = maskFinding(b, im, mm, iommu.coverage.segments, msi.coverage.segments);
      if (f) report.at(b, f.map, { mask: true, message: f.message, rids: f.rids });
    }
    // The relation is judged on the RIDs both maps read as the same ID.
    const alike = differ ? preimage(lo, hi, differ, 0, 0) : [[lo, hi] as [number, number]];
    const { broken, relation } = breaking(pieces(ti, tm, alike));
    if (!broken.length) return;
    const rids = mergeRanges(broken.map((p) => [p.first, p.last]));
    const ids = inputIds(b.pci);
    const examples = broken.slice(0, 3).map((p) => {
      const sid = (p.iommu.entry!.out[0]! + ((p.first & im.mask) >>> 0) - p.iommu.entry!.ridBase) >>> 0;
      const did = (p.msi.entry!.out[0]! + ((p.first & mm.mask) >>> 0) - p.msi.entry!.ridBase) >>> 0;
      return `${ids.range([p.first, p.last])} DeviceID ${hex(did)} / StreamID ${hex(sid)} (${signed(p.offset)})`;
    });
    const known = [...relation.values()].filter((v): v is number => v !== undefined);
    const total = rids.reduce((n, [x, y]) => n + y - x + 1, 0);
    const head = known.length
      ? `${ids.count(total)} ${total === 1 ? 'breaks' : 'break'} the ${b.pci ? 'bridge' : 'node'}'s relation DeviceID = StreamID ${known.map(signed).join(' / ')} that most of its ${ids.noun}s follow`
      : `msi-map DeviceIDs and iommu-map StreamIDs follow no single relation (neither equal nor a constant offset apart)`;
    report.at(b, mm, {
      message: `${head}: ${examples.join(', ')}${broken.length > 3 ? ` and ${broken.length - 3} more` : ''}; one of the two maps is likely wrong (${ids.list(rids)})`,
      rids,
    });
  },
};
