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
