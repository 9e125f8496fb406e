// The language server's state, without the protocol: open buffers (read by the DTS front end
// instead of the files on disk), the boards they are checked through, each board's last result,
// and the diagnostics to publish per file. Checks are those of `dtmap check` (src/app: its
// settings and configuration, baseline and suppressions).
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DiagnosticSeverity, type Diagnostic as LspDiagnostic, type Position, type Range } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Context, Diagnostic } from '../checks/index.js';
import { checkTree } from '../app/check-file.js';
import { loadConfig, type Config } from '../app/config.js';
import { expandInputs } from '../app/files.js';
import { dtsIncludeDirs } from '../app/input.js';
import { resolveSettings, type SettingOptions, type Settings } from '../app/settings.js';
import { compileDts } from '../dts/index.js';
import { SourceError } from '../errors.js';
import type { KernelForm, MapKind, ParsedMap } from '../map/map.js';
import { applyBaseline, type Baseline } from '../report/baseline.js';
import { loadBaseline } from '../app/baseline.js';
import type { Tree } from '../tree/model.js';
import { IncludeIndex } from '../app/boards.js';
import { entryRange, statementRange, tokenRange } from './text.js';

/**
 * The settings the server takes, as `dtmap check` takes them: `config` (default: found upwards
 * from each board), `baseline` (loaded once, for every board), `kernel` (wins over the configuration).
 */
export interface ProjectOptions extends Pick<SettingOptions, 'config' | 'baseline' | 'kernel'> {
  /** Workspace folders searched for the boards that include a `.dtsi`. */
  roots: string[];
  /** At most this many boards check a `.dtsi` that no open board includes (default 3). */
  maxBoards?: number;
  reportUnusedDisable?: boolean;
}

/** A board that preprocessed, parsed and checked. */
export interface Checked {
  tree: Tree;
  ctx: Context;
  form: KernelForm;
  diagnostics: Diagnostic[];
}

/** What a diagnostic carries for code actions. */
export interface DiagnosticData {
  board: string;
  rule: string;
  node: string;
  property: string | null;
  entry: number | null;
}

interface Item {
  range: Range;
  severity: DiagnosticSeverity;
  message: string;
  rule?: string;
  data?: DiagnosticData;
}

export interface BoardState {
  board: string;
  /** Every file the last good run read (and the file of a later source error). */
  files: Set<string>;
  good?: Checked;
  /** Diagnostics of the last good run, by file. */
  items: Map<string, Item[]>;
  /** The source error of the last run, when it failed. */
  error?: { file: string; item: Item };
}

export interface Flushed {
  /** File -> the diagnostics to publish for it (an empty list clears it). */
  publish: Map<string, LspDiagnostic[]>;
  /** Boards checked, with the milliseconds each took (wall clock, and CPU time of this process). */
  checked: Array<{ board: string; ms: number; cpuMs: number }>;
}

const SEVERITY = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
} as const;

export const isBoard = (file: string) => /\.dtso?$/.test(file);

export function mapKindOf(property: string): MapKind | undefined {
  return property.startsWith('iommu-map') ? 'iommu' : property.startsWith('msi-map') ? 'msi' : undefined;
}

/** The parsed map a finding is about, from the board's context. */
export function findingMap(ctx: Context, node: string, property: string | null): ParsedMap | undefined {
  const kind = property ? mapKindOf(property) : undefined;
  return kind && ctx.bridges.find((b) => b.node.path === node)?.maps[kind]?.parsed;
}

export class Project {
  /** Open buffers: path -> text (what the front end reads instead of the file). */
  readonly overlay = new Map<string, string>();
  readonly boards = new Map<string, BoardState>();
  private readonly dirty = new Set<string>();
  /** `.dtsi` -> the boards found for it (none open includes it). */
  private readonly assigned = new Map<string, string[]>();
  private readonly index: IncludeIndex;
  private readonly docs = new Map<string, TextDocument>();
  private published = new Set<string>();
  private baseline?: Baseline;
  /** Problems with the server's own settings (baseline), for the log. */
  readonly notes: string[] = [];

  constructor(private readonly opts: ProjectOptions) {
    this.index = new IncludeIndex(opts.roots);
    if (opts.baseline) {
      try {
        this.baseline = loadBaseline(opts.baseline, (line) => this.notes.push(line));
      } catch (e) {
        this.notes.push(`${(e as Error).message}; checking without the baseline`);
      }
    }
  }

