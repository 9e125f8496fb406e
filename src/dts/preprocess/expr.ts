// `#if` expressions: GCC's `_cpp_parse_expr` over intmax_t/uintmax_t (64-bit), with C's usual
// arithmetic conversions, short-circuit evaluation (no "division by zero" in an unevaluated arm),
// `defined X` / `defined(X)` and `__has_include`.

import { Kind, isPunct, type Token } from './lexer.js';

export interface ExprSource {
  /** The next macro-expanded token of the directive (Eof at its end). */
  next(): Token;
  /** The next token without macro expansion (for the operand of `defined`). */
  nextRaw(): Token;
  isDefined(name: string): boolean;
  hasInclude(name: string, angled: boolean, next: boolean): boolean;
}

export class ExprError extends Error {
  constructor(
    message: string,
    readonly token: Token | null,
  ) {
    super(message);
  }
}

interface Value {
  v: bigint;
  unsigned: boolean;
}

const MAX_DEPTH = 1000;

const BINARY_PRECEDENCE: Record<string, number> = {
  '*': 10,
  '/': 10,
  '%': 10,
  '+': 9,
  '-': 9,
  '<<': 8,
  '>>': 8,
  '<': 7,
  '>': 7,
  '<=': 7,
  '>=': 7,
  '==': 6,
  '!=': 6,
  '&': 5,
  '^': 4,
  '|': 3,
  '&&': 2,
  '||': 1,
};

const norm = (v: bigint, unsigned: boolean): Value => ({
  v: unsigned ? BigInt.asUintN(64, v) : BigInt.asIntN(64, v),
  unsigned,
});
const bool = (b: boolean): Value => ({ v: b ? 1n : 0n, unsigned: false });

/** Evaluates the rest of an `#if`/`#elif` line; true when non-zero. */
export function evaluateIf(src: ExprSource, directive: string): boolean {
  const p = new ExprParser(src);
  if (p.peek().kind === Kind.Eof) throw new ExprError(`#${directive} with no expression`, null);
  const value = p.comma();
  const rest = p.peek();
  if (rest.kind !== Kind.Eof) {
    if (isPunct(rest, ')')) throw new ExprError("missing '(' in expression", rest);
    if (isPunct(rest, ':')) throw new ExprError("':' without preceding '?'", rest);
    throw new ExprError(`missing binary operator before token "${rest.text}"`, rest);
  }
  return value.v !== 0n;
}

class ExprParser {
  private cur: Token | null = null;
  private skipEval = 0;
  private depth = 0;

  constructor(private readonly src: ExprSource) {}

  peek(): Token {
    return (this.cur ??= this.src.next());
  }

  private take(): Token {
    const t = this.peek();
    this.cur = null;
    return t;
  }

  comma(): Value {
    let v = this.conditional();
    while (isPunct(this.peek(), ',')) {
      this.take();
      v = this.conditional();
    }
    return v;
  }

  private conditional(): Value {
    const cond = this.binary(1);
    if (!isPunct(this.peek(), '?')) return cond;
    this.take();
    const taken = cond.v !== 0n;
    if (!taken) this.skipEval++;
    const yes = this.comma();
    if (!taken) this.skipEval--;
    const colon = this.take();
    if (!isPunct(colon, ':')) throw new ExprError(`'?' without following ':'`, colon);
    if (taken) this.skipEval++;
    const no = this.conditional();
    if (taken) this.skipEval--;
    const unsigned = yes.unsigned || no.unsigned;
    return norm(taken ? yes.v : no.v, unsigned);
  }

  /** Precedence climbing over the binary operators (iterative, so long chains do not recurse). */
  private binary(minPrec: number): Value {
    let left = this.unary();
    for (;;) {
      const op = this.peek();
      const prec = op.kind === Kind.Punct ? BINARY_PRECEDENCE[op.text] : undefined;
      if (prec === undefined || prec < minPrec) return left;
      this.take();
      this.noRightOperand(op);
      if (op.text === '&&' || op.text === '||') {
        const decided = op.text === '&&' ? left.v === 0n : left.v !== 0n;
        if (decided) this.skipEval++;
        const right = this.binary(prec + 1);
        if (decided) this.skipEval--;
        left = bool(op.text === '&&' ? left.v !== 0n && right.v !== 0n : left.v !== 0n || right.v !== 0n);
        continue;
      }
      const right = this.binary(prec + 1);
      left = this.apply(op, left, right);
    }
  }

  private noRightOperand(op: Token): void {
    if (this.peek().kind === Kind.Eof) throw new ExprError(`operator '${op.text}' has no right operand`, op);
  }

