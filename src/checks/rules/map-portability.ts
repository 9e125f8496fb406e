import type { Rule } from '../types.js';
import { formsAgree, MAP_KINDS, type LookupResult, type ParsedMap } from '../../map/map.js';
import { lookup } from '../../core/lookup.js';
import { mergeRanges } from '../../core/ranges.js';
import type { Reader } from '../../map/readers/index.js';
import { count, hex, ridList } from '../../words.js';
import { inputIds } from '../../input-ids.js';

function reading(reader: Reader, r: LookupResult): string {
  if (r.status === 'translated')
    return [reader.uses.target ? r.target!.path : 'SID', reader.uses.id ? `ID ${r.ids.map(hex).join(' ')}` : '']
      .filter(Boolean)
      .join(' ');
  if (r.status === 'error') return `error${r.errno ? ' -' + r.errno : ''}`;
  return 'bypass (untranslated)';
}

/**
 * The same outcome for both readers: two failures are the same whatever the errno (the device gets
 * nothing either way); two translations compare only what both readers use (U-Boot keeps just the
 * target, the Qualcomm table just the SID).
 */
function same(a: Reader, x: LookupResult, b: Reader, y: LookupResult): boolean {
  if (x.status !== y.status) return false;
  if (x.status !== 'translated') return true;
  if (a.uses.target && b.uses.target && x.target !== y.target) return false;
  return !(a.uses.id && b.uses.id && x.ids.join() !== y.ids.join());
}

type Reading = { reader: Reader; parsed: ParsedMap };
type Group = { members: Array<{ reader: Reader; result: LookupResult }> };

/** The readers grouped by outcome for one RID, and the key of that grouping (`a,b|c`). */
function classes(readings: Reading[], rid: number): { key: string; groups: Group[] } {
  const groups: Group[] = [];
  for (const { reader, parsed } of readings) {
    const result = lookup(parsed.table, rid);
    const g = groups.find((c) => c.members.every((m) => same(m.reader, m.result, reader, result)));
    if (g) g.members.push({ reader, result });
    else groups.push({ members: [{ reader, result }] });
  }
  return { key: groups.map((g) => g.members.map((m) => m.reader.name).join(',')).join('|'), groups };
}

const isLinux = (r: Reader) => r.family === 'linux';

/** Nothing translates, and every Linux reading is a bypass: a gap that some other reader refuses. */
const gapRefused = (groups: Group[]) =>
  groups.every((g) =>
    g.members.every((m) => m.result.status !== 'translated' && (m.result.status === 'bypass' || !isLinux(m.reader))),
  );

