// Hover, go to definition and code actions on a checked board: what a map entry does to the
// RIDs it covers, where its phandle points, and quick fixes for findings.
import {
  CodeActionKind,
  type CodeAction,
  type Diagnostic as LspDiagnostic,
  type Hover,
  type Location,
  type Position,
  type Range,
  type TextEdit,
} from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { pathToFileURL } from 'node:url';
import { basename } from 'node:path';
import type { Bridge } from '../machine/machine.js';
import { deviceHeading, GAP, gapDma, hex, ID_NAME, idRange, mapIommus, ridRange } from '../words.js';
import { coverage } from '../core/coverage.js';
import { lookup } from '../core/lookup.js';
import { mergeRanges } from '../core/ranges.js';
import {
  buildMap,
  MAP_KINDS,
  NAMES,
  OF_MAP_ID,
  type Coverage,
  type LookupResult,
  type MapEntry,
  type MapKind,
  type ParsedMap,
} from '../map/map.js';
import { translate } from '../map/translate.js';
import type { Node, Tree } from '../tree/model.js';
import { findingMap, type Checked, type DiagnosticData, type Project } from './project.js';
import {
  cellRange,
  contains,
  entryRange,
  labelAt,
  lastCell,
  offsetOf,
  rangeOf,
  statementRange,
  tokenEnd,
  type LabelToken,
} from './text.js';

interface MapAt {
  bridge: Bridge;
  kind: MapKind;
  parsed: ParsedMap;
  cover: Coverage;
  /** The entry under the position, if any. */
  entry?: MapEntry;
}

/** The map entry, or else the map property, written at a position of `file`. */
function mapAt(c: Checked, doc: TextDocument, file: string, pos: Position): MapAt | undefined {
  let whole: MapAt | undefined;
  for (const bridge of c.ctx.bridges)
    for (const kind of MAP_KINDS) {
      const a = bridge.maps[kind];
      if (!a) continue;
      const at = { bridge, kind, parsed: a.parsed, cover: a.coverage };
      // entries first: a board that sets the property again writes its cells elsewhere
      const entry = a.parsed.entries.find((e) => {
        const r = entryRange(doc, file, a.parsed, e);
        return r && contains(r, pos);
      });
      if (entry) return { ...at, entry };
      const span = a.parsed.property.span;
      if (!whole && span && span.file === file && contains(statementRange(doc, span), pos)) whole = at;
    }
  return whole;
}

const MAX_LINES = 8;

const buses = (b: Bridge) => `bus-range ${b.busRange.map((n) => n.toString(16).padStart(2, '0')).join('-')}`;

function targetName(tree: Tree, n: Node | undefined): string {
  if (!n) return '(dangling phandle)';
  const label = tree.labelOf(n);
  return label ? `${n.path} (&${label})` : n.path;
}

/** Raw RIDs in BDF form with hex, e.g. `00:00.0-0f:1f.7 (0x0-0xfff)`. */
const rids = (a: number, b: number) => `${ridRange([a, b])} (${idRange(a, b)})`;

function gapLines(m: ParsedMap, cover: Coverage, kind: MapKind): string[] {
  const gaps = cover.segments.filter((s) => s.status === 'bypass');
  // the DMA of a gap RID, as the map's IOMMU treats it (words.ts gapDma())
  const effect = kind === 'iommu' ? `${GAP.iommu.gets} (${gapDma(mapIommus(m.entries)).dma})` : GAP.msi.gets;
  const lines = gaps
    .slice(0, MAX_LINES)
    .map((s) => `- ${rids(s.first, s.last)}: ${effect}; kernel: \`${lookup(m.table, s.first).log}\``);
  if (gaps.length > MAX_LINES) lines.push(`- ... and ${gaps.length - MAX_LINES} more gaps`);
  return lines;
}

