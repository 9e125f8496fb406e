// dtc's modal lexer (dtc-lexer.l) as a pull scanner over char codes: `next()` hands out one
// token at a time; its kind is in `token`, its place in `start`/`end` of `source`, its value in
// `value`/`num`. No token objects are allocated. Longest match and the three start conditions
// (default, property/node name after `{` `;` and the delete/omit keywords, byte string after `[`)
// follow flex's rules exactly, because real files depend on them: `12` is a number in a value but a
// node name after `{`; `foo:` is a label everywhere.

import type { Span } from '../tree/model.js';
import { DtsError } from './errors.js';
import { MAX_TOKENS } from '../limits.js';

/** Token kinds. Single characters are their char code; everything else is above 0x10ffff. */
export const enum Tok {
  EOF = 0x110000,
  V1, // /dts-v1/
  PLUGIN, // /plugin/
  MEMRESERVE, // /memreserve/
  BITS, // /bits/
  DEL_PROP, // /delete-property/
  DEL_NODE, // /delete-node/
  OMIT_NO_REF, // /omit-if-no-ref/
  INCBIN, // /incbin/
  PROPNODENAME, // value: the name (a leading `\` removed)
  LITERAL, // num: the value
  CHAR_LITERAL, // num: the value
  BYTE, // num: the byte
  STRING, // start/end include the quotes; decode with stringBytes()
  LABEL, // value: the label without `:`
  LABEL_REF, // value: the label without `&`
  PATH_REF, // value: what is between `&{` and `}`
  LSHIFT,
  RSHIFT,
  LE,
  GE,
  EQ,
  NE,
  AND,
  OR,
}

export const enum Mode {
  Default = 0,
  PropNodeName = 1,
  ByteString = 2,
}

const enum C {
  tab = 9,
  lf = 10,
  vt = 11,
  ff = 12,
  cr = 13,
  space = 32,
  bang = 33,
  dquote = 34,
  hash = 35,
  amp = 38,
  squote = 39,
  star = 42,
  plus = 43,
  minus = 45,
  slash = 47,
  d0 = 48,
  d7 = 55,
  d9 = 57,
  colon = 58,
  lt = 60,
  eq = 61,
  gt = 62,
  A = 65,
  F = 70,
  L = 76,
  U = 85,
  X = 88,
  lbracket = 91,
  backslash = 92,
  rbracket = 93,
  a = 97,
  f = 102,
  x = 120,
  lbrace = 123,
  bar = 124,
  rbrace = 125,
}

// Character classes of ASCII, as bits.
const LABEL_START = 1; // [a-zA-Z_]
const LABEL_CHAR = 2; // [a-zA-Z0-9_]
const PROPNODE = 4; // [a-zA-Z0-9,._+*#?@-]
const PATH = 8; // PROPNODE or '/'
const HEX = 16; // [0-9a-fA-F]
const SPACE = 32; // [[:space:]]
const DIGIT = 64; // [0-9]
const CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  let k = 0;
  if (/[a-zA-Z_]/.test(ch)) k |= LABEL_START | LABEL_CHAR;
  if (/[0-9]/.test(ch)) k |= LABEL_CHAR | DIGIT;
  if (/[a-zA-Z0-9,._+*#?@-]/.test(ch)) k |= PROPNODE | PATH;
  if (ch === '/') k |= PATH;
  if (/[0-9a-fA-F]/.test(ch)) k |= HEX;
  if (/[ \t\n\v\f\r]/.test(ch)) k |= SPACE;
  CLASS[c] = k;
}
const cls = (c: number): number => (c < 128 ? CLASS[c]! : 0);

/** One input file of the parse: the main text or a `/include/`d file. */
export class Source {
  readonly index: number;
  readonly text: string;
  readonly file: string;
  private readonly locateFn: (offset: number) => Span;
  /** `# N "file"` line markers seen so far: offset of the next line, file, its line number. */
  private directives: { offset: number; file: string; line: number }[] | undefined;
  private lineStarts: number[] | undefined;

  constructor(index: number, text: string, file: string, locate: (offset: number) => Span) {
    this.index = index;
    this.text = text;
    this.file = file;
    this.locateFn = locate;
  }

  addDirective(offset: number, file: string, line: number): void {
    (this.directives ??= []).push({ offset, file, line });
  }

  /** Where `offset` was written, honouring `# N "file"` markers in the text as dtc does. */
  spanAt(offset: number): Span {
    const d = this.directives;
    if (d) {
      let lo = 0;
      let hi = d.length - 1;
      let found = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (d[mid]!.offset <= offset) {
          found = mid;
          lo = mid + 1;
        } else hi = mid - 1;
      }
      if (found >= 0) {
        const dir = d[found]!;
        const ls = this.lines();
        const li = lineIndex(ls, offset);
        const di = lineIndex(ls, dir.offset);
        return { file: dir.file, line: dir.line + (li - di), column: offset - ls[li]! + 1 };
      }
    }
    return this.locateFn(offset);
  }

  private lines(): number[] {
    if (!this.lineStarts) {
      const ls = [0];
      const t = this.text;
      for (let i = t.indexOf('\n'); i >= 0; i = t.indexOf('\n', i + 1)) ls.push(i + 1);
      this.lineStarts = ls;
    }
    return this.lineStarts;
  }
}

