// Printing the token stream the way GCC's `scan_translation_unit` (c-ppoutput.cc) does, so that
// dtc lexes the same tokens as from `cpp` output, and recording where each piece came from.

import { Kind, PREV_WHITE, type Token } from './lexer.js';
import type { Memo } from './memo.js';
import type { SourceMap } from './sourcemap.js';

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
 * Where the part being built is written, one byte per character (Latin-1; a string with a wider
 * character becomes a part of its own). One buffer serves every Output: a part is copied out into
 * a string as soon as it is finished, and preprocessing is not reentrant.
 */
let chunk = Buffer.allocUnsafe(1 << 16);

const NEWLINES = ['', '\n', '\n\n', '\n\n\n', '\n\n\n\n', '\n\n\n\n\n', '\n\n\n\n\n\n', '\n\n\n\n\n\n\n'];

/**
 * The output text plus a sorted segment table: segment k starts at output offset `segOut[k]`
 * and maps to (inst, line, col); in a flowing segment the column advances with the offset.
 * The table's columns are typed arrays that grow by doubling; `segments` is its length.
 */
export class Output {
  /**
   * Finished parts, each a flat string, and the length of the part being built in `chunk`
   * (`+=` would build rope strings that are slow to read and to keep).
   */
  private parts: string[] = [];
  private chunkLength = 0;
  length = 0;
  segments = 0;
  segOut = new Int32Array(1024);
  segInst = new Int32Array(1024);
  segLine = new Int32Array(1024);
  segCol = new Int32Array(1024);
  segFixed = new Uint8Array(1024);

  // GCC's `print` state.
  prev: Token | null = null;
  source: Token | null = null;
  avoidPasteNext = false;
  private printed = false;
  private srcInst = -1;
  private srcLine = 0;
  /** Number of lineChange() calls (whether a region printed anything). */
  lineChanges = 0;

  constructor(readonly maxBytes: number) {}

  private write(s: string): void {
    const n = s.length;
    if (this.chunkLength + n > chunk.length) {
      this.flush();
      if (n > chunk.length) chunk = Buffer.allocUnsafe(Math.max(n, chunk.length * 2));
    }
    const buf = chunk;
    const at = this.chunkLength;
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c > 0xff) break;
      buf[at + i] = c;
    }
    if (i === n) this.chunkLength = at + n;
    else {
      // not Latin-1: the string becomes a part of its own
      this.flush();
      this.parts.push(s);
    }
    this.length += n;
    if (this.length > this.maxBytes) throw new OutputTooLarge(this.maxBytes);
  }

  private flush(): void {
    if (this.chunkLength) {
      this.parts.push(chunk.toString('latin1', 0, this.chunkLength));
      this.chunkLength = 0;
    }
  }

  /** Starts a region (one memoised inclusion): its text will be one string. */
  mark(): RegionMark {
    this.flush();
    return { part: this.parts.length, offset: this.length, segment: this.segments, lineChanges: this.lineChanges };
  }

  /** The text written since `m`, joined into one part. */
  textSince(m: RegionMark): string {
    this.flush();
    const n = this.parts.length - m.part;
    if (n === 0) return '';
    const s = n === 1 ? this.parts[m.part]! : this.parts.slice(m.part).join('');
    this.parts.length = m.part;
    this.parts.push(s);
    return s;
  }

  /**
   * Replays a memoised region: its text, its segments with instance numbers from `instBase`,
   * and the print state after it.
   */
  replay(memo: Memo, instBase: number): void {
    const text = memo.text;
    if (text.length) {
      this.flush();
      this.parts.push(text);
    }
    const base = this.length;
    this.length += text.length;
    if (this.length > this.maxBytes) throw new OutputTooLarge(this.maxBytes);
    const n = memo.segOut.length;
    const at = this.segments;
    this.reserve(n);
    const segOut = this.segOut;
    const segInst = this.segInst;
    for (let k = 0; k < n; k++) {
      segOut[at + k] = base + memo.segOut[k]!;
      segInst[at + k] = instBase + memo.segInst[k]!;
    }
    this.segLine.set(memo.segLine, at);
    this.segCol.set(memo.segCol, at);
    this.segFixed.set(memo.segFixed, at);
    this.segments = at + n;
    if (memo.avoidPasteIn !== null) {
      this.prev = memo.prev;
      this.source = memo.source;
      this.avoidPasteNext = memo.avoidPasteOut;
      this.lineChanges++;
    }
  }

  /** GCC's `cb_line_change` + `maybe_print_line`: a new logical source line starts. */
  lineChange(tok: Token, inst: number): void {
    this.lineChanges++;
    if (this.printed) {
      this.write('\n');
      this.srcLine++;
      this.printed = false;
    }
    if (inst === this.srcInst && tok.line >= this.srcLine && tok.line < this.srcLine + 8) {
      if (tok.line > this.srcLine) this.write(NEWLINES[tok.line - this.srcLine]!);
    }
    // (GCC prints a line marker here instead; we keep only newlines.)
    this.srcInst = inst;
    this.srcLine = tok.line;
    this.prev = null;
    this.source = null;
    // GCC indents to the token's column here; dtc does not care, so the indentation is left out
    // (13% of the text). A token not at column 1 has PREV_WHITE and still gets one space, so a
    // `#` never moves to the start of a line, where dtc would read it as a line marker.
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
    const k = this.segments - 1;
    if (k >= 0 && this.segInst[k] === inst && this.segLine[k] === line && this.segFixed[k] === (fixed ? 1 : 0)) {
      if (fixed ? this.segCol[k] === col : this.segCol[k]! + (this.length - this.segOut[k]!) === col) return;
    }
    if (k + 1 === this.segOut.length) this.reserve(1);
    this.segOut[k + 1] = this.length;
    this.segInst[k + 1] = inst;
    this.segLine[k + 1] = line;
    this.segCol[k + 1] = col;
    this.segFixed[k + 1] = fixed ? 1 : 0;
    this.segments = k + 2;
  }

  /** Room for n more segments. */
  private reserve(n: number): void {
    const need = this.segments + n;
    if (need <= this.segOut.length) return;
    let size = this.segOut.length * 2;
    while (size < need) size *= 2;
    const grow = <T extends Int32Array | Uint8Array>(a: T, b: T): T => {
      b.set(a.subarray(0, this.segments));
      return b;
    };
    this.segOut = grow(this.segOut, new Int32Array(size));
    this.segInst = grow(this.segInst, new Int32Array(size));
    this.segLine = grow(this.segLine, new Int32Array(size));
    this.segCol = grow(this.segCol, new Int32Array(size));
    this.segFixed = grow(this.segFixed, new Uint8Array(size));
  }

  /** The whole output, as one flat string (the DTS lexer reads it a character at a time). */
  text(): string {
    this.flush();
    const s = this.parts.length === 1 ? this.parts[0]! : this.parts.join('');
    this.parts = [s];
    return s;
  }

  /** The segment table as a source map (the inclusions are Engine.instances). */
  sourceMap(instances: { file: string; includedFrom: string[] }[]): SourceMap {
    const n = this.segments;
    return {
      out: this.segOut.slice(0, n),
      inst: this.segInst.slice(0, n),
      line: this.segLine.slice(0, n),
      col: this.segCol.slice(0, n),
      fixed: this.segFixed.slice(0, n),
      files: instances.map((i) => i.file),
      chains: instances.map((i) => i.includedFrom),
    };
  }
}

/** Where a region of the output starts (Output.mark). */
export interface RegionMark {
  part: number;
  offset: number;
  segment: number;
  lineChanges: number;
}

export class OutputTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`output exceeds ${limit} bytes`);
  }
}