function entryHover(c: Checked, at: MapAt, e: MapEntry): string {
  const { parsed: m, cover, kind, bridge } = at;
  const tree = c.tree;
  const name = NAMES[kind].map;
  const id = ID_NAME[kind];
  const outIds =
    e.out.length === 1 ? idRange(e.out[0]!, (e.out[0]! + Math.max(e.length, 1) - 1) >>> 0) : e.out.map(hex).join(' ');
  const end = Math.min(e.ridBase + e.length - 1, 0xffffffff);
  const written = e.length
    ? `RIDs ${rids(e.ridBase, end)}${m.mask !== 0xffffffff ? ` (masked by ${hex(m.mask)})` : ''} -> ${targetName(tree, e.target)} ${id} ${outIds}`
    : 'length 0: matches no RID';
  const out: string[] = [`**${name}** entry ${e.index} on \`${bridge.node.path}\` (${c.form} kernel): ${written}`, ''];
  const mine = cover.segments.filter((s) => s.entry === e);
  if (mine.length) out.push(`What the kernel does with the RIDs of ${buses(bridge)} that reach it:`);
  for (const s of mine.slice(0, MAX_LINES)) {
    if (s.status === 'translated')
      out.push(`- ${rids(s.first, s.last)} -> ${targetName(tree, s.target)} ${id} ${idRange(s.idFirst!, s.idLast!)}`);
    else out.push(`- ${rids(s.first, s.last)}: error -${s.errno}${s.log ? `; kernel: \`${s.log}\`` : ''}`);
  }
  if (mine.length > MAX_LINES) out.push(`- ... and ${mine.length - MAX_LINES} more ranges`);
  if (!mine.length)
    out.push(`It translates no RID of ${buses(bridge)}: earlier entries take its RIDs, or they lie outside.`);
  const gaps = gapLines(m, cover, kind);
  if (gaps.length) out.push('', `Not covered by ${name} within bus-range:`, ...gaps);
  return out.join('\n');
}

function mapHover(c: Checked, at: MapAt): string {
  const { parsed: m, cover, kind, bridge } = at;
  const name = NAMES[kind].map;
  const out: string[] = [`**${name}** on \`${bridge.node.path}\`, ${buses(bridge)} (${c.form} kernel)`, ''];
  if (m.fatal) out.push(`every lookup fails: -${m.fatal.errno}${m.fatal.log ? `; kernel: \`${m.fatal.log}\`` : ''}`);
  for (const s of cover.segments.slice(0, MAX_LINES)) {
    if (s.status === 'translated')
      out.push(
        `- ${rids(s.first, s.last)} -> ${targetName(c.tree, s.target)} ${idRange(s.idFirst!, s.idLast!)} [entry ${s.entry!.index}]`,
      );
    else if (s.status === 'bypass')
      out.push(`- ${rids(s.first, s.last)}: not covered; kernel: \`${lookup(m.table, s.first).log}\``);
    else out.push(`- ${rids(s.first, s.last)}: error -${s.errno}${s.log ? `; kernel: \`${s.log}\`` : ''}`);
  }
  if (cover.segments.length > MAX_LINES) out.push(`- ... and ${cover.segments.length - MAX_LINES} more ranges`);
  return out.join('\n');
}

function outcome(c: Checked, r: LookupResult, kind: MapKind): string {
  const id = ID_NAME[kind];
  switch (r.status) {
    case 'translated':
      return `${id} ${r.ids.map(hex).join(' ')} on ${targetName(c.tree, r.target)} [entry ${r.entry!.index}]`;
    case 'no-map':
      return kind === 'iommu'
        ? `no iommu-map: no IOMMU from this bridge`
        : `no msi-map: the default MSI domain, DeviceID ${hex(r.id!)}`;
    case 'bypass':
      return `not in the map: ${kind === 'iommu' ? `${GAP.iommu.gets} (${GAP.iommu.dma})` : GAP.msi.gets}; kernel: \`${r.log}\``;
    case 'error':
      return `error -${r.errno}${r.log ? `; kernel: \`${r.log}\`` : ''}`;
  }
}

/** A PCI device node whose name is written at the position. */
function deviceHover(c: Checked, doc: TextDocument, file: string, pos: Position): string | undefined {
  for (const bridge of c.ctx.bridges) {
    if (!bridge.pci) continue;
    for (const d of bridge.devices) {
      const span = d.node.span;
      if (!span || span.file !== file || span.line - 1 !== pos.line) continue;
      const at = offsetOf(doc, span);
      if (!contains(rangeOf(doc, at, tokenEnd(doc.getText(), at)), pos)) continue;
      return deviceLines(c, bridge, d).join('\n');
    }
  }
  return undefined;
}

/** The label reference or definition at a position, with the node it names in the board's tree. */
function labelNode(c: Checked, doc: TextDocument, pos: Position): { token: LabelToken; node: Node } | undefined {
  const token = labelAt(doc.getText(), doc.offsetAt(pos));
  if (!token) return undefined;
  const node = token.kind === 'path' ? c.tree.byPath(token.name) : c.tree.byLabel(token.name);
  return node ? { token, node } : undefined;
}

const where = (span: { file: string; line: number } | undefined) =>
  span ? `${basename(span.file)}:${span.line}` : 'unknown place';

/** What a node is to the maps: a bridge with maps, the target of entries, a PCI device. */
function nodeHover(c: Checked, token: LabelToken, node: Node): string {
  const name = token.kind === 'path' ? `&{${token.name}}` : `&${token.name}`;
  const out: string[] = [`**${name}**: \`${node.path}\` (${where(node.span)})`, ''];
  if (node.labels.length > 1) out.push(`- labels: ${node.labels.map((l) => `\`${l}\``).join(', ')}`);
  const compatible = node.prop('compatible')?.strings();
  if (compatible?.length) out.push(`- compatible: ${compatible.map((x) => `"${x}"`).join(', ')}`);
  if (!node.enabled) out.push(`- status: "${node.status}"`);
  const targets: string[] = [];
  for (const bridge of c.ctx.bridges)
    for (const kind of MAP_KINDS) {
      const a = bridge.maps[kind];
      const entries = a?.parsed.entries.filter((e) => e.target === node).map((e) => e.index) ?? [];
      if (entries.length)
        targets.push(
          `- ${NAMES[kind].map} ${entries.length > 1 ? 'entries' : 'entry'} ${entries.join(', ')} of \`${bridge.node.path}\` ${entries.length > 1 ? 'point' : 'points'} here`,
        );
    }
  out.push(...targets.slice(0, MAX_LINES));
  if (targets.length > MAX_LINES) out.push(`- ... and ${targets.length - MAX_LINES} more maps`);
  for (const bridge of c.ctx.bridges) {
    if (bridge.node === node)
      for (const kind of MAP_KINDS) {
        const a = bridge.maps[kind];
        if (a) out.push('', mapHover(c, { bridge, kind, parsed: a.parsed, cover: a.coverage }));
      }
    const d = bridge.pci ? bridge.devices.find((x) => x.node === node) : undefined;
    if (d) out.push('', ...deviceLines(c, bridge, d));
  }
  while (out[out.length - 1] === '') out.pop();
  return out.join('\n');
}

