// `dtmap check`: inputs -> per-file reports -> baseline -> format -> exit code.
import { availableParallelism } from 'node:os';
import { existsSync, statSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { loadBaseline } from '../app/baseline.js';
import { warnOnStderr } from '../app/schema.js';
import type { FileReport } from '../report/model.js';
import { FORMATS, type FormatName } from '../report/index.js';
import { applyBaseline, makeBaseline } from '../report/baseline.js';
import { ridList } from '../words.js';
import { expandInputs, throughBoards } from '../app/files.js';
import { isLiveTree } from '../live/read.js';
import { isAcpiDir } from '../app/acpi.js';
import { errorLine, InputError } from '../app/input.js';
import { resolveSettings, type SettingOptions } from '../app/settings.js';
import { checkOutputs, writeAtomic, type Output } from './output.js';
import { checkAll, progressBar } from './pool.js';

export interface CheckCommandOptions extends SettingOptions {
  format: FormatName;
  strict?: boolean;
  maxWarnings?: number;
  quiet?: boolean;
  verbose?: boolean;
  output?: string;
  /** `--sarif FILE`: also write the SARIF report there (code scanning beside annotations). */
  sarif?: string;
  writeBaseline?: string;
  jobs?: number;
  reportUnusedDisable?: boolean;
  /** With --write-baseline: drop the entries of files not checked in this run. */
  prune?: boolean;
  /** `--cache`; a folder in the older form `--cache=DIR` (eslint's `--cache-location` now). */
  cache?: string | boolean;
  cacheLocation?: string;
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

export async function runCheck(args: string[], opts: CheckCommandOptions, version: string): Promise<number> {
  const started = Date.now();
  if (typeof opts.cache === 'string' && (/\.dtsi?$|\.dtbo?$|[*?[]/.test(opts.cache) || isFile(opts.cache))) {
    // `--cache board.dts`: commander took the first input for --cache's value; give it back
    args = [opts.cache, ...args];
    opts = { ...opts, cache: true };
  }
  if (opts.cacheLocation) opts = { ...opts, cache: opts.cacheLocation };
  if (!args.length) throw new InputError('check: no FILE given (DTB or DTS files, directories or quoted globs)');
  const settings = resolveSettings(opts);
  const { config, baseline } = settings;
  let jobs = opts.jobs ?? availableParallelism();
  const note = (m: string) => process.stderr.write(`dtmap: note: ${m}\n`);
  const files = throughBoards(
    expandInputs(args, {
      isOneInput: settings.live ? () => true : (d) => isLiveTree(d) || isAcpiDir(d),
      // an in-tree kernel build leaves board.dtb beside board.dts: one check of the source
      skipped: opts.verbose
        ? (dtb, dts) => note(`${dtb} left out: ${dts} beside it is its source, checked once`)
        : undefined,
    }),
    note,
  );
  // A DTB takes about a millisecond to check: worker threads (start-up, a second JIT warm-up)
  // cost more than they save, so DTB-only runs stay on one thread unless --jobs says otherwise.
  if (opts.jobs === undefined && files.every((f) => /\.dtbo?$/.test(f))) jobs = 1;
  // Under an address-space limit (bin/dtmap.cjs says so) a worker thread cannot even start: each
  // reserves its own 512 MiB of V8 code space, and that failure aborts the whole process.
  if (process.env.DTMAP_ADDRESS_LIMITED) jobs = 1;
  // No output may replace an input: the files given are checked now, what they read after the run.
  const outputs: Output[] = [];
  if (opts.writeBaseline) outputs.push({ option: '--write-baseline', file: opts.writeBaseline });
  if (opts.output && opts.output !== '-') outputs.push({ option: '-o', file: opts.output });
  if (opts.sarif) outputs.push({ option: '--sarif', file: opts.sarif });
  const given = [
    ...files,
    ...settings.overlays,
    ...(config.source ? [config.source] : []),
    ...(baseline ? [baseline.file] : []),
  ];
  checkOutputs(outputs, given);
  // --cache names its file by a hash of these, in this order (ResultCache)
  const fileOpts = {
    kernel: settings.kernel,
    readers: settings.readers.map((r) => r.name),
    rules: settings.rules,
    include: settings.include,
    define: settings.define,
    overlays: settings.overlays,
    live: settings.live,
    reportUnusedDisable: opts.reportUnusedDisable,
    ignore: settings.config.ignore,
    verbose: opts.verbose,
  };
  const notes: string[] = [];
  let cache: import('./cache.js').ResultCache | undefined;
  if (opts.cache) {
    // loaded on demand: node:crypto costs start-up time that runs without --cache would pay for nothing
    const { defaultCacheDir, ResultCache } = await import('./cache.js');
    cache = new ResultCache(
      opts.cache === true ? defaultCacheDir() : opts.cache,
      version,
      { cwd: process.cwd(), fileOpts: { ...fileOpts, verbose: undefined } },
      note,
    );
  }
  const kept = files.map((f) => cache?.get(f));
  const todo = files.filter((_, i) => !kept[i]);
  const fresh = await checkAll(todo, jobs, fileOpts, progressBar(todo.length));
  let next = 0;
  let reports = kept.map((r) => r ?? fresh[next++]!);
  if (cache) {
    for (const r of fresh) cache.set(r);
    cache.save();
    if (opts.verbose)
      note(`cache: ${cache.hits} of ${files.length} results reused, ${todo.length} checked (${cache.path})`);
  }
  checkOutputs(outputs, [...given, ...reports.flatMap((r) => r.files ?? [])]);

  if (opts.writeBaseline) {
    const out = opts.writeBaseline;
    const baseline = makeBaseline(reports, out);
    const n = baseline.findings.length;
    // A run over part of a tree keeps the entries of the files it did not check (or that could
    // not be read), unless --prune; paths are relative to the baseline's folder, as makeBaseline
    // writes them.
    let kept = 0;
    if (!opts.prune && existsSync(out)) {
      const checked = new Set(
        reports
          .filter((r) => !r.error)
          .map((r) =>
            relative(dirname(resolve(out)), resolve(r.file))
              .split(sep)
              .join('/'),
          ),
      );
      const old = loadBaseline(out, warnOnStderr).findings.filter((e) => !checked.has(e.file));
      kept = old.length;
      baseline.findings.push(...old);
    }
    writeAtomic(out, JSON.stringify(baseline, null, 2) + '\n');
    notes.push(
      `baseline: wrote ${n} finding${n === 1 ? '' : 's'} to ${out}` +
        (kept ? `, and kept ${kept} of files not checked in this run (--prune drops them)` : ''),
    );
  }
  let baselineInfo: { suppressed: number; stale: unknown[] } | undefined;
  if (baseline) {
    const result = applyBaseline(reports, baseline.recorded, baseline.file);
    reports = result.files;
    baselineInfo = { suppressed: result.suppressed, stale: result.stale };
    notes.push(
      `baseline: ${result.suppressed} finding${result.suppressed === 1 ? '' : 's'} suppressed by ${baseline.file}`,
    );
    if (result.stale.length) {
      notes.push(
        `baseline: ${result.stale.length} entr${result.stale.length === 1 ? 'y no longer occurs' : 'ies no longer occur'} (update it with --write-baseline):`,
      );
      for (const e of result.stale.slice(0, 10))
        notes.push(
          `  ${e.file} ${e.node} ${e.property ?? ''} ${e.rule}${e.rids.length ? ' ' + ridList(e.rids, 2) : ''}`,
        );
      if (result.stale.length > 10) notes.push(`  ... and ${result.stale.length - 10} more`);
    }
  }

  // a threshold the findings alone do not show: ✖ and one line naming it, as eslint does
  const counts = reports.flatMap((r) => r.diagnostics);
  const warnings = counts.filter((d) => d.severity === 'warning').length;
  const errors = counts.some((d) => d.severity === 'error') || reports.some((r) => r.error);
  const plural = (n: number) => `${n} warning${n === 1 ? '' : 's'}`;
  let failed: string | undefined;
  if (!errors && !opts.writeBaseline && opts.maxWarnings !== undefined && warnings > opts.maxWarnings)
    failed = `failed: ${plural(warnings)}, more than --max-warnings ${opts.maxWarnings} allows`;
  else if (!errors && !opts.writeBaseline && opts.strict && warnings)
    failed = `failed: ${plural(warnings)}, and --strict fails the run on any warning`;

  const shown: FileReport[] = opts.quiet
    ? reports.map((r) => ({ ...r, diagnostics: r.diagnostics.filter((d) => d.severity === 'error') }))
    : reports;
  const text = FORMATS[opts.format](shown, {
    version,
    quiet: opts.quiet,
    verbose: opts.verbose,
    elapsedMs: Date.now() - started,
    notes,
    baseline: baselineInfo,
    failed,
  });
  if (opts.format === 'pretty') for (const r of reports) if (r.error) process.stderr.write(errorLine(r.error) + '\n');
  if (opts.format !== 'pretty')
    for (const n of [...notes, ...(failed ? [failed] : [])]) process.stderr.write(`dtmap: ${n}\n`);
  // `-o -` is stdout, as for `compile`
  if (opts.output && opts.output !== '-') writeAtomic(opts.output, text);
  else process.stdout.write(text);
  if (opts.sarif) writeAtomic(opts.sarif, FORMATS.sarif(shown, { version }));

  if (reports.some((r) => r.error)) return 2;
  // writing a baseline records today's findings: that run succeeds
  if (opts.writeBaseline) return 0;
  if (errors || failed) return 1;
  return 0;
}