/** The same property read by of_map_id() in Linux 5.3-7.1 (classic) and 7.2+ (cells-aware), and by the other readers selected. */
export const mapPortability: Rule = {
  id: 'map-portability',
  severity: 'warning',
  description: 'the readers of a map (classic and mainline Linux, and those --reader selects) translate it differently',
  visits: 'bridge',
  check(ctx, b, report) {
    const ids = inputIds(b.pci);
    const pair = ctx.readers.length === 2;
    for (const kind of MAP_KINDS) {
      const readings: Reading[] = [];
      const cuts = new Set<number>([b.domain[0]]);
      for (const reader of ctx.readers) {
        const a = reader === ctx.primary ? b.maps[kind] : ctx.analyse(b, kind, reader);
        if (!a) continue;
        readings.push({ reader, parsed: a.parsed });
        // Cut the domain where any reader's outcome changes; within a piece each reader is one
        // entry (linear in the masked ID) or one error, so its two ends decide the whole piece.
        for (const s of a.coverage.segments) if (s.last < b.domain[1]) cuts.add(s.last + 1);
        if (a.notes.length)
          report.at(b, a.parsed, { severity: 'info', message: `${reader.name}: ${a.notes.join('; ')}` });
      }
      if (readings.length < 2) continue;
      if (pair && formsAgree(readings[0]!.parsed, readings[1]!.parsed)) continue; // the common case, without a lookup
      const inDomain = (r: number) => r >= b.domain[0] && r <= b.domain[1];
      // The IOMMU's own function (virtio-iommu's, on QEMU and cloud-hypervisor) is left out of
      // iommu-map on purpose: it does not translate its own DMA, whatever another reader does
      // with the gap (iommu-map-gap says so).
      const own = new Set(
        kind === 'iommu' && b.pci ? b.devices.filter((d) => d.node.prop('#iommu-cells')).map((d) => d.rid) : [],
      );
      // RIDs an entry of either map names (its rid-base): the map's author expected a device there.
      const named = new Set(
        b.pci ? MAP_KINDS.flatMap((k) => b.maps[k]?.parsed.entries.map((e) => e.ridBase) ?? []).filter(inDomain) : [],
      );
      for (const r of [...own, ...named]) {
        cuts.add(r);
        if (r < b.domain[1]) cuts.add(r + 1);
      }
      const starts = [...cuts].sort((x, y) => x - y);
      const found = new Map<
        string,
        { rids: Array<[number, number]>; example: string; gapOnly: boolean; named: boolean }
      >();
      // the classic/mainline pair keeps its kernel-form wording
      const label = (g: Group) => (pair ? g.members[0]!.reader.form : g.members.map((m) => m.reader.name).join(', '));
      const note = (first: number, last: number) => {
        if (own.has(first)) return; // a piece of its own: cut above
        const c = classes(readings, first);
        if (c.groups.length < 2) return;
        // A gap Linux bypasses and another reader refuses is kept apart from the RIDs Linux
        // translates, and a gap RID the maps name apart from the rest of the gap.
        const gapOnly = gapRefused(c.groups);
        const isNamed = gapOnly && named.has(first);
        const key = `${c.key}${gapOnly ? (isNamed ? '#named' : '#gap') : ''}`;
        const f = found.get(key) ?? {
          rids: [],
          example: `${ids.noun} ${ids.list([[first, first]])}: ${c.groups.map((g) => `${label(g)}: ${reading(g.members[0]!.reader, g.members[0]!.result)}`).join('; ')}`,
          gapOnly,
          named: isNamed,
        };
        f.rids.push([first, last]);
        found.set(key, f);
      };
      starts.forEach((first, i) => {
        const last = i + 1 < starts.length ? starts[i + 1]! - 1 : b.domain[1];
        if (classes(readings, first).key === classes(readings, last).key) note(first, last);
        else for (let rid = first; rid <= last; rid++) note(rid, rid);
      });
      for (const [key, f] of found) {
        const rids = mergeRanges(f.rids);
        const total = rids.reduce((n, [x, y]) => n + y - x + 1, 0);
        const who = pair
          ? 'on classic (5.3-7.1) and mainline (7.2+) kernels'
          : `by ${key
              .replace(/#.*$/, '')
              .split('|')
              .map((g) => g.replaceAll(',', ', '))
              .join(' / ')}`;
        // An msi-map gap on a bridge with no msi-parent of its own already fails MSI allocation
        // on Linux (pci_host_bridge_of_msi_domain() finds no default; msi-map-gap reports it):
        // a reader that refuses it outright does the same.
        if (f.gapOnly && kind === 'msi' && !b.node.prop('msi-parent')) continue;
        // A gap Linux bypasses and another reader refuses: as for the gap rules, it matters
        // where a described device sits, or where an entry of the maps expects one (warning),
        // else info.
        let severity: 'warning' | 'info' | undefined;
        let where = '';
        if (f.gapOnly && b.pci) {
          const inside = b.devices.filter((d) => d.endpoint && rids.some(([x, y]) => d.rid >= x && d.rid <= y));
          severity = inside.length || f.named ? undefined : 'info';
          where = inside.length
            ? `; described devices there: ${inside.map((d) => `${d.node.path} (${ridList([[d.rid, d.rid]])})`).join(', ')}`
            : f.named
              ? `; no described device there, but an entry's rid-base names ${total === 1 ? 'it' : 'them'}: the maps expect a device`
              : '; no described device there';
        }
        report.at(b, b.maps[kind]?.parsed ?? readings[0]!.parsed, {
          severity,
          message: `${count(total, ids.noun)} ${total === 1 ? 'translates' : 'translate'} differently ${who} (${ids.list(rids, 3)}); e.g. ${f.example}${where}`,
          rids,
        });
      }
    }
  },
};
