// Turning arguments into input files: plain files, directories (searched for *.dts and *.dtb),
// and globs (`arch/arm64/boot/dts/**/*.dts`, quoted so the shell leaves them to us).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from './input.js';

const GLOB = /[*?[]/;
const INPUT = /\.(dts|dtb)$/;

/** A glob as a regular expression over `/`-separated paths: `**` any depth, `*` and `?` within a name. */
export function globRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      const slash = glob[i + 2] === '/';
      re += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        re +=
          '[' +
          glob
            .slice(i + 1, end)
            .replace(/^!/, '^')
            .replace(/\\/g, '\\\\') +
          ']';
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp('^' + re + '$');
}

function walk(dir: string, out: string[], depth = 0): void {
  if (depth > 64) return;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    throw new InputError(`${dir}: ${(e as Error).message}`);
  }
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const p = dir === '.' ? e.name : join(dir, e.name);
    if (e.isDirectory()) walk(p, out, depth + 1);
    else out.push(p);
  }
}

export interface ExpandOptions {
  /** A directory is a live tree (/proc/device-tree form), not a folder of inputs. */
  isLiveTree?: (dir: string) => boolean;
}

/** Expands arguments into input paths, in a stable order; duplicates dropped. */
export function expandInputs(args: string[], opts: ExpandOptions = {}): string[] {
  const out: string[] = [];
  for (const arg of args) {
    if (arg === '-') {
      out.push(arg);
      continue;
    }
    let st;
    try {
      st = statSync(arg);
    } catch {
      st = undefined;
    }
    if (st?.isDirectory()) {
      if (opts.isLiveTree?.(arg)) out.push(arg);
      else {
        const found: string[] = [];
        walk(arg, found);
        const inputs = found.filter((f) => INPUT.test(f));
        if (!inputs.length) throw new InputError(`${arg}: no .dts or .dtb files in this directory`);
        out.push(...inputs);
      }
    } else if (!st && GLOB.test(arg)) {
      const parts = arg.split('/');
      const firstGlob = parts.findIndex((p) => GLOB.test(p));
      const base = parts.slice(0, firstGlob).join('/') || (arg.startsWith('/') ? '/' : '.');
      const found: string[] = [];
      try {
        if (statSync(base).isDirectory()) walk(base, found);
      } catch {
        /* no base folder: no match */
      }
      const re = globRegExp(arg.startsWith('./') ? arg.slice(2) : arg);
      const matches = found.filter((f) => re.test(f));
      if (!matches.length) throw new InputError(`${arg}: no file matches this pattern`);
      out.push(...matches);
    } else out.push(arg);
  }
  return [...new Set(out)];
}
