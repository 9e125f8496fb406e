// The RID-space picture for a terminal: one row per map, the bus-range to scale across the
// width, a letter per target (so it reads without colour), gap marks that scaling never hides,
// a ruler of described devices, and a legend.
import { readerTitle } from '../map/readers/index.js';
import chalk from 'chalk';
import type { MapKind } from '../map/map.js';
import { hex } from '../words.js';
import {
  barWidth,
  cellRange,
  columnOf,
  rasterize,
  type BridgeView,
  type Cell,
  type Picture,
  type Target,
} from './model.js';
import { bridgeTitle, bus, legend, markOf, scaleNote, type LegendItem } from './legend.js';

export interface TextOptions {
  /** Total line width in columns (default 80). */
  width?: number;
}

/** Columns left of the bar: "  iommu-map  |". */
const LABEL = 13;
export const MIN_WIDTH = LABEL + 2 + 16;

// Targets on coloured backgrounds; cyan (info) and red (error) stay free for the marks.
const PALETTE: Array<(s: string) => string> = [
  (s) => chalk.bgGreen.black(s),
  (s) => chalk.bgMagenta.whiteBright(s),
  (s) => chalk.bgBlue.whiteBright(s),
  (s) => chalk.bgYellow.black(s),
  (s) => chalk.bgGreenBright.black(s),
  (s) => chalk.bgMagentaBright.black(s),
  (s) => chalk.bgBlueBright.black(s),
  (s) => chalk.bgYellowBright.black(s),
  (s) => chalk.bgWhite.black(s),
];

const targetStyle = (t: Target) => PALETTE[t.index % PALETTE.length]!;

function markStyle(kind: Cell['kind'], map: MapKind | undefined): (s: string) => string {
  switch (kind) {
    case 'gap':
      return map === 'msi' ? (s) => chalk.red.bold(s) : (s) => chalk.cyan.bold(s); // error / info styles
    case 'disabled':
      return (s) => chalk.yellow(s);
    case 'error':
      return (s) => chalk.bgRed.whiteBright.bold(s);
    default:
      return (s) => s;
  }
}

function cellText(c: Cell, map: MapKind): string {
  if (c.kind === 'translated' && c.target) return targetStyle(c.target)(c.target.letter[0]!);
  const mark = markOf(c.kind, map);
  // A column that is partly translated keeps its gap mark, on the target's background.
  if (c.mixed && c.kind === 'gap') return mixedStyle(c.mixed, map)(mark);
  return markStyle(c.kind, map)(mark);
}

const BG: Array<(s: string) => string> = [
  (s) => chalk.bgGreen(s),
  (s) => chalk.bgMagenta(s),
  (s) => chalk.bgBlue(s),
  (s) => chalk.bgYellow(s),
  (s) => chalk.bgGreenBright(s),
  (s) => chalk.bgMagentaBright(s),
  (s) => chalk.bgBlueBright(s),
  (s) => chalk.bgYellowBright(s),
  (s) => chalk.bgWhite(s),
];

function mixedStyle(t: Target, map: MapKind): (s: string) => string {
  const bg = BG[t.index % BG.length]!;
  return (s) => bg(map === 'msi' ? chalk.redBright.bold(s) : chalk.cyanBright.bold(s));
}

/** The axis above the bars: bus numbers (or IDs) at the first RID of labelled columns, the last at the end. */
function axis(b: BridgeView, width: number): string {
  const [lo, hi] = b.domain;
  const text = (v: number) => (b.pci ? bus(v) : hex(v));
  const row = Array<string>(width).fill(' ');
  const put = (at: number, s: string) => {
    for (let i = 0; i < s.length && at + i < width; i++) row[at + i] = s[i]!;
  };
  const end = text(hi);
  const endAt = width - end.length;
  const step = Math.max(4, 2 ** Math.floor(Math.log2(width / 4)));
  let lastLabel = '';
  for (let c = 0; c < width; c += step) {
    const s = text(cellRange(lo, hi, width, c)[0]);
    if (c + s.length + 1 > endAt) break;
    put(c, s);
    lastLabel = s;
  }
  if (end !== lastLabel) put(endAt, end);
  return ' '.repeat(LABEL + 1) + row.join('').trimEnd();
}

