// Rule severities, include paths, defines and the kernel form from `.dtmaprc.json`, a
// `"dtmap"` key in package.json (the first found walking up from the working directory), or
// `--config FILE`; command-line options win over the file.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { RULES } from '../checks/index.js';
import type { Severity } from '../checks/types.js';
import type { KernelForm } from '../map/map.js';
import { InputError } from './input.js';
import {
  arrayOf,
  checkFile,
  didYouMean,
  fail,
  member,
  object,
  oneOf,
  readJsonFile,
  recordOf,
  show,
  string,
  warnOnStderr,
  type Warn,
} from './schema.js';

export type RuleSetting = Severity | 'off';

/** A finding left out by node, for inputs that carry no comments (ACPI tables, DTBs): every
 *  finding of `rule` at `node` (as the finding names it), in every file or those whose path ends
 *  with `file`. */
export interface Ignore {
  rule: string;
  node: string;
  file?: string;
  reason?: string;
}

export interface Config {
  rules: Record<string, RuleSetting>;
  include: string[];
  define: Record<string, string>;
  kernel?: KernelForm;
  /** Boards (files, folders or globs, absolute) the language server checks a `.dtsi` through. */
  boards?: string[];
  /** Findings left out by rule and node (`ignore`). */
  ignore?: Ignore[];
  /** Where the config came from, for messages. */
  source?: string;
}

const SETTINGS = ['off', 'info', 'warning', 'error'] as const;
/** `warn` is `warning`, as eslint spells it. */
const severity = (v: unknown): unknown => (v === 'warn' ? 'warning' : v);

/** `-D NAME[=VALUE]` options as a map (a bare NAME is "1", as cpp defines it). */
export function parseDefines(list: string[]): Record<string, string> {
  return Object.fromEntries(
    list.map((d) => (d.includes('=') ? [d.slice(0, d.indexOf('=')), d.slice(d.indexOf('=') + 1)] : [d, '1'])),
  );
}

function checkRuleSetting(rule: string, given: unknown, where: string): RuleSetting {
  const ids = RULES.map((r) => r.id);
  const value = severity(given);
  if (!ids.includes(rule)) throw new InputError(`${where}: unknown rule ${show(rule)}${didYouMean(rule, ids)}`);
  if (typeof value !== 'string' || !(SETTINGS as readonly string[]).includes(value))
    throw new InputError(
      `${where}: bad severity ${JSON.stringify(value)} for ${rule}${typeof value === 'string' ? didYouMean(value, SETTINGS) : `; use one of ${SETTINGS.join(', ')}`}`,
    );
  return value as RuleSetting;
}

/** `--rule RULE=SEVERITY`. */
export function parseRuleOption(text: string): [string, RuleSetting] {
  const eq = text.indexOf('=');
  if (eq < 0) throw new InputError(`--rule ${text}: use RULE=off|info|warning|error`);
  const rule = text.slice(0, eq);
  return [rule, checkRuleSetting(rule, text.slice(eq + 1), `--rule ${text}`)];
}

const macroName = (name: string, at: string, expected: string): void => {
  if (!/^[A-Za-z_]\w*(\([^)]*\))?$/.test(name)) fail(at, expected);
};

/** The configuration's schema (`.dtmaprc.json`, the `"dtmap"` key of package.json, `--config`). */
const configSchema = object(
  {
    $schema: string,
    rules: recordOf(
      (v, at, warn) => oneOf(SETTINGS)(severity(v), at, warn),
      'expected an object of RULE: off|info|warning|error',
      {
        names: RULES.map((r) => r.id),
        noun: 'rule',
      },
    ),
    include: arrayOf(string, 'expected a list of folders'),
    // {"NAME": "VALUE"} or ["NAME=VALUE", "NAME"], as -D takes them
    define: (v: unknown, at: string, warn: Warn): Record<string, string> => {
      if (Array.isArray(v)) {
        const list = arrayOf(string, '')(v, at, warn);
        list.forEach((d, i) => macroName(d.split('=')[0]!, `${at}[${i}]`, 'expected NAME[=VALUE], NAME a macro name'));
        return parseDefines(list);
      }
      const values = recordOf(
        (x, where) =>
          typeof x === 'string' || Number.isFinite(x) ? String(x) : fail(where, 'expected a string or a number'),
        'expected an object of NAME: VALUE or a list of NAME=VALUE',
      )(v, at, warn);
      for (const k of Object.keys(values)) macroName(k, member(at, k), 'expected a macro name, NAME or NAME(args)');
      return values;
    },
    kernel: oneOf(['classic', 'mainline'] as const),
    boards: arrayOf(string, 'expected a list of board files, folders or globs'), // the language server's boards for a .dtsi
    ignore: arrayOf((v, at, warn) => {
      const o = object(
        { rule: string, node: string, file: string, reason: string },
        'expected {"rule": RULE, "node": NODE, "file"?: FILE, "reason"?: TEXT}',
        ['rule', 'node'],
      )(v, at, warn);
      const ids = RULES.map((r) => r.id);
      if (!ids.includes(o.rule)) fail(member(at, 'rule'), `unknown rule ${show(o.rule)}${didYouMean(o.rule, ids)}`);
      return o;
    }, 'expected a list of {"rule": RULE, "node": NODE}'),
  },
  'expected a JSON object with rules, include, define, kernel, boards, ignore',
);

/** Checks the whole configuration first, then builds it: a bad file applies nothing. */
function parseConfig(raw: unknown, source: string, at = '', warn: (line: string) => void = warnOnStderr): Config {
  const o = checkFile(
    source,
    raw,
    configSchema,
    (where, message) => warn(`${source}: ${where ? `${where}: ` : ''}${message}`),
    at,
  );
  const base = dirname(source);
  return {
    rules: o.rules ?? {},
    include: (o.include ?? []).map((d) => resolve(base, d)),
    define: o.define ?? {},
    kernel: o.kernel,
    boards: o.boards?.map((b) => resolve(base, b)),
    ignore: o.ignore,
    source,
  };
}

/**
 * The configuration: `--config FILE`, else the first `.dtmaprc.json` or package.json with a
 * `"dtmap"` key walking up from `cwd`. Warnings (unknown keys) go to `warn`.
 */
export function loadConfig(explicit: string | undefined, cwd = process.cwd(), warn?: (line: string) => void): Config {
  if (explicit) return parseConfig(readJsonFile(explicit), resolve(explicit), '', warn);
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const rc = join(dir, '.dtmaprc.json');
    if (existsSync(rc)) return parseConfig(readJsonFile(rc), rc, '', warn);
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      const p = readJsonFile(pkg);
      if (p && typeof p === 'object' && !Array.isArray(p) && Object.hasOwn(p, 'dtmap'))
        return parseConfig((p as { dtmap: unknown }).dtmap, pkg, 'dtmap', warn);
    }
    if (dirname(dir) === dir) return { rules: {}, include: [], define: {} };
  }
}