function lineIndex(ls: number[], offset: number): number {
  let lo = 0;
  let hi = ls.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ls[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Line/column from offsets, for text that has no other source map. */
export function simpleLocate(text: string, file: string): (offset: number) => Span {
  let ls: number[] | undefined;
  return (offset) => {
    if (!ls) {
      ls = [0];
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) ls.push(i + 1);
    }
    const li = lineIndex(ls, offset);
    return { file, line: li + 1, column: offset - ls[li]! + 1 };
  };
}

/** Opens `/include/ "name"` written in `from`; returns the new source or throws DtsError. */
export type IncludeOpener = (name: string, from: Source, offset: number) => Source;

const TWO32 = 4294967296;

export class Lexer {
  /** Kind of the current token. */
  token: number = Tok.EOF;
  /** Source of the current token. */
  source: Source;
  start = 0;
  end = 0;
  /** Name, label or reference text of the current token. */
  value = '';
  /** Value of a LITERAL, CHAR_LITERAL or BYTE: a number when below 2^53, else a u64 bigint. */
  num: number | bigint = 0;
  mode: number = Mode.Default;

  private text: string;
  private pos = 0;
  private len: number;
  private readonly stack: { source: Source; pos: number }[] = [];
  private readonly openInclude: IncludeOpener;

  constructor(source: Source, openInclude: IncludeOpener) {
    this.source = source;
    this.prevSource = source;
    this.text = source.text;
    this.len = source.text.length;
    this.openInclude = openInclude;
  }

  /** Encoded position of the current token start: source index * 2^32 + offset. */
  get tokenPos(): number {
    return this.source.index * TWO32 + this.start;
  }

  get includeDepth(): number {
    return this.stack.length;
  }

  private error(offset: number, message: string, prefix = 'Lexical error'): never {
    throw new DtsError(this.source.spanAt(offset), message, prefix);
  }

  /** End of the previous token (in `prevSource`), for "missing ';'" hints. */
  prevEnd = 0;
  prevSource: Source;

  /** Tokens handed out, against MAX_TOKENS (limits.ts). */
  private count = 0;

  /** Advances to the next token and returns its kind. */
  next(): number {
    if (++this.count > MAX_TOKENS)
      this.error(this.pos, `more than ${MAX_TOKENS} tokens after preprocessing (dtmap's limit)`, 'Error');
    this.prevEnd = this.end;
    this.prevSource = this.source;
    const t = this.text;
    for (;;) {
      let p = this.pos;
      const n = this.len;
      // whitespace and comments
      for (;;) {
        if (p >= n) break;
        const c = t.charCodeAt(p);
        if (c <= C.space && (c === C.space || (c >= C.tab && c <= C.cr))) {
          p++;
          continue;
        }
        if (c === C.slash) {
          const c2 = t.charCodeAt(p + 1);
          if (c2 === C.star) {
            const e = t.indexOf('*/', p + 2);
            if (e < 0) break; // unterminated: `/` is a character
            p = e + 2;
            continue;
          }
          if (c2 === C.slash) {
            const e = t.indexOf('\n', p + 2);
            if (e < 0) break; // `//` needs its newline in dtc's lexer
            p = e + 1;
            continue;
          }
        }
        if (c === C.hash && (p === 0 || t.charCodeAt(p - 1) === C.lf)) {
          const e = this.lineDirective(p);
          if (e > 0) {
            p = e;
            continue;
          }
        }
        break;
      }
      this.pos = p;
      if (p >= n) {
        if (this.stack.length) {
          const top = this.stack.pop()!;
          this.source = top.source;
          this.text = top.source.text;
          this.len = this.text.length;
          this.pos = top.pos;
          return this.next();
        }
        this.start = this.end = p;
        return (this.token = Tok.EOF);
      }
      this.start = p;
      const c = t.charCodeAt(p);
      const k = cls(c);
      const mode = this.mode;

      if (mode === Mode.PropNodeName) {
        if (k & PROPNODE || (c === C.backslash && cls(t.charCodeAt(p + 1)) & PROPNODE)) {
          // one pass: the run of name characters, and whether it could be a label
          const from = c === C.backslash ? p + 1 : p;
          let label = (k & LABEL_START) !== 0;
          let q = from;
          for (; q < n; q++) {
            const d = t.charCodeAt(q);
            const kd = d < 128 ? CLASS[d]! : 0;
            if (!(kd & PROPNODE)) break;
            if (!(kd & LABEL_CHAR)) label = false;
          }
          if (label && t.charCodeAt(q) === C.colon) {
            this.value = t.slice(p, q);
            return this.tokenAt(q + 1, Tok.LABEL);
          }
          this.value = t.slice(from, q);
          this.mode = Mode.Default;
          return this.tokenAt(q, Tok.PROPNODENAME);
        }
      } else if (mode === Mode.ByteString) {
        if (k & HEX) {
          if (k & LABEL_START) {
            let q = p + 1;
            while (q < n && cls(t.charCodeAt(q)) & LABEL_CHAR) q++;
            if (t.charCodeAt(q) === C.colon && q - p + 1 > 2) return this.label(p, q);
          }
          const c2 = t.charCodeAt(p + 1);
          if (cls(c2) & HEX) {
            this.num = (hexVal(c) << 4) | hexVal(c2);
            return this.tokenAt(p + 2, Tok.BYTE);
          }
        }
        if (c === C.rbracket) {
          this.mode = Mode.Default;
          return this.tokenAt(p + 1, C.rbracket);
        }
      } else if (k & DIGIT) {
        return this.literal(p);
      }

      if (k & LABEL_START) {
        let q = p + 1;
        while (q < n && cls(t.charCodeAt(q)) & LABEL_CHAR) q++;
        if (t.charCodeAt(q) === C.colon) {
          this.value = t.slice(p, q);
          return this.tokenAt(q + 1, Tok.LABEL);
        }
        return this.tokenAt(p + 1, c);
      }

      switch (c) {
        case C.dquote: {
          const e = this.scanString(p);
          if (e > 0) return this.tokenAt(e, Tok.STRING);
          break;
        }
        case C.squote: {
          const e = this.scanCharLiteral(p);
          if (e > 0) return this.charLiteral(p, e);
          break;
        }
        case C.amp: {
          const c2 = t.charCodeAt(p + 1);
          if (cls(c2) & LABEL_START) {
            let q = p + 2;
            while (q < n && cls(t.charCodeAt(q)) & LABEL_CHAR) q++;
            this.value = t.slice(p + 1, q);
            return this.tokenAt(q, Tok.LABEL_REF);
          }
          if (c2 === C.lbrace) {
            // dtc 1.7: `&{` PATHCHAR* `}` (1.6 required a leading `/`)
            let q = p + 2;
            while (q < n && cls(t.charCodeAt(q)) & PATH) q++;
            if (t.charCodeAt(q) === C.rbrace) {
              this.value = t.slice(p + 2, q);
              return this.tokenAt(q + 1, Tok.PATH_REF);
            }
          }
          if (c2 === C.amp) return this.tokenAt(p + 2, Tok.AND);
          break;
        }
        case C.slash: {
          const kw = this.keyword(p);
          if (kw) return kw;
          break;
        }
        case C.lt: {
          const c2 = t.charCodeAt(p + 1);
          if (c2 === C.lt) return this.tokenAt(p + 2, Tok.LSHIFT);
          if (c2 === C.eq) return this.tokenAt(p + 2, Tok.LE);
          break;
        }
        case C.gt: {
          const c2 = t.charCodeAt(p + 1);
          if (c2 === C.gt) return this.tokenAt(p + 2, Tok.RSHIFT);
          if (c2 === C.eq) return this.tokenAt(p + 2, Tok.GE);
          break;
        }
        case C.eq:
          if (t.charCodeAt(p + 1) === C.eq) return this.tokenAt(p + 2, Tok.EQ);
          break;
        case C.bang:
          if (t.charCodeAt(p + 1) === C.eq) return this.tokenAt(p + 2, Tok.NE);
          break;
        case C.bar:
          if (t.charCodeAt(p + 1) === C.bar) return this.tokenAt(p + 2, Tok.OR);
          break;
        case C.lbracket:
          this.mode = Mode.ByteString;
          break;
        case C.lbrace:
        case 59: // ';'
          this.mode = Mode.PropNodeName;
          break;
      }
      return this.tokenAt(p + 1, c);
    }
  }

  private tokenAt(end: number, kind: number): number {
    this.end = end;
    this.pos = end;
    return (this.token = kind);
  }

  private label(p: number, colon: number): number {
    this.value = this.text.slice(p, colon);
    return this.tokenAt(colon + 1, Tok.LABEL);
  }

  /** `/...` keywords; 0 when none matches (then `/` is a character). */
  private keyword(p: number): number {
    const t = this.text;
    switch (t.charCodeAt(p + 1)) {
      case 100: // d
        if (t.startsWith('/dts-v1/', p)) {
          this.mode = Mode.Default;
          return this.tokenAt(p + 8, Tok.V1);
        }
        if (t.startsWith('/delete-property/', p)) {
          this.mode = Mode.PropNodeName;
          return this.tokenAt(p + 17, Tok.DEL_PROP);
        }
        if (t.startsWith('/delete-node/', p)) {
          this.mode = Mode.PropNodeName;
          return this.tokenAt(p + 13, Tok.DEL_NODE);
        }
        break;
      case 112: // p
        if (t.startsWith('/plugin/', p)) return this.tokenAt(p + 8, Tok.PLUGIN);
        break;
      case 109: // m
        if (t.startsWith('/memreserve/', p)) {
          this.mode = Mode.Default;
          return this.tokenAt(p + 12, Tok.MEMRESERVE);
        }
        break;
      case 98: // b
        if (t.startsWith('/bits/', p)) {
          this.mode = Mode.Default;
          return this.tokenAt(p + 6, Tok.BITS);
        }
        break;
      case 111: // o
        if (t.startsWith('/omit-if-no-ref/', p)) {
          this.mode = Mode.PropNodeName;
          return this.tokenAt(p + 16, Tok.OMIT_NO_REF);
        }
        break;
      case 105: // i
        if (t.startsWith('/include/', p)) {
          let q = p + 9;
          while (q < this.len && cls(t.charCodeAt(q)) & SPACE) q++;
          if (t.charCodeAt(q) === C.dquote) {
            const e = this.scanString(q);
            if (e > 0) {
              this.include(t.slice(q + 1, e - 1), p, e);
              return this.next();
            }
          }
        }
        if (this.mode !== Mode.PropNodeName && this.mode !== Mode.ByteString && t.startsWith('/incbin/', p)) {
          return this.tokenAt(p + 8, Tok.INCBIN);
        }
        break;
    }
    return 0;
  }

  private include(name: string, at: number, end: number): void {
    if (this.stack.length + 1 >= 200) this.error(at, 'Includes nested too deeply', 'FATAL ERROR');
    const src = this.openInclude(name, this.source, at);
    this.stack.push({ source: this.source, pos: end });
    this.source = src;
    this.text = src.text;
    this.len = src.text.length;
    this.pos = 0;
  }

  /** `^#(line)?[ \t]+[0-9]+[ \t]+"file"([ \t]+[0-9]+)*`; returns the end, or 0. */
  private lineDirective(p: number): number {
    const t = this.text;
    let q = p + 1;
    if (t.startsWith('line', q)) q += 4;
    const sp0 = q;
    while (t.charCodeAt(q) === C.space || t.charCodeAt(q) === C.tab) q++;
    if (q === sp0) {
      // `#line` needs blanks too; `#` followed directly by digits is no marker
      return 0;
    }
    const numStart = q;
    while (cls(t.charCodeAt(q)) & DIGIT) q++;
    if (q === numStart) return 0;
    const numEnd = q;
    const sp1 = q;
    while (t.charCodeAt(q) === C.space || t.charCodeAt(q) === C.tab) q++;
    if (q === sp1 || t.charCodeAt(q) !== C.dquote) return 0;
    const strStart = q;
    const strEnd = this.scanString(q);
    if (strEnd <= 0) return 0;
    q = strEnd;
    for (;;) {
      let r = q;
      while (t.charCodeAt(r) === C.space || t.charCodeAt(r) === C.tab) r++;
      if (r === q) break;
      const ds = r;
      while (cls(t.charCodeAt(r)) & DIGIT) r++;
      if (r === ds) break;
      q = r;
    }
    const bytes = this.decodeString(strStart + 1, strEnd - 1);
    if (bytes.indexOf(0) >= 0) this.error(p, 'nul in line number directive');
    const file = new TextDecoder().decode(bytes);
    // "-1 since #line is the number of the next line"; the line after the marker is line N
    const nl = t.indexOf('\n', q);
    this.source.addDirective(nl < 0 ? this.len : nl + 1, file, parseInt(t.slice(numStart, numEnd), 10));
    return q;
  }

  /** `"([^\\"]|\\.)*"` from the quote at p; returns the end (after the closing quote) or 0. */
  private scanString(p: number): number {
    const t = this.text;
    const n = this.len;
    let q = p + 1;
    while (q < n) {
      const c = t.charCodeAt(q);
      if (c === C.dquote) return q + 1;
      if (c === C.backslash) {
        if (q + 1 >= n || t.charCodeAt(q + 1) === C.lf) return 0;
        q += 2;
        continue;
      }
      q++;
    }
    return 0;
  }

  /** `'([^']|\\')*'`, longest match; returns the end or 0. */
  private scanCharLiteral(p: number): number {
    const t = this.text;
    const n = this.len;
    let best = 0;
    for (let q = p + 1; q < n; q++) {
      if (t.charCodeAt(q) === C.squote) {
        best = q + 1;
        if (t.charCodeAt(q - 1) !== C.backslash || q === p + 1) break;
      }
    }
    return best;
  }

  private charLiteral(p: number, e: number): number {
    const d = this.decodeString(p + 1, e - 1);
    if (d.length === 0) this.error(p, 'Empty character literal');
    if (d.length > 1) this.error(p, `Character literal has ${d.length} characters instead of 1`);
    this.num = d[0]!;
    return this.tokenAt(e, Tok.CHAR_LITERAL);
  }

  /** `([0-9]+|0[xX][0-9a-fA-F]+)(U|L|UL|LL|ULL)?`, valued like strtoull(s, &e, 0). */
  private literal(p: number): number {
    const t = this.text;
    const n = this.len;
    let q: number;
    let hex = false;
    if (t.charCodeAt(p) === C.d0 && (t.charCodeAt(p + 1) | 0x20) === C.x && cls(t.charCodeAt(p + 2)) & HEX) {
      hex = true;
      q = p + 3;
      while (q < n && cls(t.charCodeAt(q)) & HEX) q++;
    } else {
      q = p + 1;
      while (q < n && cls(t.charCodeAt(q)) & DIGIT) q++;
    }
    const digitsEnd = q;
    if (t.charCodeAt(q) === C.U) {
      q++;
      if (t.charCodeAt(q) === C.L) {
        q++;
        if (t.charCodeAt(q) === C.L) q++;
      }
    } else if (t.charCodeAt(q) === C.L) {
      q++;
      if (t.charCodeAt(q) === C.L) q++;
    }
    let value: number | bigint = 0;
    let big = false;
    let bad = false;
    if (hex) {
      for (let i = p + 2; i < digitsEnd; i++) {
        const d = hexVal(t.charCodeAt(i));
        if (!big && (value as number) < 2 ** 48) value = (value as number) * 16 + d;
        else {
          if (!big) {
            big = true;
            value = BigInt(value);
          }
          value = (value as bigint) * 16n + BigInt(d);
        }
      }
    } else {
      const octal = t.charCodeAt(p) === C.d0;
      const base = octal ? 8 : 10;
      for (let i = octal ? p + 1 : p; i < digitsEnd; i++) {
        const d = t.charCodeAt(i) - C.d0;
        if (d >= base) {
          bad = true;
          break;
        }
        if (!big && (value as number) < 2 ** 49) value = (value as number) * base + d;
        else {
          if (!big) {
            big = true;
            value = BigInt(value);
          }
          value = (value as bigint) * BigInt(base) + BigInt(d);
        }
      }
    }
    if (bad) this.error(p, `Bad integer literal '${t.slice(p, q)}'`);
    if (big && (value as bigint) > 0xffffffffffffffffn)
      this.error(p, `Integer literal '${t.slice(p, q)}' out of range`);
    this.num = value;
    return this.tokenAt(q, Tok.LITERAL);
  }

  /** The bytes of the current STRING token, escapes processed, without the terminating NUL. */
  stringBytes(): Uint8Array {
    return this.decodeString(this.start + 1, this.end - 1);
  }

  /** Appends the current STRING token's bytes plus the terminating NUL to `out`. */
  appendString(out: ByteBuffer): void {
    const t = this.text;
    const s = this.start + 1;
    const e = this.end - 1;
    out.reserve(e - s + 1);
    const buf = out.bytes;
    let pos = out.pos;
    for (let i = s; i < e; i++) {
      const c = t.charCodeAt(i);
      if (c >= 0x80 || c === C.backslash) {
        out.pos = pos;
        out.append(this.decodeString(i, e));
        out.push(0);
        return;
      }
      buf[pos++] = c;
    }
    buf[pos++] = 0;
    out.pos = pos;
  }

  /** data_copy_escape_string() over text[s, e), as bytes (UTF-8), without the NUL. */
  decodeString(s: number, e: number): Uint8Array {
    const t = this.text;
    let ascii = true;
    for (let i = s; i < e; i++) {
      if (t.charCodeAt(i) >= 0x80) {
        ascii = false;
        break;
      }
    }
    let src: Uint8Array;
    const base = 0;
    let stop: number;
    if (ascii) {
      src = new Uint8Array(e - s + 2);
      for (let i = s; i < e + 2 && i < this.len; i++) src[i - s] = t.charCodeAt(i);
      stop = e - s;
    } else {
      // work in UTF-8 bytes, like dtc; keep the two characters after the end (the quote) visible
      const body = new TextEncoder().encode(t.slice(s, e));
      src = new Uint8Array(body.length + 2);
      src.set(body);
      for (let i = 0; i < 2 && e + i < this.len; i++) src[body.length + i] = t.charCodeAt(e + i) & 0xff;
      stop = body.length;
    }
    const out = new Uint8Array(stop);
    let o = 0;
    let i = base;
    while (i < stop) {
      let c = src[i++]!;
      if (c === C.backslash) {
        const r = escapeChar(src, i, stop + 2);
        if (r < 0) this.error(s, '\\x used with no following hex digits', 'FATAL ERROR');
        c = r & 0xff;
        i = r >>> 8;
      }
      out[o++] = c;
    }
    return o === stop ? out : out.subarray(0, o);
  }
}

function hexVal(c: number): number {
  return c <= C.d9 ? c - C.d0 : (c | 0x20) - C.a + 10;
}

/**
 * get_escape_char(): the escape after a backslash at src[i]; returns (next index << 8) | byte, or
 * -1 for `\x` without digits. `limit` bounds reads (the token's closing quote stays readable).
 */
function escapeChar(src: Uint8Array, i: number, limit: number): number {
  const c = i < limit ? src[i]! : 0;
  let j = i + 1;
  let val: number;
  switch (c) {
    case 97:
      val = 7;
      break; // \a
    case 98:
      val = 8;
      break; // \b
    case 116:
      val = 9;
      break; // \t
    case 110:
      val = 10;
      break; // \n
    case 118:
      val = 11;
      break; // \v
    case 102:
      val = 12;
      break; // \f
    case 114:
      val = 13;
      break; // \r
    case 48:
    case 49:
    case 50:
    case 51:
    case 52:
    case 53:
    case 54:
    case 55: {
      // up to three octal digits (strtol on a 3-character copy)
      val = 0;
      j = i;
      while (j < i + 3 && j < limit && src[j]! >= C.d0 && src[j]! <= C.d7) val = val * 8 + (src[j++]! - C.d0);
      break;
    }
    case 120: {
      // strtol(x, 16) on a 2-character copy: blanks and a sign are accepted
      let k = i + 1;
      const end = Math.min(i + 3, limit);
      while (k < end && isCSpace(src[k]!)) k++;
      let neg = false;
      if (k < end && (src[k] === C.plus || src[k] === C.minus)) neg = src[k++] === C.minus;
      const ds = k;
      let v = 0;
      while (k < end && cls(src[k]!) & HEX) v = v * 16 + hexVal(src[k++]!);
      if (k === ds) return -1;
      val = neg ? -v : v;
      j = k;
      break;
    }
    default:
      val = c;
  }
  return (j << 8) | (val & 0xff);
}

function isCSpace(c: number): boolean {
  return c === C.space || (c >= C.tab && c <= C.cr);
}

/**
 * Where property values are built: straight into a shared 64 KiB block, so that a finished
 * value is a view of it (one ArrayBuffer per block, not per value, keeps the garbage collector's
 * work down). `length` is the size of the value being built.
 */
export class ByteBuffer {
  bytes = new Uint8Array(SLAB);
  /** Start of the value being built in `bytes`. */
  private base = 0;
  /** Write position in `bytes`. */
  pos = 0;

  get length(): number {
    return this.pos - this.base;
  }

  set length(n: number) {
    this.pos = this.base + n;
  }

  /** Room for n more bytes: the value so far moves to a new block when this one is full. */
  reserve(n: number): void {
    if (this.pos + n > this.bytes.length) {
      const used = this.pos - this.base;
      let size = SLAB;
      while (size < used + n) size *= 2;
      const b = new Uint8Array(size);
      b.set(this.bytes.subarray(this.base, this.pos));
      this.bytes = b;
      this.base = 0;
      this.pos = used;
    }
  }

  push(b: number): void {
    if (this.pos >= this.bytes.length) this.reserve(1);
    this.bytes[this.pos++] = b;
  }

  append(d: Uint8Array): void {
    this.reserve(d.length);
    this.bytes.set(d, this.pos);
    this.pos += d.length;
  }

  u32(v: number): void {
    if (this.pos + 4 > this.bytes.length) this.reserve(4);
    const b = this.bytes;
    const l = this.pos;
    b[l] = v >>> 24;
    b[l + 1] = (v >>> 16) & 0xff;
    b[l + 2] = (v >>> 8) & 0xff;
    b[l + 3] = v & 0xff;
    this.pos = l + 4;
  }

  /** The finished value (a view), and an empty buffer for the next one. */
  take(): Uint8Array {
    const out = this.bytes.subarray(this.base, this.pos);
    this.base = this.pos;
    return out;
  }
}

const SLAB = 65536;