  private apply(op: Token, a: Value, b: Value): Value {
    const unsigned = a.unsigned || b.unsigned;
    const x = norm(a.v, unsigned).v;
    const y = norm(b.v, unsigned).v;
    switch (op.text) {
      case '*':
        return norm(x * y, unsigned);
      case '/':
      case '%':
        if (y === 0n) {
          if (this.skipEval) return { v: 0n, unsigned };
          throw new ExprError('division by zero in #if', op);
        }
        return norm(op.text === '/' ? x / y : x % y, unsigned);
      case '+':
        return norm(x + y, unsigned);
      case '-':
        return norm(x - y, unsigned);
      case '<<':
      case '>>':
        return shift(a, b, op.text === '<<');
      case '<':
        return bool(x < y);
      case '>':
        return bool(x > y);
      case '<=':
        return bool(x <= y);
      case '>=':
        return bool(x >= y);
      case '==':
        return bool(x === y);
      case '!=':
        return bool(x !== y);
      case '&':
        return norm(x & y, unsigned);
      case '^':
        return norm(x ^ y, unsigned);
      case '|':
        return norm(x | y, unsigned);
    }
    throw new ExprError(`token "${op.text}" is not valid in preprocessor expressions`, op);
  }

  private unary(): Value {
    const t = this.peek();
    if (t.kind === Kind.Punct && (t.text === '+' || t.text === '-' || t.text === '~' || t.text === '!')) {
      this.take();
      this.noRightOperand(t);
      if (++this.depth > MAX_DEPTH) throw new ExprError('#if expression nested too deeply', t);
      const v = this.unary();
      this.depth--;
      switch (t.text) {
        case '+':
          return v;
        case '-':
          return norm(-v.v, v.unsigned);
        case '~':
          return norm(~v.v, v.unsigned);
        default:
          return bool(v.v === 0n);
      }
    }
    return this.primary();
  }

  private primary(): Value {
    const t = this.take();
    switch (t.kind) {
      case Kind.Number:
        return parseInteger(t);
      case Kind.Char:
      case Kind.WChar:
        return { v: charValue(t), unsigned: false };
      case Kind.Name:
        return this.name(t);
      case Kind.Eof:
        throw new ExprError('#if with no expression', null);
    }
    if (isPunct(t, '(')) {
      if (++this.depth > MAX_DEPTH) throw new ExprError('#if expression nested too deeply', t);
      if (isPunct(this.peek(), ')')) throw new ExprError("missing expression between '(' and ')'", t);
      const v = this.comma();
      this.depth--;
      const close = this.take();
      if (!isPunct(close, ')')) throw new ExprError("missing ')' in expression", close);
      return v;
    }
    if (BINARY_PRECEDENCE[t.text] !== undefined || isPunct(t, ')') || isPunct(t, ':') || isPunct(t, '?')) {
      throw new ExprError(`operator '${t.text}' has no left operand`, t);
    }
    throw new ExprError(`token "${t.text}" is not valid in preprocessor expressions`, t);
  }

  private name(t: Token): Value {
    if (t.text === 'defined') {
      // GCC's parse_defined: the operand is read with macro expansion turned off.
      let name = this.src.nextRaw();
      const paren = isPunct(name, '(');
      if (paren) name = this.src.nextRaw();
      if (name.kind !== Kind.Name) throw new ExprError('operator "defined" requires an identifier', name);
      if (paren) {
        const close = this.src.nextRaw();
        if (!isPunct(close, ')')) throw new ExprError('missing \')\' after "defined"', close);
      }
      return bool(this.src.isDefined(name.text));
    }
    if (t.text === '__has_include' || t.text === '__has_include_next') {
      const open = this.src.nextRaw();
      if (!isPunct(open, '(')) throw new ExprError(`missing '(' before "${t.text}" operand`, open);
      const { name, angled } = this.headerOperand();
      return bool(this.src.hasInclude(name, angled, t.text === '__has_include_next'));
    }
    // Any other identifier (not a macro after expansion) is 0.
    return { v: 0n, unsigned: false };
  }

  private headerOperand(): { name: string; angled: boolean } {
    const first = this.src.next();
    let result: { name: string; angled: boolean };
    if (first.kind === Kind.String || first.kind === Kind.Header) {
      result = { name: first.text.slice(1, -1), angled: first.kind === Kind.Header };
    } else if (isPunct(first, '<')) {
      let name = '';
      for (let t = this.src.next(); !isPunct(t, '>'); t = this.src.next()) {
        if (t.kind === Kind.Eof) throw new ExprError('missing terminating > character', t);
        name += t.text;
      }
      result = { name, angled: true };
    } else {
      throw new ExprError('operator "__has_include" requires a header-name', first);
    }
    const close = this.src.next();
    if (!isPunct(close, ')')) throw new ExprError('missing \')\' after "__has_include" operand', close);
    return result;
  }
}