  open(path: string, text: string): void {
    this.change(path, text);
  }

  change(path: string, text: string): void {
    this.overlay.set(path, text);
    this.index.update(path, text);
    this.dirty.add(path);
  }

  /** Saved: the buffer is the file now; checked again (other files may have changed on disk too). */
  save(path: string): void {
    this.dirty.add(path);
  }

  close(path: string): void {
    this.overlay.delete(path);
    this.assigned.delete(path);
    this.dirty.add(path);
  }

  /**
   * A file changed on disk (the client's file watcher; `text` undefined: deleted). An open buffer
   * stays what is checked; else the boards that read the file are checked again, and a file that
   * appears or a changed configuration rechecks every board (a missing include may be there now).
   */
  changedOnDisk(path: string, text: string | undefined, created = false): void {
    if (this.overlay.has(path)) return;
    this.index.update(path, text ?? ''); // a deleted file includes nothing
    this.dirty.add(path);
    if (created || basename(path) === '.dtmaprc.json' || basename(path) === 'package.json')
      for (const b of this.boards.keys()) this.dirty.add(b);
  }

  /** The text of a file as the front end reads it now (buffer, else disk). */
  document(path: string): TextDocument {
    const text = this.overlay.get(path) ?? readText(path);
    const cached = this.docs.get(path);
    if (cached && cached.getText() === text) return cached;
    const doc = TextDocument.create(pathToFileURL(path).href, 'dts', 0, text);
    this.docs.set(path, doc);
    return doc;
  }

  /** The checked board a file is best read through: an open board first. */
  stateFor(path: string): BoardState | undefined {
    let found: BoardState | undefined;
    for (const s of this.boards.values()) {
      if (!s.good || !(s.board === path || s.files.has(path))) continue;
      if (this.overlay.has(s.board)) return s;
      found ??= s;
    }
    return found;
  }

  /** Checks what the changes since the last flush affect; returns what to publish. */
  flush(): Flushed {
    const checked: Flushed['checked'] = [];
    const touched = new Set<string>();
    const touch = (s: BoardState) => {
      for (const f of s.items.keys()) touched.add(f);
      if (s.error) touched.add(s.error.file);
    };
    // boards neither open nor checking an open .dtsi are dropped first (a board just closed)
    for (const [b, s] of this.boards) {
      if (this.overlay.has(b) || [...this.assigned.values()].some((list) => list.includes(b))) continue;
      touch(s);
      this.boards.delete(b);
    }
    const targets = new Set<string>();
    for (const p of this.dirty) {
      if (isBoard(p) && (this.overlay.has(p) || this.boards.has(p))) targets.add(p);
      for (const s of this.boards.values()) if (s.files.has(p)) targets.add(s.board);
    }
    this.dirty.clear();
    const run = (board: string) => {
      const before = this.boards.get(board);
      if (before) touch(before);
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      const s = this.check(board);
      const cpu = process.cpuUsage(cpu0);
      checked.push({ board, ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000 });
      touch(s);
      return s;
    };
    for (const b of targets) run(b);
    // every open .dtsi is checked through some board: an open one that includes it, else found ones
    for (const f of this.overlay.keys()) {
      if (isBoard(f) || this.assigned.has(f) || [...this.boards.values()].some((s) => s.files.has(f))) continue;
      this.assigned.set(f, this.discover(f, run));
    }
    return { publish: this.publish(touched), checked };
  }

  /** Boards that include `file` (configured `boards`, else found in the workspace), checked. */
  private discover(file: string, run: (board: string) => BoardState): string[] {
    let candidates: string[];
    const config = this.config(file);
    if (config?.boards) {
      try {
        candidates = expandInputs(config.boards)
          .filter(isBoard)
          .map((b) => resolve(b));
      } catch {
        candidates = [];
      }
    } else candidates = this.index.boardsIncluding(file);
    const max = this.opts.maxBoards ?? 3;
    const chosen: string[] = [];
    for (const [tried, b] of candidates.entries()) {
      if (chosen.length >= max || tried >= max * 4) break;
      const s = this.boards.get(b) ?? run(b);
      if (s.files.has(file) || s.error?.file === file) chosen.push(b);
      else if (!this.overlay.has(b) && ![...this.assigned.values()].some((l) => l.includes(b))) this.boards.delete(b);
    }
    return chosen;
  }

