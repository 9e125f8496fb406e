// The preprocessing-token lexer: GCC's `_cpp_lex_direct` for `-x assembler-with-cpp`
// (no digraphs, no trigraphs, `//` comments, no `$` in identifiers, unterminated quotes become
// one CPP_OTHER token up to the end of the line instead of an error).
//
// A file is lexed once into parallel typed arrays (cached by the caller: a few bytes a token,
// outside the garbage-collected heap); BOL marks the first token of each logical line, so
// directives are found without re-scanning the text. Token objects are made from them only for
// the files a run actually expands.
import { MAX_TOKENS } from '../../limits.js';

/** Token kinds; the names follow GCC's `cpp_ttype` families. */
export const Kind = {
  Name: 0,
  Number: 1,
  Char: 2,
  WChar: 3,
  String: 4,
  WString: 5,
  Other: 6,
  Punct: 7,
  Header: 8,
  Padding: 9,
  Eof: 10,
  MacroArg: 11,
} as const;

/** Token flags (GCC's PREV_WHITE, BOL, NO_EXPAND, PASTE_LEFT, STRINGIFY_ARG). */
export const PREV_WHITE = 1;
export const BOL = 2;
export const NO_EXPAND = 4;
export const PASTE_LEFT = 8;
export const STRINGIFY_ARG = 16;

export interface Token {
  kind: number;
  text: string;
  flags: number;
  /** 1-based position where the token was written (0 for synthesized tokens). */
  line: number;
  col: number;
  /** MacroArg: the parameter's index; -1 otherwise. */
  argIndex: number;
  /** Padding: the token whose PREV_WHITE decides spacing (null: GCC's `avoid_paste`). */
  source: Token | null;
}

export function makeToken(kind: number, text: string, flags = 0, line = 0, col = 0): Token {
  return { kind, text, flags, line, col, argIndex: -1, source: null };
}

export function withFlags(t: Token, flags: number): Token {
  return { kind: t.kind, text: t.text, flags, line: t.line, col: t.col, argIndex: t.argIndex, source: t.source };
}

export function isPunct(t: Token, text: string): boolean {
  return t.kind === Kind.Punct && t.text === text;
}

/** A comment that carries `dtmap-disable-next-line`, with its position in the file. */
export interface CommentMark {
  line: number;
  column: number;
  text: string;
}

/** A lexed file: token i is `text.slice(start[i], end[i])`, written at line[i]:col[i]. */
export interface LexedFile {
  /** The text after line splicing. */
  text: string;
  count: number;
  kind: Uint8Array;
  flags: Uint8Array;
  line: Int32Array;
  col: Int32Array;
  start: Int32Array;
  end: Int32Array;
  marks: CommentMark[];
}

/** Token i of a lexed file as an object. */
export function tokenAt(f: LexedFile, i: number): Token {
  return {
    kind: f.kind[i]!,
    text: f.text.slice(f.start[i]!, f.end[i]!),
    flags: f.flags[i]!,
    line: f.line[i]!,
    col: f.col[i]!,
    argIndex: -1,
    source: null,
  };
}

/** The text of token i. */
export function tokenText(f: LexedFile, i: number): string {
  return f.text.slice(f.start[i]!, f.end[i]!);
}

/** Whether token i is the punctuator `#` starting a line (a directive, in the base file). */
export function isDirectiveHash(f: LexedFile, i: number): boolean {
  return (
    (f.flags[i]! & BOL) !== 0 &&
    f.kind[i] === Kind.Punct &&
    f.end[i]! - f.start[i]! === 1 &&
    f.text.charCodeAt(f.start[i]!) === C.Hash
  );
}

/** Lexes text into token objects (for `-D` definitions). */
export function lexTokens(raw: string): Token[] {
  const f = lexFile(raw);
  const out: Token[] = new Array(f.count);
  for (let i = 0; i < f.count; i++) out[i] = tokenAt(f, i);
  return out;
}

/** Growable scratch columns that lexFile() fills; each file gets exact-size copies. */
const scratch = {
  kind: new Uint8Array(4096),
  flags: new Uint8Array(4096),
  line: new Int32Array(4096),
  col: new Int32Array(4096),
  start: new Int32Array(4096),
  end: new Int32Array(4096),
};

