// The RID-space picture as a standalone SVG (no external resources): the bus-range to scale,
// a colour and a letter per target, gaps and untranslated RIDs drawn at least MIN_MARK px wide
// with a callout naming them, ticks for described devices, and the legend. The HTML writer
// embeds the same SVG.
import { readerTitle } from '../map/readers/index.js';
import type { MapKind } from '../map/map.js';
import { deviceAt, hex } from '../words.js';
import {
  isProblem,
  rangesOf,
  type BridgeView,
  type MapRow,
  type Picture,
  type Run,
  type RunKind,
  type Target,
} from './model.js';
import { bridgeTitle, bus, inputRange, legend, markOf, type LegendItem } from './legend.js';

/** Pixel layout. Bars start at BAR_X and are BAR_W wide; everything is in CSS px. */
export const LAYOUT = {
  width: 960,
  pad: 16,
  barX: 120,
  barW: 816,
  barH: 22,
  char: 7.23, // advance of 12px DejaVu Sans Mono (0.602 em), used to place labels
  line: 16,
};

/** A gap, an untranslated or an error run is never drawn narrower than this. */
export const MIN_MARK = 3;

export const COLOURS = {
  /** Targets: no cyan (the iommu gap), red (the msi gap), grey (disabled) or black (errors). */
  targets: ['#4daf4a', '#984ea3', '#ff7f00', '#a65628', '#f781bf', '#6a6aad', '#1b9e77', '#b5bd00', '#e6ab02'],
  gap: { iommu: '#00b4d8', msi: '#e41a1c' } as Record<MapKind, string>,
  disabled: '#9e9e9e',
  error: '#111111',
  device: '#333333',
  text: '#222222',
  dim: '#666666',
  background: '#ffffff',
};

const FONT = `font-family="DejaVu Sans Mono, Menlo, Consolas, monospace"`;

export function targetColour(t: Target): string {
  return COLOURS.targets[t.index % COLOURS.targets.length]!;
}

export function runColour(kind: RunKind, map: MapKind, target: Target | undefined): string {
  if (kind === 'translated' && target) return targetColour(target);
  if (kind === 'gap') return COLOURS.gap[map];
  if (kind === 'disabled') return COLOURS.disabled;
  return COLOURS.error;
}

/** Black or white text on a fill. */
function ink(fill: string): string {
  const v = parseInt(fill.slice(1), 16);
  const lum = 0.299 * (v >> 16) + 0.587 * ((v >> 8) & 0xff) + 0.114 * (v & 0xff);
  return lum > 150 ? '#000000' : '#ffffff';
}

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const num = (v: number) => (Math.round(v * 100) / 100).toString();

class Canvas {
  parts: string[] = [];
  y = 0;
  add(s: string): void {
    this.parts.push(s);
  }
  text(x: number, y: number, s: string, attrs = ''): void {
    this.add(`<text x="${num(x)}" y="${num(y)}" ${attrs}>${esc(s)}</text>`);
  }
}

/** x of raw RID `rid` (its left edge) on a bar over [lo, hi]. */
export function ridX(lo: number, hi: number, rid: number): number {
  return LAYOUT.barX + ((rid - lo) / (hi - lo + 1)) * LAYOUT.barW;
}

/** Where a run is drawn: its exact extent, widened to MIN_MARK around its centre for problem runs. */
export function runBox(lo: number, hi: number, r: Run): [number, number] {
  let x0 = ridX(lo, hi, r.first);
  let x1 = ridX(lo, hi, r.last + 1);
  if (isProblem(r) && x1 - x0 < MIN_MARK) {
    const mid = (x0 + x1) / 2;
    x0 = Math.min(Math.max(mid - MIN_MARK / 2, LAYOUT.barX), LAYOUT.barX + LAYOUT.barW - MIN_MARK);
    x1 = x0 + MIN_MARK;
  }
  return [x0, x1];
}

function wrapChars(text: string, chars: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > chars) {
      out.push(line);
      line = '  ' + word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out;
}

function runTitle(row: MapRow, r: Run, pci: boolean): string {
  const what =
    r.kind === 'translated' || r.kind === 'disabled'
      ? `-> ${r.target!.path}${r.idFirst !== undefined ? ` ${r.idFirst === r.idLast ? hex(r.idFirst) : `${hex(r.idFirst)}-${hex(r.idLast!)}`}` : ''}${r.kind === 'disabled' ? ' (target disabled: untranslated)' : ''}`
      : r.kind === 'gap'
        ? 'gap: no entry matches'
        : `kernel error -${r.errno}`;
  return `${row.property} ${inputRange(pci, [r.first, r.last])}: ${what}`;
}

