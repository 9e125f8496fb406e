// Turning arguments into input files: plain files, directories (searched for *.dts and *.dtb),
// and globs (`arch/arm64/boot/dts/**/*.dts`, quoted so the shell leaves them to us). A `.dtsi` is
// no tree of its own: it stands for the boards that include it.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { IncludeIndex } from './boards.js';
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
  /** A directory is one input (a live tree in /proc/device-tree form, a directory of ACPI tables),
   *  not a folder of inputs. */
  isOneInput?: (dir: string) => boolean;
  /**
   * A folder (or glob) held both `board.dts` and `board.dtb` (an in-tree kernel build): the blob
   * was left out, the source is checked once.
   */
  skipped?: (dtb: string, dts: string) => void;
}

/** Of what a folder or glob found, the `.dtb`s whose `.dts` is beside them are left out. */
function sourcesOnce(found: string[], skipped?: (dtb: string, dts: string) => void): string[] {
  const all = new Set(found);
  return found.filter((f) => {
    const dts = f.replace(/\.dtb$/, '.dts');
    if (dts === f || !all.has(dts)) return true;
    skipped?.(f, dts);
    return false;
  });
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
      if (opts.isOneInput?.(arg)) out.push(arg);
      else {
        const found: string[] = [];
        walk(arg, found);
        const inputs = found.filter((f) => INPUT.test(f));
        if (!inputs.length) throw new InputError(`${arg}: no .dts or .dtb files in this directory`);
        out.push(...sourcesOnce(inputs, opts.skipped));
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
      out.push(...sourcesOnce(matches, opts.skipped));
    } else out.push(arg);
  }
  return [...new Set(out)];
}

/**
 * Where to look for the boards that include `dtsi`: in a kernel tree, the `boot/dts` folder of every arch
 * (a board reaches another architecture's `.dtsi` through `scripts/dtc/include-prefixes`); else
 * the working directory when the file is inside it (a repository checked from its root, as
 * pre-commit does), else the file's own folder. Paths relative to the working directory.
 */
export function boardRoots(dtsi: string, cwd = process.cwd()): string[] {
  const abs = resolve(cwd, dtsi);
  const rel = (p: string) => relative(cwd, p) || '.';
  const kernel = /^(.*)[\\/]arch[\\/][^\\/]+[\\/]boot[\\/]dts[\\/]/.exec(abs);
  if (kernel) {
    const arch = join(kernel[1]!, 'arch');
    return readdirSync(arch)
      .sort()
      .map((a) => join(arch, a, 'boot', 'dts'))
      .filter((d) => existsSync(d))
      .map(rel);
  }
  const fromCwd = relative(cwd, abs);
  const inside = fromCwd !== '..' && !fromCwd.startsWith('..' + sep) && !isAbsolute(fromCwd);
  return [inside ? '.' : rel(dirname(abs))];
}

/**
 * Each `.dtsi` among `files` replaced by the boards (`.dts`) that include it, directly or through
 * other `.dtsi` files (src/app/boards.ts), each board once. `note` says which boards stand for it.
 */
export function throughBoards(files: string[], note: (line: string) => void, cwd = process.cwd()): string[] {
  if (!files.some((f) => f.endsWith('.dtsi'))) return files;
  const indexes = new Map<string, IncludeIndex>();
  const out: string[] = [];
  for (const f of files) {
    if (!f.endsWith('.dtsi')) {
      out.push(f);
      continue;
    }
    // a missing file gets the usual one-line error when it is read, not "no board includes it"
    if (!existsSync(resolve(cwd, f))) {
      out.push(f);
      continue;
    }
    const roots = boardRoots(f, cwd);
    const key = roots.join('\0');
    if (!indexes.has(key)) indexes.set(key, new IncludeIndex(roots.map((r) => resolve(cwd, r))));
    const found = indexes
      .get(key)!
      .boardsIncluding(resolve(cwd, f))
      .map((b) => relative(cwd, b));
    const where = roots.length > 1 ? 'this kernel tree' : roots[0] === '.' ? 'the working directory' : roots[0]!;
    if (!found.length)
      note(`${f} is not a tree of its own, and no board (.dts) in ${where} includes it: nothing to check for it`);
    else {
      const shown = found.slice(0, 10).map((b) => basename(b));
      const more = found.length > 10 ? `, and ${found.length - 10} more` : '';
      note(
        `${f} is not a tree of its own: checked through the ${found.length === 1 ? 'board' : `${found.length} boards`} in ${where} that include${found.length === 1 ? 's' : ''} it: ${shown.join(', ')}${more}`,
      );
    }
    out.push(...found);
  }
  return [...new Set(out)];
}
