// The RID-space picture as a standalone HTML page: the same SVG at the top left (so a screenshot
// has the SVG's own coordinates), then the translation table as text.
import { readerNamed } from '../map/readers/index.js';
import type { Tree } from '../tree/model.js';
import { isPciBridge, NAMES } from '../map/map.js';
import { idRange } from '../words.js';
import { inputRange } from './legend.js';
import type { Picture } from './model.js';
import { esc, formatSvg } from './svg.js';
import { translationTable } from './table.js';

export function formatHtml(p: Picture, tree: Tree): string {
  const rows = translationTable(
    tree,
    p.form,
    p.bridges.flatMap((b) => (b.node ? [b.node] : [])),
    undefined,
    readerNamed(p.reader),
  );
  const body = rows
    .map((r) => {
      const to =
        r.status === 'translated'
          ? `-> ${r.target!.path}${r.target!.enabled ? '' : ' (disabled)'}`
          : r.status === 'bypass'
            ? 'gap: bypass'
            : r.status === 'no-map'
              ? 'no map: passes unchanged'
              : `error -${r.errno}`;
      const ids = r.idFirst !== null && r.idLast !== null ? idRange(r.idFirst, r.idLast) : '';
      return `<tr class="${r.status} ${r.map}"><td>${esc(r.node.path)}</td><td>${NAMES[r.map].map}</td><td>${inputRange(isPciBridge(r.node), [r.first, r.last])}</td><td>${esc(to)}</td><td>${ids}${r.folded ? ' (folded)' : ''}</td><td>${r.entry ?? ''}</td></tr>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${esc(`dtmap map: ${p.source}`)}</title>
<style>
html, body { margin: 0; background: #ffffff; color: #222222; font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 13px; }
svg { display: block; }
section { padding: 0 16px 16px; }
table { border-collapse: collapse; }
th, td { text-align: left; padding: 2px 12px 2px 0; border-bottom: 1px solid #eeeeee; }
tr.bypass td, tr.error td { font-weight: bold; }
tr.bypass td { color: #007a99; }
tr.error td, tr.bypass.msi td { color: #e41a1c; }
</style>
</head>
<body>
${formatSvg(p)}<section>
<h2>Translation table</h2>
<table>
<tr><th>node</th><th>map</th><th>RIDs</th><th>becomes</th><th>output IDs</th><th>entry</th></tr>
${body}
</table>
</section>
</body>
</html>
`;
}
