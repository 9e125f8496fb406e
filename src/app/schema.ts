// The JSON files dtmap reads (baselines, configuration) are checked on load against a schema
// written as code, before anything in them is used. A check takes a value and where it is
// (`findings[3].rids[0]`) and returns it typed, or throws a SchemaError, which the loader turns
// into one line: `FILE: findings[3].rids[0]: expected [first, last] integers`. Unknown keys are
// ignored with a warning (and a "did you mean" when one is close).
import { suggest } from '../dts/suggest.js';
import { InputError, readBytes } from './input.js';

export class SchemaError extends Error {
  override name = 'SchemaError';
  constructor(
    /** Where in the file: `findings[3].rids[0]`, or "" for the whole file. */
    readonly at: string,
    readonly expected: string,
  ) {
    super(at ? `${at}: ${expected}` : expected);
  }
}

/** Receives a warning about the value at `at` (unknown keys). */
export type Warn = (at: string, message: string) => void;
export type Check<T> = (value: unknown, at: string, warn: Warn) => T;

export const fail = (at: string, expected: string): never => {
  throw new SchemaError(at, expected);
};

/** A string for a one-line message: quoted, escaped, and cut short when long. */
export function show(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text);
}

/** `; did you mean "X"?` for the nearest of `choices` (src/dts/suggest.ts), else the choices. */
export function didYouMean(word: string, choices: readonly string[], listWhenFar = true): string {
  const [near] = suggest(word, choices);
  return near !== undefined ? `; did you mean ${show(near)}?` : listWhenFar ? `; known: ${choices.join(', ')}` : '';
}

/** The path of `key` inside `at`: `rules.map-gap`, or `define["a b"]` for other names. */
export function member(at: string, key: string): string {
  if (/^[A-Za-z_$][\w$-]*$/.test(key)) return at ? `${at}.${key}` : key;
  return `${at}[${show(key)}]`;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export const string: Check<string> = (v, at) => (typeof v === 'string' ? v : fail(at, 'expected a string'));

export function integer(min: number, max: number): Check<number> {
  return (v, at) =>
    Number.isInteger(v) && (v as number) >= min && (v as number) <= max
      ? (v as number)
      : fail(at, `expected an integer from ${min} to ${max}`);
}

/** `check`'s value or null; `expected` says both (`expected a string or null`). */
export function nullable<T>(check: Check<T>, expected: string): Check<T | null> {
  return (v, at, warn) => {
    if (v === null) return null;
    try {
      return check(v, at, warn);
    } catch (e) {
      throw e instanceof SchemaError && e.at === at ? new SchemaError(at, expected) : e;
    }
  };
}

export function oneOf<T extends string>(values: readonly T[]): Check<T> {
  return (v, at) =>
    typeof v === 'string' && (values as readonly string[]).includes(v)
      ? (v as T)
      : fail(at, `expected one of ${values.join(', ')}${typeof v === 'string' ? didYouMean(v, values, false) : ''}`);
}

export function arrayOf<T>(item: Check<T>, expected: string): Check<T[]> {
  return (v, at, warn) => (Array.isArray(v) ? v.map((x, i) => item(x, `${at}[${i}]`, warn)) : fail(at, expected));
}

/**
 * An object of NAME: value. With `known` (the names that mean something, and what they are
 * called: "rule"), other names are left out with a warning.
 */
export function recordOf<T>(
  value: Check<T>,
  expected: string,
  known?: { names: readonly string[]; noun: string },
): Check<Record<string, T>> {
  return (v, at, warn) => {
    if (!isObject(v)) return fail(at, expected);
    const out: Array<[string, T]> = [];
    for (const [k, x] of Object.entries(v)) {
      const checked = value(x, member(at, k), warn);
      if (!known || known.names.includes(k)) out.push([k, checked]);
      else warn(at, `unknown ${known.noun} ${show(k)} ignored${didYouMean(k, known.names)}`);
    }
    return Object.fromEntries(out); // own properties even for "__proto__"
  };
}

type Shape = Record<string, Check<unknown>>;
type Checked<S extends Shape, R extends keyof S> = { [K in R]: ReturnType<S[K]> } & {
  [K in Exclude<keyof S, R>]?: ReturnType<S[K]>;
};

/** An object with these keys (the `required` ones must be there); other keys are warned about. */
export function object<S extends Shape, R extends keyof S & string = never>(
  shape: S,
  expected: string,
  required: readonly R[] = [],
): Check<Checked<S, R>> {
  const keys = Object.keys(shape);
  return (v, at, warn) => {
    if (!isObject(v)) return fail(at, expected);
    for (const k of required) if (!Object.hasOwn(v, k)) fail(member(at, k), 'missing');
    const out: Array<[string, unknown]> = [];
    for (const [k, x] of Object.entries(v)) {
      if (Object.hasOwn(shape, k)) out.push([k, shape[k]!(x, member(at, k), warn)]);
      else warn(at, `unknown key ${show(k)} ignored${didYouMean(k, keys)}`);
    }
    return Object.fromEntries(out) as Checked<S, R>;
  };
}

/** A JSON file's value; one line naming the file when it cannot be read or is not JSON. */
export function readJsonFile(file: string): unknown {
  const text = Buffer.from(readBytes(file))
    .toString('utf8')
    .replace(/^\uFEFF/, '');
  try {
    return JSON.parse(text);
  } catch (e) {
    // V8 quotes the text near the error, newlines and all: keep the message on one line
    throw new InputError(
      `${file}: not valid JSON: ${(e as Error).message.replace(/[\x00-\x1f]/g, (c) => JSON.stringify(c).slice(1, -1))}`,
    );
  }
}

/** Checks a file's value against its schema: SchemaError becomes the one line naming the file. */
export function checkFile<T>(file: string, value: unknown, check: Check<T>, warn: Warn, at = ''): T {
  try {
    return check(value, at, warn);
  } catch (e) {
    if (e instanceof SchemaError) throw new InputError(`${file}: ${e.message}`);
    throw e;
  }
}

/** Warnings to stderr, each line once per process (a file may be loaded more than once). */
const warned = new Set<string>();
export function warnOnStderr(line: string): void {
  if (warned.has(line)) return;
  warned.add(line);
  process.stderr.write(`dtmap: warning: ${line}\n`);
}