/** Grows the columns, up to MAX_TOKENS (the check costs nothing per token: only when full). */
function growScratch(): void {
  const n = Math.min(scratch.kind.length * 2, MAX_TOKENS);
  const grow = <T extends Uint8Array | Int32Array>(a: T, make: (n: number) => T): T => {
    const b = make(n);
    b.set(a);
    return b;
  };
  scratch.kind = grow(scratch.kind, (k) => new Uint8Array(k));
  scratch.flags = grow(scratch.flags, (k) => new Uint8Array(k));
  scratch.line = grow(scratch.line, (k) => new Int32Array(k));
  scratch.col = grow(scratch.col, (k) => new Int32Array(k));
  scratch.start = grow(scratch.start, (k) => new Int32Array(k));
  scratch.end = grow(scratch.end, (k) => new Int32Array(k));
}

export class LexError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
  }
}

const enum C {
  Tab = 9,
  LF = 10,
  VT = 11,
  FF = 12,
  CR = 13,
  Space = 32,
  Bang = 33,
  Quote = 34,
  Hash = 35,
  Percent = 37,
  Amp = 38,
  Apos = 39,
  Star = 42,
  Plus = 43,
  Minus = 45,
  Dot = 46,
  Slash = 47,
  Zero = 48,
  Nine = 57,
  Colon = 58,
  Less = 60,
  Equal = 61,
  Greater = 62,
  UpperE = 69,
  UpperL = 76,
  UpperP = 80,
  Backslash = 92,
  Caret = 94,
  Underscore = 95,
  LowerE = 101,
  LowerP = 112,
  Bar = 124,
}

const ID_CHAR = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  // No `$`: GCC turns dollars_in_ident off for assembler-with-cpp (`X$` is `X` then `$`).
  if (/[A-Za-z0-9_]/.test(ch)) ID_CHAR[c] = 1;
}
const isIdChar = (c: number) => c < 128 && ID_CHAR[c] === 1;
const isDigit = (c: number) => c >= C.Zero && c <= C.Nine;
const isIdStart = (c: number) => isIdChar(c) && !isDigit(c);
const isHSpace = (c: number) => c === C.Space || c === C.Tab || c === C.FF || c === C.VT || c === 0;

/** Single-character punctuators that never combine with what follows. */
const SINGLE = new Set('()[]{},;?~'.split('').map((s) => s.charCodeAt(0)));

const INCLUDE_DIRECTIVES = new Set(['include', 'include_next', 'import']);

/**
 * Phase 1-2: CRLF to LF and line splicing. GCC also splices a backslash followed by blanks and
 * a newline (with a warning). Returns the cleaned text and the cleaned offsets of each splice.
 */
function spliceLines(raw: string): { text: string; splices: number[] } {
  let text = raw.indexOf('\r') >= 0 ? raw.replace(/\r\n?/g, '\n') : raw;
  const splices: number[] = [];
  if (text.indexOf('\\') < 0) return { text, splices };
  let out = '';
  let from = 0;
  let i = text.indexOf('\\');
  while (i >= 0) {
    let j = i + 1;
    while (j < text.length && (text.charCodeAt(j) === C.Space || text.charCodeAt(j) === C.Tab)) j++;
    if (j < text.length && text.charCodeAt(j) === C.LF) {
      out += text.slice(from, i);
      splices.push(out.length);
      from = j + 1;
      i = text.indexOf('\\', from);
    } else {
      i = text.indexOf('\\', i + 1);
    }
  }
  if (splices.length === 0) return { text, splices };
  text = out + text.slice(from);
  return { text, splices };
}

/** Lexes a whole file. Throws LexError for an unterminated block comment (an error in GCC). */
export function lexFile(raw: string): LexedFile {
  const { text, count, marks } = scan(raw);
  return {
    text,
    count,
    kind: scratch.kind.slice(0, count),
    flags: scratch.flags.slice(0, count),
    line: scratch.line.slice(0, count),
    col: scratch.col.slice(0, count),
    start: scratch.start.slice(0, count),
    end: scratch.end.slice(0, count),
    marks,
  };
}