  private config(file: string): Config | undefined {
    try {
      return loadConfig(this.opts.config, dirname(file));
    } catch {
      return undefined;
    }
  }

  /** One board through the front end and the checks, as `dtmap check` runs them. */
  private check(board: string): BoardState {
    const s: BoardState = this.boards.get(board) ?? { board, files: new Set([board]), items: new Map() };
    this.boards.set(board, s);
    let settings: Settings;
    try {
      settings = resolveSettings({ config: this.opts.config, kernel: this.opts.kernel }, dirname(board));
    } catch (e) {
      s.error = {
        file: board,
        item: {
          range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
          severity: DiagnosticSeverity.Error,
          message: (e as Error).message,
        },
      };
      return s;
    }
    const includeDirs = dtsIncludeDirs(board, settings.include);
    try {
      const form = settings.kernel;
      const { tree, files, suppressions } = compileDts(board, {
        includeDirs,
        defines: settings.define,
        overlay: this.overlay,
      });
      tree.suppressions = suppressions;
      const { ctx, diagnostics } = checkTree(tree, {
        kernel: form,
        readers: settings.readers.map((r) => r.name),
        rules: settings.rules,
        reportUnusedDisable: this.opts.reportUnusedDisable,
      });
      const kept = this.baseline
        ? applyBaseline([{ file: board, error: null, maps: [], diagnostics }], this.baseline, this.opts.baseline!)
            .files[0]!.diagnostics
        : diagnostics;
      s.files = new Set(files);
      s.good = { tree, ctx, form, diagnostics: kept };
      s.items = this.items(board, s.good);
      s.error = undefined;
    } catch (e) {
      s.error = this.sourceError(board, e, includeDirs);
      s.files.add(s.error.file);
    }
    return s;
  }

  /** A preprocessor or parser error at its position; anything else (a bug) on the board's first line. */
  private sourceError(board: string, e: unknown, includeDirs: string[]): { file: string; item: Item } {
    if (e instanceof SourceError && e.line !== undefined && e.column !== undefined && e.file !== '<command-line>') {
      const { line, column } = e;
      const file = resolve(e.file);
      const missing = this.missingInclude(board, file, line, e.message, includeDirs);
      let range: Range;
      try {
        range = tokenRange(this.document(file), { file, line, column });
      } catch {
        range = {
          start: { line: line - 1, character: column - 1 },
          end: { line: line - 1, character: column },
        };
      }
      return { file, item: { range, severity: DiagnosticSeverity.Error, message: e.message + missing } };
    }
    const message = `internal error: ${e instanceof Error ? e.message : String(e)}`;
    return {
      file: board,
      item: {
        range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
        severity: DiagnosticSeverity.Error,
        message,
      },
    };
  }

