// dtc's integer expressions are C `uint64_t` arithmetic. Values are kept as a plain number while
// they are below 2^53 (exact, and fast), and as a bigint otherwise; every result is reduced
// modulo 2^64, as C does.

export type U64 = number | bigint;

const SAFE = 2 ** 53;
const TWO32 = 4294967296;
export const U64_MAX = 0xffffffffffffffffn;

export function big(v: U64): bigint {
  return typeof v === 'bigint' ? v : BigInt(v);
}

/** Reduce modulo 2^64; a number again when it fits. */
export function norm(v: bigint): U64 {
  const r = BigInt.asUintN(64, v);
  return r < 9007199254740992n ? Number(r) : r;
}

export function isTrue(v: U64): boolean {
  return typeof v === 'number' ? v !== 0 : v !== 0n;
}

export function add(a: U64, b: U64): U64 {
  if (typeof a === 'number' && typeof b === 'number') {
    const s = a + b;
    if (s < SAFE) return s;
  }
  return norm(big(a) + big(b));
}

export function sub(a: U64, b: U64): U64 {
  if (typeof a === 'number' && typeof b === 'number' && a >= b) return a - b;
  return norm(big(a) - big(b));
}

export function mul(a: U64, b: U64): U64 {
  if (typeof a === 'number' && typeof b === 'number') {
    const p = a * b;
    if (p < SAFE) return p;
  }
  return norm(big(a) * big(b));
}

/** Callers check for a zero divisor first. */
export function div(a: U64, b: U64): U64 {
  if (typeof a === 'number' && typeof b === 'number' && a < TWO32) return Math.floor(a / b);
  return norm(big(a) / big(b));
}

export function mod(a: U64, b: U64): U64 {
  if (typeof a === 'number' && typeof b === 'number') return a % b;
  return norm(big(a) % big(b));
}

/** `(b < 64) ? a << b : 0` */
export function shl(a: U64, b: U64): U64 {
  if (!(b < 64)) return 0;
  const n = Number(b);
  if (typeof a === 'number') {
    const r = a * 2 ** n;
    if (r < SAFE) return r;
  }
  return norm(big(a) << BigInt(n));
}

/** `(b < 64) ? a >> b : 0` (logical) */
export function shr(a: U64, b: U64): U64 {
  if (!(b < 64)) return 0;
  const n = Number(b);
  if (typeof a === 'number') return n >= 53 ? 0 : Math.floor(a / 2 ** n);
  return norm(a >> BigInt(n));
}

export function and(a: U64, b: U64): U64 {
  if (typeof a === 'number' && typeof b === 'number' && a < TWO32 && b < TWO32) return (a & b) >>> 0;
  return norm(big(a) & big(b));
}

export function or(a: U64, b: U64): U64 {
  if (typeof a === 'number' && typeof b === 'number' && a < TWO32 && b < TWO32) return (a | b) >>> 0;
  return norm(big(a) | big(b));
}

export function xor(a: U64, b: U64): U64 {
  if (typeof a === 'number' && typeof b === 'number' && a < TWO32 && b < TWO32) return (a ^ b) >>> 0;
  return norm(big(a) ^ big(b));
}

export function neg(a: U64): U64 {
  if (a === 0) return 0;
  return norm(-big(a));
}

export function not(a: U64): U64 {
  return norm(~big(a));
}

export function lt(a: U64, b: U64): U64 {
  return a < b ? 1 : 0;
}

export function eq(a: U64, b: U64): boolean {
  return typeof a === typeof b ? a === b : big(a) === big(b);
}