function drawAxis(c: Canvas, b: BridgeView, top: number, bottom: number): void {
  const [lo, hi] = b.domain;
  const n = hi - lo + 1;
  const ticks = 8;
  const label = (v: number) => (b.pci ? bus(v) : hex(v));
  const at = new Set<number>();
  let previous = '';
  for (let i = 0; i <= ticks; i++) {
    const end = i === ticks;
    // ticks on bus boundaries (PCI) so each label names the bus starting there
    const rid = end ? hi + 1 : b.pci ? lo + Math.round((i * n) / ticks / 256) * 256 : lo + Math.round((i * n) / ticks);
    if (at.has(rid) || (!end && rid > hi)) continue;
    at.add(rid);
    const text = end ? label(hi) : label(rid);
    const x = ridX(lo, hi, rid);
    c.add(
      `<line x1="${num(x)}" y1="${num(top + 3)}" x2="${num(x)}" y2="${num(bottom)}" stroke="#cccccc" stroke-width="1"/>`,
    );
    if (end && text === previous) continue;
    const anchor = i === 0 ? 'start' : end ? 'end' : 'middle';
    c.text(x, top, text, `text-anchor="${anchor}" font-size="11" fill="${COLOURS.dim}"`);
    previous = text;
  }
}

const CALLOUT_NAME: Record<Exclude<RunKind, 'translated'>, string> = {
  gap: 'gap',
  disabled: 'untranslated',
  error: 'error',
};
const CALLOUT_PLURAL: Record<Exclude<RunKind, 'translated'>, string> = {
  gap: 'gaps',
  disabled: 'untranslated',
  error: 'errors',
};

interface Callout {
  /** x of the pointer (the middle of the drawn mark), x where the label starts, its line. */
  anchor: number;
  labelX: number;
  width: number;
  line: number;
  text: string;
  colour: string;
}

const CALLOUT_LINES = 3;

/** Callout labels for the row's problem runs, right of their pointer (left near the right edge),
 *  packed left to right on up to CALLOUT_LINES lines; the rest are counted. */
function callouts(row: MapRow, b: BridgeView): { marks: Callout[]; dropped: number } {
  const [lo, hi] = b.domain;
  const problems: Array<{ kind: Exclude<RunKind, 'translated'>; range: [number, number] }> = [];
  for (const kind of ['gap', 'disabled', 'error'] as const)
    for (const range of rangesOf(row.runs, kind)) problems.push({ kind, range });
  problems.sort((x, y) => x.range[0] - y.range[0]);
  const box = (kind: RunKind, [a, z]: [number, number]) =>
    runBox(lo, hi, {
      first: a,
      last: z,
      kind,
      target: undefined,
      idFirst: undefined,
      idLast: undefined,
      entry: undefined,
      errno: null,
    });
  // ranges of one kind drawn within a few px of each other share one callout
  const clusters: Array<{ kind: Exclude<RunKind, 'translated'>; ranges: Array<[number, number]> }> = [];
  for (const p of problems) {
    const prev = clusters[clusters.length - 1];
    if (
      prev &&
      prev.kind === p.kind &&
      box(p.kind, p.range)[0] - box(prev.kind, prev.ranges[prev.ranges.length - 1]!)[1] < 6
    )
      prev.ranges.push(p.range);
    else clusters.push({ kind: p.kind, ranges: [p.range] });
  }
  const marks: Callout[] = [];
  const ends = Array<number>(CALLOUT_LINES).fill(-Infinity);
  let dropped = 0;
  for (const { kind, ranges } of clusters) {
    const a = ranges[0]![0];
    const z = ranges[ranges.length - 1]![1];
    const n = ranges.reduce((k, [x, y]) => k + y - x + 1, 0);
    const rids = `${n} ${b.pci ? 'RID' : 'ID'}${n === 1 ? '' : 's'}`;
    const text =
      ranges.length === 1
        ? `${row.kind} ${CALLOUT_NAME[kind]} ${inputRange(b.pci, [a, z])} (${rids})`
        : `${row.kind} ${CALLOUT_PLURAL[kind]} in ${inputRange(b.pci, [a, z])}: ${ranges.length} ranges, ${rids}`;
    const [x0] = box(kind, ranges[0]!);
    const [, x1] = box(kind, ranges[ranges.length - 1]!);
    const anchor = (x0 + x1) / 2;
    const width = text.length * LAYOUT.char;
    const right = anchor + 10 + width <= LAYOUT.width - LAYOUT.pad;
    const labelX = right ? anchor + 10 : anchor - 10 - width;
    const start = Math.min(anchor - 5, labelX);
    const line = ends.findIndex((e) => e + 10 <= start);
    if (line < 0) {
      dropped++;
      continue;
    }
    ends[line] = Math.max(anchor + 5, labelX + width);
    marks.push({
      anchor,
      labelX,
      width,
      line,
      text,
      colour: kind === 'gap' ? COLOURS.gap[row.kind] : kind === 'disabled' ? COLOURS.disabled : COLOURS.error,
    });
  }
  return { marks, dropped };
}