  /**
   * For an include not found: where dtmap looked, in its order, and how to add a folder. The
   * preprocessor looks for `#include "x"` beside the including file, then in the include folders,
   * for `<x>` in the include folders only; dtc's `/include/ "x"` beside the including file, beside
   * the board, then in the include folders (src/dts/index.ts).
   */
  private missingInclude(board: string, file: string, line: number, message: string, includeDirs: string[]): string {
    const m = /^(?:Couldn't open "(.+)"|(.+)): No such file or directory$/.exec(message);
    if (!m) return '';
    const name = m[1] ?? m[2]!;
    const text = this.document(file).getText({ start: { line: line - 1, character: 0 }, end: { line, character: 0 } });
    const dirs = m[1]
      ? [dirname(file), dirname(board), ...includeDirs]
      : text.includes(`<${name}>`)
        ? includeDirs
        : [dirname(file), ...includeDirs];
    const root = this.opts.roots.find((r) => dirs.every((d) => d === r || d.startsWith(r + sep)));
    const show = (d: string) => (root ? relative(root, d) || '.' : d) + '/';
    const looked = dirs.length
      ? `looked in ${[...new Set(dirs)].map(show).join(', ')}`
      : 'no include folder is set (not in a kernel tree)';
    return `; ${looked}. Add an include folder with "include": ["DIR"] in .dtmaprc.json (relative to it), or -I DIR for dtmap check`;
  }

  /** A board's findings as ranges in the files where they were written. */
  private items(board: string, c: Checked): Map<string, Item[]> {
    const out = new Map<string, Item[]>();
    for (const d of c.diagnostics) {
      const file = d.span?.file ?? board;
      const list = out.get(file) ?? [];
      out.set(file, list);
      list.push({
        range: this.findingRange(c, d, file),
        severity: SEVERITY[d.severity],
        message: d.message,
        rule: d.rule,
        data: { board, rule: d.rule, node: d.node, property: d.property, entry: d.entry },
      });
    }
    return out;
  }

  /** The entry a finding names, else the whole property, else the token at its span. */
  private findingRange(c: Checked, d: Diagnostic, file: string): Range {
    if (!d.span) return { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
    const doc = this.document(file);
    const m = findingMap(c.ctx, d.node, d.property);
    const e = d.entry !== null ? m?.entries[d.entry] : undefined;
    const r = m && e && entryRange(doc, file, m, e);
    if (r) return r;
    const p = d.property ? c.tree.byPath(d.node)?.prop(d.property)?.span : undefined;
    if (p && p.file === d.span.file && p.line === d.span.line && p.column === d.span.column)
      return statementRange(doc, d.span);
    return tokenRange(doc, d.span);
  }

  /**
   * Diagnostics for the given files: the same finding from several boards is one, naming them all.
   * `record`: these are published (a file published before gets an empty list when it has none).
   */
  private publish(files: Set<string>, record = true): Map<string, LspDiagnostic[]> {
    const merged = new Map<string, Map<string, { item: Item; boards: string[] }>>();
    for (const s of this.boards.values()) {
      const add = (file: string, item: Item) => {
        if (!files.has(file)) return;
        const key = JSON.stringify([item.range, item.severity, item.rule, item.message]);
        const forFile = merged.get(file) ?? new Map();
        merged.set(file, forFile);
        const known = forFile.get(key);
        if (known) known.boards.push(s.board);
        else forFile.set(key, { item, boards: [s.board] });
      };
      // a file that does not parse shows its error; the other files keep the last good findings
      for (const [file, items] of s.items) if (file !== s.error?.file) for (const item of items) add(file, item);
      if (s.error) add(s.error.file, s.error.item);
    }
    const out = new Map<string, LspDiagnostic[]>();
    for (const f of files) {
      const list = [...(merged.get(f)?.values() ?? [])].map(({ item, boards }) => toLsp(item, boards));
      if (!record) {
        out.set(f, list);
        continue;
      }
      if (list.length || this.published.has(f)) out.set(f, list);
      if (list.length) this.published.add(f);
      else this.published.delete(f);
    }
    return out;
  }

  /** The diagnostics of `file` (as published) whose range meets `range`: for code actions. */
  diagnosticsIn(file: string, range: Range): LspDiagnostic[] {
    return (this.publish(new Set([file]), false).get(file) ?? []).filter((d) => meets(d.range, range));
  }
}

const before = (a: Position, b: Position) => a.line < b.line || (a.line === b.line && a.character <= b.character);
/** Whether two ranges share a position (a cursor at either end of a range meets it). */
const meets = (a: Range, b: Range) => before(a.start, b.end) && before(b.start, a.end);

function toLsp(item: Item, boards: string[]): LspDiagnostic {
  const names = boards.map((b) => basename(b)).join(', ');
  const d: LspDiagnostic = {
    range: item.range,
    severity: item.severity,
    source: 'dtmap',
    message: `${item.message} [${boards.length > 1 ? 'boards' : 'board'} ${names}]`,
  };
  if (item.rule) {
    d.code = item.rule;
    const href = rulePage(item.rule);
    if (href) d.codeDescription = { href };
  }
  if (item.data) d.data = item.data;
  return d;
}

let docsDir: string | null | undefined;
/**
 * The `file:` URL of a rule's page, docs/rules/<id>.md as the package ships it, found from this
 * module's own file upwards (dist/lsp.cjs in the package, src/lsp/ in a clone). The project has no
 * web home: the page installed with the server is the one that matches its rules.
 */
export function rulePage(rule: string): string | undefined {
  if (docsDir === undefined) {
    docsDir = null;
    let dir = dirname(fileURLToPath(import.meta.url));
    for (let i = 0; i < 4; i++, dir = dirname(dir))
      if (existsSync(join(dir, 'docs', 'rules', 'README.md'))) {
        docsDir = join(dir, 'docs', 'rules');
        break;
      }
  }
  const page = docsDir && join(docsDir, `${rule}.md`);
  return page && existsSync(page) ? pathToFileURL(page).href : undefined;
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
