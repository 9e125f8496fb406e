// Rule severities, include paths, defines and the kernel form from `.dtmaprc.json`, a
// `"dtmap"` key in package.json (the first found walking up from the working directory), or
// `--config FILE`; command-line options win over the file.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { RULES } from '../checks/index.js';
import type { Severity } from '../checks/types.js';
import type { KernelForm } from '../map/map.js';
import { InputError } from './input.js';

export type RuleSetting = Severity | 'off';

export interface Config {
  rules: Record<string, RuleSetting>;
  include: string[];
  define: Record<string, string>;
  kernel?: KernelForm;
  /** Boards (files, folders or globs, absolute) the language server checks a `.dtsi` through. */
  boards?: string[];
  /** Where the config came from, for messages. */
  source?: string;
}

const SETTINGS = ['off', 'info', 'warning', 'error'];

/** `-D NAME[=VALUE]` options as a map (a bare NAME is "1", as cpp defines it). */
export function parseDefines(list: string[]): Record<string, string> {
  return Object.fromEntries(list.map((d) => (d.includes('=') ? [d.slice(0, d.indexOf('=')), d.slice(d.indexOf('=') + 1)] : [d, '1'])));
}

function distance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const t = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = t;
    }
  }
  return d[b.length]!;
}

/** "did you mean X?" for the nearest of `choices`, when it is near enough. */
export function suggest(word: string, choices: readonly string[]): string {
  let best = '';
  let score = Infinity;
  for (const c of choices) {
    const s = distance(word, c);
    if (s < score) [best, score] = [c, s];
  }
  return score <= Math.max(2, word.length / 3) ? `; did you mean "${best}"?` : `; known: ${choices.join(', ')}`;
}

export function checkRuleSetting(rule: string, value: unknown, where: string): RuleSetting {
  const ids = RULES.map((r) => r.id);
  if (!ids.includes(rule)) throw new InputError(`${where}: unknown rule "${rule}"${suggest(rule, ids)}`);
  if (typeof value !== 'string' || !SETTINGS.includes(value)) throw new InputError(`${where}: bad severity ${JSON.stringify(value)} for ${rule}${typeof value === 'string' ? suggest(value, SETTINGS) : `; use one of ${SETTINGS.join(', ')}`}`);
  return value as RuleSetting;
}

/** `--rule RULE=SEVERITY`. */
export function parseRuleOption(text: string): [string, RuleSetting] {
  const eq = text.indexOf('=');
  if (eq < 0) throw new InputError(`--rule ${text}: use RULE=off|info|warning|error`);
  const rule = text.slice(0, eq);
  return [rule, checkRuleSetting(rule, text.slice(eq + 1), `--rule ${text}`)];
}

function parseConfig(raw: unknown, source: string): Config {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new InputError(`${source}: the configuration must be a JSON object`);
  const known = ['rules', 'include', 'define', 'kernel', 'boards', '$schema'];
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!known.includes(k)) throw new InputError(`${source}: unknown key "${k}"${suggest(k, known)}`);
  const config: Config = { rules: {}, include: [], define: {}, source };
  if (o.rules !== undefined) {
    if (typeof o.rules !== 'object' || o.rules === null) throw new InputError(`${source}: "rules" must be an object of RULE: severity`);
    for (const [rule, v] of Object.entries(o.rules)) config.rules[rule] = checkRuleSetting(rule, v, source);
  }
  const base = dirname(source);
  if (o.include !== undefined) {
    if (!Array.isArray(o.include) || o.include.some((x) => typeof x !== 'string')) throw new InputError(`${source}: "include" must be a list of folders`);
    config.include = (o.include as string[]).map((d) => resolve(base, d));
  }
  if (o.define !== undefined) {
    const d = o.define;
    if (Array.isArray(d)) for (const x of d) config.define[String(x).split('=')[0]!] = String(x).includes('=') ? String(x).slice(String(x).indexOf('=') + 1) : '1';
    else if (typeof d === 'object' && d !== null) for (const [k, v] of Object.entries(d)) config.define[k] = String(v);
    else throw new InputError(`${source}: "define" must be an object or a list of NAME=VALUE`);
  }
  if (o.boards !== undefined) {
    if (!Array.isArray(o.boards) || o.boards.some((x) => typeof x !== 'string')) throw new InputError(`${source}: "boards" must be a list of board files, folders or globs`);
    config.boards = (o.boards as string[]).map((b) => resolve(base, b));
  }
  if (o.kernel !== undefined) {
    if (o.kernel !== 'classic' && o.kernel !== 'mainline') throw new InputError(`${source}: "kernel" must be "classic" or "mainline"`);
    config.kernel = o.kernel;
  }
  return config;
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InputError(`${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
}

export function loadConfig(explicit: string | undefined, cwd = process.cwd()): Config {
  if (explicit) return parseConfig(readJson(explicit), resolve(explicit));
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const rc = join(dir, '.dtmaprc.json');
    if (existsSync(rc)) return parseConfig(readJson(rc), rc);
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      const p = readJson(pkg) as Record<string, unknown>;
      if (p && typeof p === 'object' && 'dtmap' in p) return parseConfig(p.dtmap, pkg);
    }
    if (dirname(dir) === dir) return { rules: {}, include: [], define: {} };
  }
}