function shift(a: Value, b: Value, left: boolean): Value {
  let n = b.unsigned ? BigInt.asUintN(64, b.v) : b.v;
  // GCC's num_lshift/num_rshift: a negative count on a signed operand shifts the other way.
  if (n < 0n) {
    n = -n;
    left = !left;
  }
  const v = a.v;
  if (n >= 64n) {
    if (left) return { v: 0n, unsigned: a.unsigned };
    return { v: !a.unsigned && v < 0n ? -1n : 0n, unsigned: a.unsigned };
  }
  return norm(left ? v << n : v >> n, a.unsigned);
}

/** GCC's cpp_classify_number + cpp_interpret_integer for the integers `#if` accepts. */
export function parseInteger(t: Token): Value {
  const m = /^(0[xX]([0-9a-fA-F]+)|0[bB]([01]+)|(0[0-7]*)|([1-9][0-9]*))([uUlL]*)$/.exec(t.text);
  if (!m) {
    const hex = /^0[xX]/.test(t.text);
    if (t.text.includes('.') || (hex ? /[pP]/ : /[eE]/).test(t.text)) {
      throw new ExprError('floating constant in preprocessor expression', t);
    }
    throw new ExprError(`invalid integer constant "${t.text}" in #if`, t);
  }
  const suffix = m[6]!;
  if (suffix && !/^(?:[uU]?(?:l|L|ll|LL)?|(?:l|L|ll|LL)[uU])$/.test(suffix)) {
    throw new ExprError(`invalid suffix "${suffix}" on integer constant`, t);
  }
  let v: bigint;
  if (m[2] !== undefined) v = BigInt('0x' + m[2]);
  else if (m[3] !== undefined) v = BigInt('0b' + m[3]);
  else if (m[4] !== undefined) v = m[4].length > 1 ? BigInt('0o' + m[4].slice(1)) : 0n;
  else v = BigInt(m[5]!);
  v = BigInt.asUintN(64, v);
  // Too large for intmax_t: the constant is unsigned (GCC warns "so large that it is unsigned").
  const unsigned = /[uU]/.test(suffix) || v > 0x7fffffffffffffffn;
  return norm(v, unsigned);
}

const SIMPLE_ESCAPES: Record<string, number> = {
  n: 10,
  t: 9,
  r: 13,
  a: 7,
  b: 8,
  f: 12,
  v: 11,
  e: 27,
  E: 27,
  '\\': 92,
  "'": 39,
  '"': 34,
  '?': 63,
};

/** Value of a character constant: plain `char` is signed on GCC's x86/arm64 hosts (not arm). */
export function charValue(t: Token): bigint {
  const wide = t.kind === Kind.WChar;
  const body = t.text.slice(wide ? 2 : 1, -1);
  const chars: number[] = [];
  for (let i = 0; i < body.length;) {
    const c = body[i]!;
    if (c !== '\\') {
      const cp = body.codePointAt(i)!;
      if (cp < 0x80 || wide) chars.push(cp);
      else for (const byte of Buffer.from(String.fromCodePoint(cp), 'utf8')) chars.push(byte);
      i += cp > 0xffff ? 2 : 1;
      continue;
    }
    const e = body[i + 1] ?? '';
    if (e >= '0' && e <= '7') {
      const oct = /^[0-7]{1,3}/.exec(body.slice(i + 1))![0];
      chars.push(parseInt(oct, 8));
      i += 1 + oct.length;
    } else if (e === 'x') {
      const hex = /^[0-9a-fA-F]*/.exec(body.slice(i + 2))![0];
      chars.push(hex ? Number(BigInt.asUintN(32, BigInt('0x' + hex))) : 0);
      i += 2 + hex.length;
    } else {
      chars.push(SIMPLE_ESCAPES[e] ?? e.charCodeAt(0));
      i += 2;
    }
  }
  if (chars.length === 0) throw new ExprError('empty character constant', t);
  if (wide) return BigInt.asIntN(32, BigInt(chars[chars.length - 1]!));
  if (chars.length === 1) return BigInt.asIntN(8, BigInt(chars[0]! & 0xff));
  let v = 0n;
  for (const c of chars) v = (v << 8n) | BigInt(c & 0xff);
  return BigInt.asIntN(32, v);
}