/** Text colour for a mark colour (the cyan is too light for text on white). */
const textColour = (c: string) => (c === COLOURS.gap.iommu ? '#007a99' : c === COLOURS.disabled ? '#666666' : c);

function drawRow(c: Canvas, b: BridgeView, row: MapRow): void {
  const [lo, hi] = b.domain;
  const { barX, barW, barH } = LAYOUT;
  const top = c.y + 3;
  const gapColour = COLOURS.gap[row.kind];
  c.add(
    `<g class="row" data-node="${esc(b.path)}" data-map="${row.kind}" data-lo="${lo}" data-hi="${hi}" data-x="${barX}" data-y="${num(top)}" data-w="${barW}" data-h="${barH}" data-gap-colour="${gapColour}">`,
  );
  c.text(LAYOUT.pad, top + barH / 2 + 4, row.property, `font-size="12" fill="${COLOURS.text}"`);
  c.add(
    `<rect x="${barX}" y="${num(top)}" width="${barW}" height="${barH}" fill="#f4f4f4" stroke="#bbbbbb" stroke-width="1"/>`,
  );
  // translated first, then the problems on top so a narrow one is never covered
  for (const pass of [false, true])
    for (const r of row.runs) {
      if (isProblem(r) !== pass) continue;
      const [x0, x1] = runBox(lo, hi, r);
      const fill = runColour(r.kind, row.kind, r.target);
      const cls = r.kind === 'translated' ? 'run' : `mark ${r.kind}`;
      // a narrow mark stands 3 px proud of the bar, top and bottom
      const proud = pass && x1 - x0 < 8 ? 3 : 0;
      c.add(
        `<rect class="${cls}" data-first="${r.first}" data-last="${r.last}" x="${num(x0)}" y="${num(top - proud)}" width="${num(x1 - x0)}" height="${barH + 2 * proud}" fill="${fill}"><title>${esc(runTitle(row, r, b.pci))}</title></rect>`,
      );
      const letter =
        r.target && r.kind === 'translated' ? r.target.letter : isProblem(r) ? markOf(r.kind, row.kind) : '';
      if (letter && x1 - x0 >= 14)
        c.text(
          (x0 + x1) / 2,
          top + barH / 2 + 4,
          letter,
          `text-anchor="middle" font-size="12" font-weight="bold" fill="${ink(fill)}"`,
        );
    }
  c.add('</g>');
  c.y = top + barH + 3;
  const { marks, dropped } = callouts(row, b);
  const lines = Math.max(0, ...marks.map((m) => m.line + 1));
  for (const m of marks) {
    const ly = c.y + 16 + m.line * LAYOUT.line;
    const end = m.labelX > m.anchor ? m.labelX - 3 : m.labelX + m.width + 3;
    c.add(
      `<polygon points="${num(m.anchor)},${num(c.y)} ${num(m.anchor - 4)},${num(c.y + 6)} ${num(m.anchor + 4)},${num(c.y + 6)}" fill="${m.colour}"/>`,
    );
    c.add(
      `<path d="M${num(m.anchor)} ${num(c.y + 6)} V${num(ly - 4)} H${num(end)}" fill="none" stroke="${m.colour}" stroke-width="1.5"/>`,
    );
    c.text(m.labelX, ly, m.text, `font-size="12" font-weight="bold" fill="${textColour(m.colour)}"`);
  }
  if (dropped)
    c.text(
      LAYOUT.barX,
      c.y + 16 + lines * LAYOUT.line,
      `and ${dropped} more (see the legend)`,
      `font-size="11" fill="${COLOURS.dim}"`,
    );
  c.y += (lines + (dropped ? 1 : 0)) * LAYOUT.line + (lines || dropped ? 10 : 4);
}

function drawDevices(c: Canvas, b: BridgeView): void {
  if (!b.devices.length) return;
  const [lo, hi] = b.domain;
  const top = c.y;
  c.text(LAYOUT.pad, top + 11, 'devices', `font-size="12" fill="${COLOURS.text}"`);
  for (const d of b.devices) {
    const x = ridX(lo, hi, d.rid + 0.5);
    c.add(
      `<polygon class="device" points="${num(x)},${num(top)} ${num(x - 5)},${num(top + 10)} ${num(x + 5)},${num(top + 10)}" fill="${COLOURS.device}"><title>${esc(deviceAt(d))}</title></polygon>`,
    );
  }
  c.y = top + 18;
}