function deviceLines(c: Checked, bridge: Bridge, d: Bridge['devices'][number]): string[] {
  const iommu = translate(c.tree, bridge.node, d.rid, 'iommu', c.form);
  const msi = translate(c.tree, bridge.node, d.rid, 'msi', c.form);
  return [
    deviceHeading(d, bridge.node, c.form),
    '',
    `- iommu-map: ${outcome(c, iommu, 'iommu')}`,
    `- msi-map: ${outcome(c, msi, 'msi')}`,
  ];
}

export function hover(project: Project, file: string, pos: Position): Hover | null {
  const s = project.stateFor(file);
  if (!s?.good) return null;
  const doc = project.document(file);
  const at = mapAt(s.good, doc, file, pos);
  let text: string | undefined;
  let range: Range | undefined;
  if (at?.entry) text = entryHover(s.good, at, at.entry);
  else {
    const label = labelNode(s.good, doc, pos);
    if (label) {
      text = nodeHover(s.good, label.token, label.node);
      range = rangeOf(doc, label.token.start, label.token.end);
    } else text = at ? mapHover(s.good, at) : deviceHover(s.good, doc, file, pos);
  }
  if (!text) return null;
  const h: Hover = { contents: { kind: 'markdown', value: `${text}\n\n*board ${basename(s.board)}*` } };
  if (range) h.range = range;
  return h;
}

/** Go to definition on a label reference or definition (an entry's phandle among them): the node. */
export function definition(project: Project, file: string, pos: Position): Location | null {
  const s = project.stateFor(file);
  if (!s?.good) return null;
  const label = labelNode(s.good, project.document(file), pos);
  const span = label?.node.span;
  if (!span) return null;
  const target = project.document(span.file);
  const start = offsetOf(target, span);
  return { uri: pathToFileURL(span.file).href, range: rangeOf(target, start, tokenEnd(target.getText(), start)) };
}

/**
 * For an msi-map gap: one entry whose range, stretched over every gap RID, leaves no RID of
 * bus-range untranslated and changes no translation the map made before.
 */