/** Lexes into the scratch columns; returns the spliced text and the number of tokens. */
function scan(raw: string): { text: string; count: number; marks: CommentMark[] } {
  const { text, splices } = spliceLines(raw);
  let count = 0;
  const marks: CommentMark[] = [];
  const n = text.length;

  // Positions: raw line = cleaned newlines + splices passed; line start = the later of both.
  let cleanLine = 1;
  let cleanLineStart = 0;
  let spliceIdx = 0;
  let spliceLineStart = -1;
  let line = 1;
  let col = 1;
  const positionAt = (p: number) => {
    while (spliceIdx < splices.length && splices[spliceIdx]! <= p) spliceLineStart = splices[spliceIdx++]!;
    line = cleanLine + spliceIdx;
    col = p - Math.max(cleanLineStart, spliceLineStart) + 1;
  };

  let i = 0;
  let flags = BOL;
  let lineTokens = 0; // tokens on the current logical line, to spot `# include <...>`
  let headerNext = false;

  const push = (kind: number, start: number, end: number) => {
    positionAt(start);
    if (count === scratch.kind.length) {
      if (count >= MAX_TOKENS)
        throw new LexError(`more than ${MAX_TOKENS} tokens in one file (dtmap's limit)`, line, col);
      growScratch();
    }
    scratch.kind[count] = kind;
    scratch.flags[count] = flags;
    scratch.line[count] = line;
    scratch.col[count] = col;
    scratch.start[count] = start;
    scratch.end[count] = end;
    count++;
    flags = 0;
    lineTokens++;
  };

  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === C.LF) {
      i++;
      cleanLine++;
      cleanLineStart = i;
      flags = BOL;
      lineTokens = 0;
      headerNext = false;
      continue;
    }
    if (isHSpace(c)) {
      flags |= PREV_WHITE;
      i++;
      continue;
    }
    const start = i;
    if (c === C.Slash) {
      const d = text.charCodeAt(i + 1);
      if (d === C.Star) {
        const end = text.indexOf('*/', i + 2);
        if (end < 0) {
          positionAt(start);
          throw new LexError('unterminated comment', line, col);
        }
        noteComment(text, start, i + 2, end, marks, positionAt, () => ({ line, col }));
        for (let k = text.indexOf('\n', i + 2); k >= 0 && k < end; k = text.indexOf('\n', k + 1)) {
          cleanLine++;
          cleanLineStart = k + 1;
        }
        i = end + 2;
        flags |= PREV_WHITE;
        continue;
      }
      if (d === C.Slash) {
        let end = text.indexOf('\n', i + 2);
        if (end < 0) end = n;
        noteComment(text, start, i + 2, end, marks, positionAt, () => ({ line, col }));
        i = end;
        flags |= PREV_WHITE;
        continue;
      }
    }

    const wantHeader = headerNext;
    headerNext = false;
    if (isIdStart(c)) {
      i++;
      while (i < n && isIdChar(text.charCodeAt(i))) i++;
      // GCC: `L` directly followed by a quote starts a wide literal.
      if (i === start + 1 && c === C.UpperL) {
        const q = text.charCodeAt(i);
        if (q === C.Quote || q === C.Apos) {
          i = lexQuoted(text, i, q);
          const closed = text.charCodeAt(i - 1) === q && i - 1 > start + 1;
          push(closed ? (q === C.Quote ? Kind.WString : Kind.WChar) : Kind.Other, start, i);
          continue;
        }
      }
      push(Kind.Name, start, i);
      if (lineTokens === 2) {
        const hash = count - 2;
        headerNext =
          scratch.kind[hash] === Kind.Punct &&
          scratch.end[hash]! - scratch.start[hash]! === 1 &&
          text.charCodeAt(scratch.start[hash]!) === C.Hash &&
          INCLUDE_DIRECTIVES.has(text.slice(start, i));
      }
      continue;
    }
    if (isDigit(c) || (c === C.Dot && isDigit(text.charCodeAt(i + 1)))) {
      i = lexNumber(text, i);
      push(Kind.Number, start, i);
      continue;
    }
    if (c === C.Quote || c === C.Apos) {
      i = lexQuoted(text, i, c);
      const closed = i - 1 > start && text.charCodeAt(i - 1) === c;
      push(closed ? (c === C.Quote ? Kind.String : Kind.Char) : Kind.Other, start, i);
      continue;
    }
    if (c === C.Less && wantHeader) {
      // GCC's angled_headers: `<...>` up to the line's end is one header-name token.
      let j = i + 1;
      while (j < n && text.charCodeAt(j) !== C.Greater && text.charCodeAt(j) !== C.LF) j++;
      if (j < n && text.charCodeAt(j) === C.Greater) {
        i = j + 1;
        push(Kind.Header, start, i);
        continue;
      }
    }
    const len = punctLength(text, i, c);
    if (len > 0) {
      i += len;
      push(Kind.Punct, start, i);
      continue;
    }
    // Anything else (`\`, `@`, a backquote, non-ASCII) is a one-character CPP_OTHER.
    i++;
    push(Kind.Other, start, i);
  }
  return { text, count, marks };
}

