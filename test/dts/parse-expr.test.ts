// Integer expressions: property-based against a plain BigInt model of C's uint64_t arithmetic
// (dtc's semantics; fixtures/dts/expressions-random.dts checks the same against dtc itself).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DtsError, parseDts } from '../../src/dts/parse.js';

type Expr =
  | { lit: bigint; text: string }
  | { un: string; a: Expr }
  | { bin: string; a: Expr; b: Expr }
  | { c: Expr; t: Expr; f: Expr };

const M = (v: bigint) => BigInt.asUintN(64, v);
class DivZero extends Error {}

/** C semantics; every operand evaluated (no short circuit), as dtc's parser actions do. */
function evaluate(e: Expr): bigint {
  if ('lit' in e) return e.lit;
  if ('un' in e) {
    const a = evaluate(e.a);
    return e.un === '-' ? M(-a) : e.un === '~' ? M(~a) : a === 0n ? 1n : 0n;
  }
  if ('c' in e) {
    const c = evaluate(e.c);
    const t = evaluate(e.t);
    const f = evaluate(e.f);
    return c !== 0n ? t : f;
  }
  const a = evaluate(e.a);
  const b = evaluate(e.b);
  const bool = (x: boolean) => (x ? 1n : 0n);
  switch (e.bin) {
    case '+':
      return M(a + b);
    case '-':
      return M(a - b);
    case '*':
      return M(a * b);
    case '/':
      if (b === 0n) throw new DivZero();
      return a / b;
    case '%':
      if (b === 0n) throw new DivZero();
      return a % b;
    case '<<':
      return b < 64n ? M(a << b) : 0n;
    case '>>':
      return b < 64n ? a >> b : 0n;
    case '<':
      return bool(a < b);
    case '>':
      return bool(a > b);
    case '<=':
      return bool(a <= b);
    case '>=':
      return bool(a >= b);
    case '==':
      return bool(a === b);
    case '!=':
      return bool(a !== b);
    case '&':
      return a & b;
    case '^':
      return a ^ b;
    case '|':
      return a | b;
    case '&&':
      return bool(a !== 0n && b !== 0n);
    case '||':
      return bool(a !== 0n || b !== 0n);
  }
  throw new Error(e.bin);
}

/** Fully parenthesised, so the text means the tree whatever the precedence. */
function render(e: Expr): string {
  if ('lit' in e) return e.text;
  if ('un' in e) return `${e.un}(${render(e.a)})`;
  if ('c' in e) return `(${render(e.c)}) ? (${render(e.t)}) : (${render(e.f)})`;
  return `(${render(e.a)}) ${e.bin} (${render(e.b)})`;
}

const literal: fc.Arbitrary<Expr> = fc.oneof(
  fc.bigInt(0n, 0xffffffffffffffffn).map((v) => ({ lit: v, text: `0x${v.toString(16)}` })),
  fc.integer({ min: 0, max: 70 }).map((v) => ({ lit: BigInt(v), text: String(v) })),
  fc.integer({ min: 0, max: 0o777 }).map((v) => ({ lit: BigInt(v), text: `0${v.toString(8)}` })),
  fc.constantFrom('a', 'Z', '0').map((c) => ({ lit: BigInt(c.charCodeAt(0)), text: `'${c}'` })),
);

const expr: fc.Arbitrary<Expr> = fc.letrec<{ e: Expr }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    literal,
    fc.record({ un: fc.constantFrom('-', '~', '!'), a: tie('e') }),
    fc.record({
      bin: fc.constantFrom(
        '+',
        '-',
        '*',
        '/',
        '%',
        '<<',
        '>>',
        '<',
        '>',
        '<=',
        '>=',
        '==',
        '!=',
        '&',
        '^',
        '|',
        '&&',
        '||',
      ),
      a: tie('e'),
      b: tie('e'),
    }),
    fc.record({ c: tie('e'), t: tie('e'), f: tie('e') }),
  ),
})).e;

function compile(text: string): bigint {
  const tree = parseDts(`/dts-v1/;\n/ { x = /bits/ 64 <(${text})>; };\n`, undefined, { file: 'expr.dts' });
  const v = tree.root.prop('x')!.value;
  return new DataView(v.buffer, v.byteOffset, 8).getBigUint64(0);
}

describe('integer expressions', () => {
  it('evaluate as C uint64_t, every operand evaluated', () => {
    fc.assert(
      fc.property(expr, (e) => {
        let want: bigint | 'div0';
        try {
          want = evaluate(e);
        } catch (err) {
          if (!(err instanceof DivZero)) throw err;
          want = 'div0';
        }
        const text = render(e);
        if (want === 'div0') {
          expect(() => compile(text)).toThrow(DtsError);
          expect(() => compile(text)).toThrow('Division by zero');
        } else expect(compile(text)).toBe(want);
      }),
      { numRuns: 2000 },
    );
  });

  it('keep the low bits of a value whose upper bits are all ones, and refuse others', () => {
    fc.assert(
      fc.property(fc.bigInt(0n, 0xffffffffffffffffn), fc.constantFrom(8, 16, 32), (v, bits) => {
        const mask = (1n << BigInt(bits)) - 1n;
        const fits = v <= mask || (v | mask) === 0xffffffffffffffffn;
        const src = `/dts-v1/;\n/ { x = /bits/ ${bits} <(0x${v.toString(16)})>; };\n`;
        if (!fits) {
          expect(() => parseDts(src, undefined, { file: 'x.dts' })).toThrow(
            `Value out of range for ${bits}-bit array element`,
          );
          return;
        }
        const val = parseDts(src, undefined, { file: 'x.dts' }).root.prop('x')!.value;
        let got = 0n;
        for (const b of val) got = (got << 8n) | BigInt(b);
        expect(got).toBe(v & mask);
      }),
      { numRuns: 500 },
    );
  });
});
