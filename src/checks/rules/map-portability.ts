import type { Rule } from '../types.js';
import { MAP_KINDS, NAMES, type KernelForm } from '../../map/map.js';
import { formsAgree, lookup, type LookupResult } from '../../map/lookup.js';
import { mergeRanges } from '../../map/coverage.js';
import { count, hex, ridList } from '../format.js';

function reading(r: LookupResult): string {
  if (r.status === 'translated') return `${r.target!.path} ID ${r.ids.map(hex).join(' ')}`;
  if (r.status === 'error') return `error -${r.errno}`;
  return 'bypass (untranslated)';
}

// Two failures are the same outcome whatever the errno: the device gets nothing on either kernel.
const same = (x: LookupResult, y: LookupResult) => x.status === y.status && x.target === y.target && x.ids.join() === y.ids.join();

/** The same property read by of_map_id() in Linux 5.3-7.1 (classic) and 7.2+ (cells-aware). */
export const mapPortability: Rule = {
  id: 'map-portability',
  severity: 'warning',
  description: 'classic (5.3-7.1) and mainline (7.2+) kernels translate the map differently',
  check(ctx, report) {
    const forms: KernelForm[] = ['classic', 'mainline'];
    for (const b of ctx.bridges) {
      for (const kind of MAP_KINDS) {
        const [c, m] = forms.map((f) => (f === ctx.form ? b.maps[kind] : ctx.analyse(b, kind, f)));
        if (!c || !m || formsAgree(c.parsed, m.parsed)) continue; // the common case, without a lookup
        // Cut the domain where either form's outcome changes; within a piece each form is one
        // entry (linear in the masked ID) or one error, so its two ends decide the whole piece.
        const cuts = new Set<number>([b.domain[0]]);
        for (const s of [...c.coverage.segments, ...m.coverage.segments]) if (s.last < b.domain[1]) cuts.add(s.last + 1);
        const starts = [...cuts].sort((x, y) => x - y);
        const differ: Array<[number, number]> = [];
        let example = '';
        starts.forEach((first, i) => {
          const last = i + 1 < starts.length ? starts[i + 1]! - 1 : b.domain[1];
          const ends = [first, last];
          const diff = ends.some((rid) => !same(lookup(c.parsed, rid), lookup(m.parsed, rid)));
          if (!diff) return;
          differ.push([first, last]);
          if (!example) example = `RID ${ridList([[first, first]])}: classic: ${reading(lookup(c.parsed, first))}; mainline: ${reading(lookup(m.parsed, first))}`;
        });
        if (!differ.length) continue;
        const rids = mergeRanges(differ);
        const total = rids.reduce((n, [x, y]) => n + y - x + 1, 0);
        report({ node: b.node.path, property: NAMES[kind].map, message: `${count(total, 'RID')} translate differently on classic (5.3-7.1) and mainline (7.2+) kernels (${ridList(rids, 3)}); e.g. ${example}`, rids, span: b.maps[kind]!.parsed.property.span, disabled: !b.enabled });
      }
    }
  },
};