export function extendOverGap(
  bridge: Bridge,
  m: ParsedMap,
  cover: Coverage,
): { entry: MapEntry; ridBase: number; outBase: number; length: number } | undefined {
  if ((m.mask & 0xffff) !== 0xffff || m.fatal || m.tail) return undefined; // masked RIDs are not linear in the RID
  const gaps = mergeRanges(cover.segments.filter((s) => s.status === 'bypass').map((s) => [s.first, s.last]));
  if (!gaps.length) return undefined;
  for (const e of m.entries) {
    if (!e.target || e.out.length !== 1 || !e.length) continue;
    const first = Math.min(e.ridBase, gaps[0]![0]);
    const last = Math.max(e.ridBase + e.length - 1, gaps[gaps.length - 1]![1]);
    const outBase = e.out[0]! - (e.ridBase - first);
    if (outBase < 0) continue;
    const candidate: MapEntry = { ...e, ridBase: first, out: [outBase], length: last - first + 1 };
    const next = buildMap(m, { entries: m.entries.map((x) => (x === e ? candidate : x)) }, OF_MAP_ID);
    const after = coverage(next.table, bridge.domain[0], bridge.domain[1]);
    if (after.segments.some((s) => s.status !== 'translated')) continue;
    // every RID translated before still goes to the same target and ID (segments are linear runs)
    const same = cover.segments.every(
      (s) =>
        s.status !== 'translated' ||
        after.segments.every((t) => {
          if (t.first > s.last || t.last < s.first) return true;
          const rid = Math.max(s.first, t.first);
          return t.target === s.target && (t.idFirst! + (rid - t.first)) >>> 0 === (s.idFirst! + (rid - s.first)) >>> 0;
        }),
    );
    if (same) return { entry: e, ridBase: first, outBase, length: last - first + 1 };
  }
  return undefined;
}

/** Replaces a cell's number, when it is written as a plain literal of that value in `file`. */
function cellEdit(
  doc: TextDocument,
  file: string,
  m: ParsedMap,
  cell: number,
  value: number,
): TextEdit | null | undefined {
  const current = m.property.u32(cell);
  if (current === value) return null; // unchanged
  const r = cellRange(doc, file, m, cell);
  if (!r) return undefined;
  const written = doc.getText(r);
  if (!/^(0x[0-9a-f]+|[1-9]\d*|0)$/i.test(written) || Number(written) !== current) return undefined; // a macro or expression: leave it to the user
  return { range: r, newText: hex(value) };
}

export function codeActions(project: Project, file: string, diagnostics: LspDiagnostic[]): CodeAction[] {
  const actions: CodeAction[] = [];
  const uri = pathToFileURL(file).href;
  for (const diag of diagnostics) {
    if (diag.source !== 'dtmap' || !diag.data) continue;
    const data = diag.data as DiagnosticData;
    const s = project.boards.get(data.board);
    if (!s?.good) continue;
    const prop = data.property ? s.good.tree.byPath(data.node)?.prop(data.property) : undefined;
    const span = prop?.span;
    if (span) {
      // suppress.ts: the comment on the line before the property silences the rule there
      const doc = project.document(span.file);
      const line = doc.getText({
        start: { line: span.line - 1, character: 0 },
        end: { line: span.line - 1, character: span.column - 1 },
      });
      const indent = /^\s*/.exec(line)![0];
      const at = { line: span.line - 1, character: 0 };
      actions.push({
        title: `Disable ${data.rule} for this property (dtmap-disable-next-line)`,
        kind: CodeActionKind.QuickFix,
        diagnostics: [diag],
        edit: {
          changes: {
            [pathToFileURL(span.file).href]: [
              {
                range: { start: at, end: at },
                newText: `${indent}// dtmap-disable-next-line ${data.rule} -- reason\n`,
              },
            ],
          },
        },
      });
    }
    if (data.rule === 'msi-map-gap') {
      const m = findingMap(s.good.ctx, data.node, data.property);
      const bridge = s.good.ctx.bridges.find((b) => b.node.path === data.node);
      const a = bridge?.maps.msi;
      if (!m || !bridge || !a) continue;
      const fix = extendOverGap(bridge, m, a.coverage);
      if (!fix) continue;
      const e = fix.entry;
      const doc = project.document(file);
      const edits = [
        cellEdit(doc, file, m, e.cell, fix.ridBase),
        cellEdit(doc, file, m, e.cell + 2, fix.outBase),
        cellEdit(doc, file, m, lastCell(e), fix.length),
      ];
      if (edits.some((x) => x === undefined)) continue;
      actions.push({
        title: `Extend msi-map entry ${e.index} to cover bus-range: RIDs ${ridRange([fix.ridBase, fix.ridBase + fix.length - 1])}`,
        kind: CodeActionKind.QuickFix,
        diagnostics: [diag],
        isPreferred: true,
        edit: { changes: { [uri]: edits.filter((x): x is TextEdit => !!x) } },
      });
    }
  }
  return actions;
}