function noteComment(
  text: string,
  start: number,
  bodyStart: number,
  bodyEnd: number,
  marks: CommentMark[],
  positionAt: (p: number) => void,
  here: () => { line: number; col: number },
): void {
  const body = text.slice(bodyStart, bodyEnd);
  if (body.indexOf('dtmap-disable-next-line') < 0) return;
  positionAt(start);
  const { line, col } = here();
  marks.push({ line, column: col, text: body.trim() });
}

/** GCC's `lex_string`: returns the end offset; an unterminated literal runs to the line's end. */
function lexQuoted(text: string, i: number, quote: number): number {
  const n = text.length;
  let j = i + 1;
  while (j < n) {
    const c = text.charCodeAt(j);
    if (c === C.Backslash && j + 1 < n && text.charCodeAt(j + 1) !== C.LF) j += 2;
    else if (c === quote) return j + 1;
    else if (c === C.LF) return j;
    else j++;
  }
  return j;
}

/** GCC's `lex_number` (pp-number; `extended_numbers` on in assembler mode, so `p+` too). */
function lexNumber(text: string, i: number): number {
  const n = text.length;
  let j = i + 1;
  while (j < n) {
    const c = text.charCodeAt(j);
    if (isIdChar(c) || c === C.Dot) j++;
    else if ((c === C.Plus || c === C.Minus) && isExponent(text.charCodeAt(j - 1))) j++;
    else break;
  }
  return j;
}

const isExponent = (c: number) => c === C.LowerE || c === C.UpperE || c === C.LowerP || c === C.UpperP;

/** Length of the punctuator at `i` (0 when the character is not one). */
function punctLength(text: string, i: number, c: number): number {
  if (SINGLE.has(c)) return 1;
  const d = text.charCodeAt(i + 1);
  switch (c) {
    case C.Dot:
      return d === C.Dot && text.charCodeAt(i + 2) === C.Dot ? 3 : 1;
    case C.Plus:
      return d === C.Plus || d === C.Equal ? 2 : 1;
    case C.Minus:
      return d === C.Minus || d === C.Equal || d === C.Greater ? 2 : 1;
    case C.Star:
    case C.Slash:
    case C.Percent:
    case C.Equal:
    case C.Bang:
    case C.Caret:
      return d === C.Equal ? 2 : 1;
    case C.Less:
    case C.Greater:
      if (d === c) return text.charCodeAt(i + 2) === C.Equal ? 3 : 2;
      return d === C.Equal ? 2 : 1;
    case C.Amp:
    case C.Bar:
      return d === c || d === C.Equal ? 2 : 1;
    case C.Colon:
      return 1;
    case C.Hash:
      return d === C.Hash ? 2 : 1;
    default:
      return 0;
  }
}

/**
 * Lexes `text` as exactly one token (for `##`), or returns null when it is not one (GCC's
 * `paste_tokens` checks that the lexer consumed the whole buffer).
 */
export function lexSingle(text: string): Token | null {
  if (text.length === 0 || text.indexOf('\n') >= 0) return null;
  try {
    if (scan(text).count !== 1) return null;
  } catch {
    return null;
  }
  if (scratch.flags[0]! & PREV_WHITE || scratch.end[0]! - scratch.start[0]! !== text.length) return null;
  return {
    kind: scratch.kind[0]!,
    text,
    flags: scratch.flags[0]!,
    line: scratch.line[0]!,
    col: scratch.col[0]!,
    argIndex: -1,
    source: null,
  };
}
