// Reading a baseline file (`check --baseline`): its schema, checked whole before it is applied.
import type { Baseline } from '../report/baseline.js';
import {
  arrayOf,
  checkFile,
  fail,
  integer,
  nullable,
  object,
  readJsonFile,
  show,
  string,
  type Check,
} from './schema.js';
import { InputError } from './input.js';

/** An inclusive `[first, last]` pair of u32 RIDs. */
const ridRange: Check<[number, number]> = (v, at) => {
  if (!Array.isArray(v) || v.length !== 2 || !v.every(Number.isInteger))
    return fail(at, 'expected [first, last] integers');
  const [first, last] = v as [number, number];
  return first >= 0 && first <= last && last <= 0xffffffff
    ? [first, last]
    : fail(at, 'expected [first, last] integers, 0 <= first <= last <= 0xffffffff');
};

const finding = object(
  {
    file: string,
    node: string,
    property: nullable(string, 'expected a string or null'),
    rule: string,
    rids: arrayOf(ridRange, 'expected a list of [first, last] integers'),
  },
  'expected a finding {file, node, property, rule, rids}',
  ['file', 'node', 'property', 'rule', 'rids'],
);

const baselineSchema = object(
  { version: integer(1, 1), findings: arrayOf(finding, 'expected a list of findings') },
  'expected a dtmap baseline, {"version": 1, "findings": [...]}',
  ['version', 'findings'],
);

/**
 * The baseline in `file`; one line naming the file and the place when it does not match the
 * schema. Unknown keys are warned about once per key (not once per finding).
 */
export function loadBaseline(file: string, warn: (line: string) => void): Baseline {
  const raw = readJsonFile(file);
  const version = (raw as { version?: unknown } | null)?.version;
  if (version !== undefined && version !== 1)
    throw new InputError(
      `${file}: a baseline of version ${typeof version === 'string' ? show(version) : JSON.stringify(version)?.slice(0, 40)}; this dtmap reads version 1: rewrite it with --write-baseline`,
    );
  const seen = new Set<string>();
  return checkFile(file, raw, baselineSchema, (at, message) => {
    const once = `${at.replace(/\[\d+\]/g, '[]')} ${message}`;
    if (seen.has(once)) return;
    seen.add(once);
    warn(`${file}: ${at ? `${at}: ` : ''}${message}`);
  }) as Baseline;
}