function ruler(b: BridgeView, width: number): string | undefined {
  if (!b.devices.length) return undefined;
  const [lo, hi] = b.domain;
  const row = Array<string>(width).fill(' ');
  const inGap = new Set<number>();
  for (const d of b.devices) {
    const c = columnOf(lo, hi, width, d.rid);
    row[c] = '^';
    if (b.rows.some((r) => r.runs.some((x) => x.kind !== 'translated' && x.first <= d.rid && d.rid <= x.last)))
      inGap.add(c);
  }
  const cells = row.map((ch, c) =>
    ch === '^' && inGap.has(c) ? chalk.yellow.bold(ch) : ch === '^' ? chalk.bold(ch) : ch,
  );
  let last = width;
  while (last > 0 && row[last - 1] === ' ') last--;
  return `  ${'devices'.padEnd(9)}  ${' '}${cells.slice(0, last).join('')}`;
}

function wrap(text: string, width: number, indent: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && indent + line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out.map((l, i) => (i === 0 ? l : ' '.repeat(indent) + l));
}

function legendLines(items: LegendItem[], width: number): string[] {
  const lines: string[] = [];
  for (const it of items) {
    const mark = it.target
      ? it.target.enabled
        ? targetStyle(it.target)(it.mark)
        : markStyle('disabled', undefined)(it.mark)
      : it.kind === 'device'
        ? chalk.bold(it.mark)
        : markStyle(it.kind, it.map)(it.mark);
    const [first, ...rest] = wrap(it.title, width, 5);
    lines.push(`  ${mark}  ${first}`, ...rest);
    for (const l of it.lines)
      lines.push(...wrap(l, width, 7).map((x, i) => (i === 0 ? '       ' + chalk.dim(x) : chalk.dim(x))));
  }
  return lines;
}

/** `name  rest` on one line when it fits, else wrapped with the rest indented. */
function heading(name: string, rest: string, width: number, style: (s: string) => string): string[] {
  if (name.length + 2 + rest.length <= width) return [`${style(name)}  ${chalk.dim(rest)}`];
  return [style(name), ...wrap(rest, width - 2, 0).map((l) => '  ' + chalk.dim(l))];
}

export function formatText(p: Picture, opts: TextOptions = {}): string {
  const width = Math.max(opts.width ?? 80, MIN_WIDTH);
  // "ID space" when no node drawn is a PCI host bridge (fsl-mc, a video node's context banks)
  const space = p.bridges.length && p.bridges.every((b) => !b.pci) ? 'ID space' : 'RID space';
  const lines: string[] = heading(p.source, `${space} (${p.readBy ?? readerTitle(p.reader)})`, width, (s) =>
    chalk.bold.underline(s),
  );
  if (!p.bridges.length) lines.push(chalk.dim('  no iommu-map or msi-map in this tree'));
  for (const b of p.bridges) {
    const [lo, hi] = b.domain;
    const n = hi - lo + 1;
    const bar = barWidth(n, width - LABEL - 2);
    lines.push('', ...heading(b.path, `${bridgeTitle(b)}, ${scaleNote(n, bar, b.pci)}`, width, (s) => chalk.bold(s)));
    lines.push(chalk.dim(axis(b, bar)));
    for (const row of b.rows) {
      const cells = rasterize(row.runs, lo, hi, bar);
      lines.push(`  ${row.property.padEnd(9)}  |${cells.map((c) => cellText(c, row.kind)).join('')}|`);
    }
    for (const kind of b.absent)
      lines.push(
        chalk.dim(
          `  ${(kind + '-map').padEnd(9)}  absent: ${kind === 'iommu' ? 'no IOMMU translation from this node' : `the default MSI domain, DeviceID = ${b.pci ? 'RID' : 'input ID'}`}`,
        ),
      );
    const r = ruler(b, bar);
    if (r) lines.push(r);
    lines.push(...legendLines(legend(b), width));
  }
  return lines.join('\n') + '\n';
}
