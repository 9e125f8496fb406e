// Printing the token stream the way GCC's `scan_translation_unit` (c-ppoutput.cc) does, so that
// dtc lexes the same tokens as from `cpp` output, and recording where each piece came from.

import { Kind, PREV_WHITE, type Token } from './lexer.js';

/** GCC's `cpp_avoid_paste`: would printing `a` and `b` adjacent lex differently? */
export function avoidPaste(a: Token, b: Token): boolean {
  // `c` is the first character of `b` when `b` is an operator (GCC: SPELL_OPERATOR).
  const c = b.kind === Kind.Punct ? b.text : '';
  const c0 = c.charCodeAt(0);
  if (a.kind === Kind.Punct) {
    // Everything up to CPP_LSHIFT in GCC's token table can paste with a following '='.
    if (c0 === 61 /* = */ && PASTES_WITH_EQ.has(a.text)) return true;
    switch (a.text) {
      case '>':
        return c0 === 62;
      case '<':
        return c0 === 60 || c0 === 37 || c0 === 58; // < % :
      case '+':
        return c0 === 43;
      case '-':
        return c0 === 45 || c0 === 62; // - >
      case '/':
        return c0 === 47 || c0 === 42; // comments
      case '%':
        return c0 === 58 || c0 === 37;
      case '&':
        return c0 === 38;
      case '|':
        return c0 === 124;
      case ':':
        return c0 === 58 || c0 === 62;
      case '->':
        return c0 === 42;
      case '.':
        return c0 === 46 || c0 === 37 || b.kind === Kind.Number;
      case '#':
        return c0 === 35 || c0 === 37;
      case '<=':
        return c0 === 62;
      default:
        return false;
    }
  }
  switch (a.kind) {
    case Kind.Name:
      // GCC's name_p: a number spelt only with identifier characters (`1`, `0x1f`, not `.5`)
      // would merge into the name.
      return (
        (b.kind === Kind.Number && /^[A-Za-z0-9_]+$/.test(b.text)) ||
        b.kind === Kind.Name ||
        b.kind === Kind.Char ||
        b.kind === Kind.String
      );
    case Kind.Number:
      return (
        b.kind === Kind.Number || b.kind === Kind.Name || b.kind === Kind.Char || c0 === 46 || c0 === 43 || c0 === 45
      );
    case Kind.Other:
      return a.text.charCodeAt(0) === 92 /* \ */ && b.kind === Kind.Name;
    default:
      return false;
  }
}

const PASTES_WITH_EQ = new Set(['=', '!', '>', '<', '+', '-', '*', '/', '%', '&', '|', '^', '>>', '<<']);

/**
 * The output text plus a sorted segment table: segment k starts at output offset `segOut[k]`
 * and maps to (inst, line, col); in a flowing segment the column advances with the offset.
 */
export class Output {
  /** Finished chunks plus the chunk being built (fewer, larger pieces join faster). */
  private parts: string[] = [];
  private chunk = '';
  length = 0;
  segOut: number[] = [];
  segInst: number[] = [];
  segLine: number[] = [];
  segCol: number[] = [];
  segFixed: boolean[] = [];

  // GCC's `print` state.
  private prev: Token | null = null;
  private source: Token | null = null;
  private avoidPasteNext = false;
  private printed = false;
  private srcInst = -1;
  private srcLine = 0;

  constructor(private readonly maxBytes: number) {}

  private write(s: string): void {
    this.chunk += s;
    if (this.chunk.length > 8192) {
      this.parts.push(this.chunk);
      this.chunk = '';
    }
    this.length += s.length;
    if (this.length > this.maxBytes) throw new OutputTooLarge(this.maxBytes);
  }

  /** GCC's `cb_line_change` + `maybe_print_line`: a new logical source line starts. */
  lineChange(tok: Token, inst: number): void {
    if (this.printed) {
      this.write('\n');
      this.srcLine++;
      this.printed = false;
    }
    if (inst === this.srcInst && tok.line >= this.srcLine && tok.line < this.srcLine + 8) {
      if (tok.line > this.srcLine) this.write('\n'.repeat(tok.line - this.srcLine));
    }
    // (GCC prints a line marker here instead; we keep only newlines.)
    this.srcInst = inst;
    this.srcLine = tok.line;
    this.prev = null;
    this.source = null;
    // GCC indents to the token's column (one space fewer: PREV_WHITE adds one).
    if (tok.col > 2) this.write(' '.repeat(tok.col - 2));
    this.printed = true;
  }

  /** A file starts or ends: GCC ends the current output line before its line marker. */
  fileChange(): void {
    if (this.printed) {
      this.write('\n');
      this.printed = false;
    }
    this.srcInst = -1;
  }

  /** GCC's `scan_translation_unit` loop body for one token. */
  print(tok: Token, inst: number, line: number, col: number, fixed: boolean): void {
    if (tok.kind === Kind.Padding) {
      this.avoidPasteNext = true;
      if (this.source === null || (!(this.source.flags & PREV_WHITE) && tok.source === null)) this.source = tok.source;
      return;
    }
    let space: boolean;
    if (this.avoidPasteNext) {
      const source = this.source ?? tok;
      space =
        (source.flags & PREV_WHITE) !== 0 ||
        (this.prev !== null && avoidPaste(this.prev, tok)) ||
        (this.prev === null && tok.kind === Kind.Punct && tok.text === '#');
    } else {
      space = (tok.flags & PREV_WHITE) !== 0;
    }
    this.avoidPasteNext = false;
    this.source = null;
    this.prev = tok;
    if (space) this.write(' ');
    this.addSegment(inst, line, col, fixed);
    this.write(tok.text);
    this.printed = true;
  }

  private addSegment(inst: number, line: number, col: number, fixed: boolean): void {
    const k = this.segOut.length - 1;
    if (k >= 0 && this.segInst[k] === inst && this.segLine[k] === line && this.segFixed[k] === fixed) {
      if (fixed ? this.segCol[k] === col : this.segCol[k]! + (this.length - this.segOut[k]!) === col) return;
    }
    this.segOut.push(this.length);
    this.segInst.push(inst);
    this.segLine.push(line);
    this.segCol.push(col);
    this.segFixed.push(fixed);
  }

  text(): string {
    const s = this.parts.join('') + this.chunk;
    this.parts = [];
    this.chunk = s;
    return s;
  }

  /** Index of the segment holding output offset `offset` (-1 before the first). */
  segmentAt(offset: number): number {
    let lo = 0;
    let hi = this.segOut.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.segOut[mid]! <= offset) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }
}

export class OutputTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`output exceeds ${limit} bytes`);
  }
}
