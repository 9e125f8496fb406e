// `check --cache`: each file's report kept between runs, keyed by the content of every file its
// check read (the board, its includes, overlays), the options and the dtmap version. A cache
// that cannot be read, is corrupt or comes from another version is ignored with a one-line
// note, never trusted; one that cannot be written costs a note, never the run. As git's index
// does, a file whose size and modification time are as recorded is not read again to hash it.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { FileReport } from '../report/model.js';
import { writeAtomic } from './output.js';

/** A file as it was: path, content hash, size, modification time (ms). */
type Dep = [string, string, number, number];

interface Entry {
  /** Every file the check read, the input first. */
  deps: Dep[];
  report: FileReport;
}

/**
 * Where `--cache` without a folder keeps results, as eslint and babel do: `node_modules/.cache/dtmap`
 * beside the nearest package.json above the working directory, else `$XDG_CACHE_HOME/dtmap`
 * (`~/.cache/dtmap`).
 */
export function defaultCacheDir(cwd = process.cwd()): string {
  for (let d = resolve(cwd); ; d = dirname(d)) {
    if (existsSync(join(d, 'package.json'))) return join(d, 'node_modules', '.cache', 'dtmap');
    if (dirname(d) === d) break;
  }
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'dtmap');
}

const sha1 = (data: string | Uint8Array) => createHash('sha1').update(data).digest('hex');

function validEntry(e: unknown, file: string): e is Entry {
  const x = e as Entry;
  return (
    typeof x === 'object' &&
    x !== null &&
    Array.isArray(x.deps) &&
    x.deps.length > 0 &&
    x.deps[0]![0] === file &&
    x.deps.every(
      (d) =>
        Array.isArray(d) &&
        d.length === 4 &&
        typeof d[0] === 'string' &&
        typeof d[1] === 'string' &&
        typeof d[2] === 'number' &&
        typeof d[3] === 'number',
    ) &&
    typeof x.report === 'object' &&
    x.report !== null &&
    x.report.file === file &&
    x.report.error === null &&
    Array.isArray(x.report.maps) &&
    Array.isArray(x.report.diagnostics)
  );
}

export class ResultCache {
  readonly path: string;
  private entries: Record<string, Entry> = {};
  private stats = new Map<string, { size: number; mtime: number; hash?: string } | null>();
  private changed = false;
  hits = 0;

  /** `key`: everything besides file contents that a report depends on (options, working directory). */
  constructor(
    dir: string,
    private readonly version: string,
    key: unknown,
    private readonly note: (message: string) => void,
  ) {
    this.path = join(dir, `check-${sha1(JSON.stringify(key)).slice(0, 16)}.json`);
    const entries = this.load();
    this.entries = entries ?? {};
    this.changed = !entries;
  }

  private load(): Record<string, Entry> | undefined {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
        this.note(`cache ${this.path}: cannot read (${(e as Error).message}); ignored`);
      return undefined;
    }
    let data: { dtmap?: unknown; entries?: unknown } | null = null;
    try {
      data = JSON.parse(text);
    } catch {
      // corrupt: below
    }
    const corrupt = () => void this.note(`cache ${this.path}: corrupt; ignored`);
    if (typeof data !== 'object' || data === null || typeof data.entries !== 'object' || data.entries === null)
      return corrupt();
    if (data.dtmap !== this.version)
      return void this.note(
        `cache ${this.path}: written by dtmap ${String(data.dtmap)}, this is ${this.version}; ignored`,
      );
    const entries = data.entries as Record<string, unknown>;
    for (const [file, e] of Object.entries(entries)) if (!validEntry(e, file)) return corrupt();
    return entries as Record<string, Entry>;
  }

  /** A file as it is now (stat once per run), or null when it cannot be read. */
  private stat(file: string) {
    let st = this.stats.get(file);
    if (st === undefined) {
      try {
        const s = statSync(file);
        st = { size: s.size, mtime: s.mtimeMs };
      } catch {
        st = null;
      }
      this.stats.set(file, st);
    }
    return st;
  }

  private hash(file: string): string | null {
    const st = this.stat(file);
    if (st && st.hash === undefined) {
      try {
        st.hash = sha1(readFileSync(file));
      } catch {
        return null;
      }
    }
    return st?.hash ?? null;
  }

  private unchanged(dep: Dep): boolean {
    const [file, hash, size, mtime] = dep;
    const st = this.stat(file);
    if (st === null) return false;
    if (st.size === size && st.mtime === mtime) return true;
    if (this.hash(file) !== hash) return false;
    [dep[2], dep[3]] = [st.size, st.mtime]; // touched, not changed: remember the new time
    this.changed = true;
    return true;
  }

  /** The kept report when every file it was made from is unchanged. */
  get(file: string): FileReport | undefined {
    const e = Object.hasOwn(this.entries, file) ? this.entries[file] : undefined;
    if (!e || !e.deps.every((d) => this.unchanged(d))) return undefined;
    this.hits++;
    return { ...e.report, files: e.deps.map((d) => d[0]) }; // what it read, for the -o guard
  }

  /** Keeps a fresh report (not one with an error, nor one of a live tree or stdin). */
  set(report: FileReport): void {
    const files = report.files;
    if (report.error !== null || !files?.length || files[0] !== report.file) return;
    const deps: Dep[] = [];
    for (const f of new Set(files)) {
      const h = this.hash(f);
      if (h === null) return;
      const st = this.stat(f)!;
      deps.push([f, h, st.size, st.mtime]);
    }
    this.entries[report.file] = { deps, report: { ...report, files: undefined } };
    this.changed = true;
  }

  /** Writes the cache atomically; a failure is a note. */
  save(): void {
    if (!this.changed) return;
    try {
      mkdirSync(dirname(this.path), { recursive: true });
      writeAtomic(this.path, JSON.stringify({ dtmap: this.version, entries: this.entries }));
    } catch (e) {
      this.note(
        `cache ${this.path}: cannot write (${(e as Error).message.replace(/^.*?: cannot write: /, '')}); results not kept`,
      );
    }
  }
}