function drawLegend(c: Canvas, items: LegendItem[]): void {
  const chars = Math.floor((LAYOUT.width - LAYOUT.pad * 2 - 24) / LAYOUT.char);
  for (const it of items) {
    const y = c.y;
    const fill = it.target
      ? it.target.enabled
        ? targetColour(it.target)
        : COLOURS.disabled
      : it.kind === 'device'
        ? COLOURS.background
        : it.kind === 'gap'
          ? COLOURS.gap[it.map!]
          : it.kind === 'disabled'
            ? COLOURS.disabled
            : COLOURS.error;
    c.add(
      `<rect x="${LAYOUT.pad}" y="${num(y)}" width="16" height="16" fill="${fill}" stroke="#888888" stroke-width="0.5"/>`,
    );
    c.text(
      LAYOUT.pad + 8,
      y + 12.5,
      it.mark,
      `text-anchor="middle" font-size="12" font-weight="bold" fill="${ink(fill)}"`,
    );
    const lines = wrapChars(it.title, chars);
    lines.forEach((l, i) =>
      c.text(
        LAYOUT.pad + 24,
        y + 12.5 + i * LAYOUT.line,
        l,
        `font-size="12" fill="${COLOURS.text}"${i === 0 ? ' font-weight="bold"' : ''}`,
      ),
    );
    let yy = y + lines.length * LAYOUT.line;
    for (const l of it.lines)
      for (const w of wrapChars(l, chars - 2)) {
        c.text(LAYOUT.pad + 40, yy + 12.5, w, `font-size="12" fill="${COLOURS.dim}"`);
        yy += LAYOUT.line;
      }
    c.y = yy + 4;
  }
}

export function formatSvg(p: Picture): string {
  const c = new Canvas();
  c.y = LAYOUT.pad;
  c.text(
    LAYOUT.pad,
    c.y + 14,
    `${p.source}  RID space (${p.readBy ?? readerTitle(p.reader)})`,
    `font-size="15" font-weight="bold" fill="${COLOURS.text}"`,
  );
  c.y += 26;
  if (!p.bridges.length) {
    c.text(LAYOUT.pad, c.y + 12, 'no iommu-map or msi-map in this tree', `font-size="12" fill="${COLOURS.dim}"`);
    c.y += 20;
  }
  for (const b of p.bridges) {
    c.y += 10;
    c.text(
      LAYOUT.pad,
      c.y + 12,
      `${b.path}  ${bridgeTitle(b)}`,
      `font-size="13" font-weight="bold" fill="${COLOURS.text}"`,
    );
    const perPx = (b.domain[1] - b.domain[0] + 1) / LAYOUT.barW;
    c.text(
      LAYOUT.width - LAYOUT.pad,
      c.y + 12,
      `1 px ~ ${perPx >= 10 ? Math.round(perPx) : Math.round(perPx * 100) / 100} RID${perPx === 1 ? '' : 's'}; gaps, untranslated and error RIDs drawn ${MIN_MARK} px wide at least`,
      `text-anchor="end" font-size="11" fill="${COLOURS.dim}"`,
    );
    c.y += 22;
    const axisTop = c.y + 10;
    c.y += 16;
    const barsTop = c.y;
    const body = new Canvas();
    body.y = c.y;
    for (const row of b.rows) drawRow(body, b, row);
    for (const kind of b.absent) {
      body.text(LAYOUT.pad, body.y + 12, `${kind}-map`, `font-size="12" fill="${COLOURS.dim}"`);
      body.text(
        LAYOUT.barX,
        body.y + 12,
        kind === 'iommu'
          ? 'absent: no IOMMU translation from this node'
          : `absent: the default MSI domain, DeviceID = ${b.pci ? 'RID' : 'input ID'}`,
        `font-size="12" fill="${COLOURS.dim}"`,
      );
      body.y += 20;
    }
    drawDevices(body, b);
    // the axis grid goes under the bars: draw it first
    drawAxis(c, b, axisTop, barsTop);
    c.parts.push(...body.parts);
    c.y = body.y + 8;
    drawLegend(c, legend(b));
  }
  const height = Math.ceil(c.y + LAYOUT.pad);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${LAYOUT.width}" height="${height}" viewBox="0 0 ${LAYOUT.width} ${height}" ${FONT} shape-rendering="crispEdges" data-dtmap="map" data-kernel="${p.form}" data-reader="${p.reader}">`,
    `<title>${esc(`dtmap map: ${p.source}`)}</title>`,
    `<rect width="100%" height="100%" fill="${COLOURS.background}"/>`,
    ...c.parts,
    '</svg>',
    '',
  ].join('\n');
}
