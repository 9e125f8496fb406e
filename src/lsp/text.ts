// Source text for the language server: where a token, a property or a map entry ends. The front
// end records where things start (Span: 1-based line and column); editors want ranges.
import type { Range } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { MapEntry, ParsedMap } from '../map/map.js';
import type { Span } from '../tree/model.js';

const NAME = /[\w.+\-#@,]/;

/** Offset just past the DTS token at `at`: a number or name, `&label`, `&{/path}`, `(expr)`, `MACRO(args)`. */
export function tokenEnd(text: string, at: number): number {
  let i = at;
  if (text[i] === '&' && text[i + 1] === '{') {
    const close = text.indexOf('}', i);
    return close < 0 ? i + 2 : close + 1;
  }
  if (text[i] === '&') i++;
  while (i < text.length && NAME.test(text[i]!)) i++;
  let j = i;
  const name = i > at && /[A-Za-z_]/.test(text[at]!);
  if (name) while (text[j] === ' ' || text[j] === '\t') j++;
  if (text[j] === '(' && (i === at || name)) {
    let depth = 0;
    for (; j < text.length && text[j] !== ';'; j++) {
      if (text[j] === '(') depth++;
      else if (text[j] === ')' && --depth === 0) return j + 1;
    }
  }
  return Math.max(i, at + 1);
}

/** Offset just past the `;` that ends the statement starting at `at` (strings and comments skipped). */
export function statementEnd(text: string, at: number): number {
  for (let i = at; i < text.length; i++) {
    const c = text[i];
    if (c === ';') return i + 1;
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
    } else if (c === '/' && text[i + 1] === '/') {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 1;
    } else if (c === '{' || c === '}') return i; // not a property after all
  }
  return text.length;
}

export function offsetOf(doc: TextDocument, span: Span): number {
  return doc.offsetAt({ line: span.line - 1, character: span.column - 1 });
}

export function rangeOf(doc: TextDocument, start: number, end: number): Range {
  return { start: doc.positionAt(start), end: doc.positionAt(end) };
}

/** The token written at a span. */
export function tokenRange(doc: TextDocument, span: Span): Range {
  const at = offsetOf(doc, span);
  return rangeOf(doc, at, tokenEnd(doc.getText(), at));
}

/** A property statement, from its name to its `;`. */
export function statementRange(doc: TextDocument, span: Span): Range {
  const at = offsetOf(doc, span);
  return rangeOf(doc, at, statementEnd(doc.getText(), at));
}

/** Index of an entry's last cell: rid-base, phandle, output cells, length. */
export function lastCell(e: MapEntry): number {
  return e.cell + 2 + e.out.length;
}

/** An entry's cells, from its first to the end of its last (when both were written in `doc`'s file). */
export function entryRange(doc: TextDocument, file: string, m: ParsedMap, e: MapEntry): Range | undefined {
  const first = m.property.cellSpans?.get(e.cell * 4);
  const last = m.property.cellSpans?.get(lastCell(e) * 4);
  if (!first || !last || first.file !== file || last.file !== file) return undefined;
  const a = offsetOf(doc, first);
  const b = tokenEnd(doc.getText(), offsetOf(doc, last));
  return b > a ? rangeOf(doc, a, b) : undefined;
}

/** The range of one cell's token, when it has a span of its own in `file`. */
export function cellRange(doc: TextDocument, file: string, m: ParsedMap, cell: number): Range | undefined {
  const span = m.property.cellSpans?.get(cell * 4);
  return span && span.file === file ? tokenRange(doc, span) : undefined;
}

export function contains(r: Range, p: { line: number; character: number }): boolean {
  const before = (a: { line: number; character: number }, b: { line: number; character: number }) =>
    a.line < b.line || (a.line === b.line && a.character <= b.character);
  return before(r.start, p) && before(p, r.end);
}

/** A label written in the source: a reference (`&name`, `&{/path}`) or a definition (`name:`). */
export interface LabelToken {
  kind: 'ref' | 'path' | 'def';
  /** The label, or the path of `&{/path}`. */
  name: string;
  start: number;
  end: number;
}

const LABEL_CHAR = /\w/;

/** The end of a comment or string starting at `i` (a string ends at its line's end at the latest). */
function skipped(text: string, i: number): number | undefined {
  if (text[i] === '/' && text[i + 1] === '/') {
    const nl = text.indexOf('\n', i);
    return nl < 0 ? text.length : nl;
  }
  if (text[i] === '/' && text[i + 1] === '*') {
    const close = text.indexOf('*/', i + 2);
    return close < 0 ? text.length : close + 2;
  }
  if (text[i] !== '"') return undefined;
  let end = i + 1;
  while (end < text.length && text[end] !== '"' && text[end] !== '\n') end += text[end] === '\\' ? 2 : 1;
  return end + 1;
}

/**
 * The label reference or definition at offset `at`, outside comments and strings: `&its`,
 * `&{/soc/pcie@f8000000}`, or `its:` before a node or property (dtc's label syntax,
 * `[a-zA-Z_][a-zA-Z0-9_]*:`).
 */
export function labelAt(text: string, at: number): LabelToken | undefined {
  // comments and strings before `at`: a position inside one is no label
  for (let i = 0; i < at; i++) {
    const end = skipped(text, i);
    if (end === undefined) continue;
    if (end > at) return undefined;
    i = end - 1;
  }
  // `&{/path}`: the `&{` before `at` on its line, closed at or after it
  const lineStart = text.lastIndexOf('\n', at - 1) + 1;
  const open = text.lastIndexOf('&{', at);
  if (open >= lineStart) {
    const close = text.indexOf('}', open);
    if (close >= at && !text.slice(open, close).includes('\n'))
      return { kind: 'path', name: text.slice(open + 2, close), start: open, end: close + 1 };
  }
  let start = text[at] === '&' ? at + 1 : at;
  if (!LABEL_CHAR.test(text[start] ?? '') && !LABEL_CHAR.test(text[start - 1] ?? '')) return undefined;
  while (start > 0 && LABEL_CHAR.test(text[start - 1]!)) start--;
  let end = start;
  while (end < text.length && LABEL_CHAR.test(text[end]!)) end++;
  const name = text.slice(start, end);
  if (!/^[A-Za-z_]/.test(name)) return undefined;
  if (text[start - 1] === '&') return { kind: 'ref', name, start: start - 1, end };
  // a definition: `name:` not inside a longer name (`cpu@0`, `a,b`), not `::`
  const before = text[start - 1];
  if (text[end] === ':' && text[end + 1] !== ':' && (before === undefined || /[\s:<{;]/.test(before)))
    return { kind: 'def', name, start, end: end + 1 };
  return undefined;
}
