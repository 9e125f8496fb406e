// One input file through the whole pipeline: read, check, summarise. Used inline and by workers.
import { buildContext, checkContext, type Context, type Diagnostic } from '../checks/index.js';
import type { Tree } from '../tree/model.js';
import type { KernelForm } from '../map/map.js';
import { readerNamed, type ReaderName } from '../map/readers/index.js';
import { summarizeAcpi, summarizeMaps, type FileReport } from '../report/model.js';
import { relPath } from '../report/paths.js';
import type { Ignore, RuleSetting } from './config.js';
import { InputError, loadTree, type InputSettings, type PreprocessResult } from './input.js';
import { LimitError, exhaustedMessage } from '../limits.js';
import { oneLine } from '../errors.js';
import { checkAcpi } from '../checks/acpi/index.js';
import { loadAcpi } from './acpi.js';

/** The settings one file is checked with (src/app/settings.ts), as plain data: they cross to worker threads. */
export interface FileCheckOptions extends Partial<InputSettings> {
  kernel: KernelForm;
  /** Readers map-portability compares, by name. */
  readers?: ReaderName[];
  rules: Record<string, RuleSetting>;
  reportUnusedDisable?: boolean;
  /** The configuration's `ignore`: findings left out by rule and node. */
  ignore?: Ignore[];
  verbose?: boolean;
}

/** Findings the configuration's `ignore` leaves out of `file`'s report. */
export function applyIgnores(file: string, diagnostics: Diagnostic[], ignore: Ignore[] | undefined): Diagnostic[] {
  if (!ignore?.length) return diagnostics;
  const where = file.replaceAll('\\', '/');
  return diagnostics.filter(
    (d) => !ignore.some((i) => i.rule === d.rule && i.node === d.node && (!i.file || where.endsWith(i.file))),
  );
}

/** The checks `dtmap check` runs on a tree read from a file (the language server runs the same). */
export function checkTree(
  tree: Tree,
  opts: Pick<FileCheckOptions, 'kernel' | 'readers' | 'rules' | 'reportUnusedDisable'>,
): { ctx: Context; diagnostics: Diagnostic[] } {
  const ctx = buildContext(tree, opts.kernel, { readers: opts.readers?.map((n) => readerNamed(n)!) }); // maps parsed and covered once, for checks and summary
  return { ctx, diagnostics: checkContext(ctx, { rules: opts.rules, reportUnusedDisable: opts.reportUnusedDisable }) };
}

export async function checkFile(
  file: string,
  opts: FileCheckOptions,
  preprocessed?: PreprocessResult,
): Promise<FileReport> {
  try {
    const acpi = loadAcpi(file);
    if (acpi)
      return {
        file,
        error: null,
        maps: summarizeAcpi(acpi),
        diagnostics: applyIgnores(file, checkAcpi(acpi, { rules: opts.rules }), opts.ignore),
        files: [file],
      };
    const tree = await loadTree(file, {
      include: opts.include,
      define: opts.define,
      overlays: opts.overlays,
      live: opts.live,
      verbose: opts.verbose,
      preprocessed,
      mapsOnly: true,
    });
    const { ctx, diagnostics } = checkTree(tree, opts);
    // locations name files relative to the working directory (the .dtsi where the entry was written)
    for (const d of diagnostics) if (d.location) d.location.file = relPath(d.location.file);
    return {
      file,
      error: null,
      maps: summarizeMaps(ctx),
      diagnostics: applyIgnores(file, diagnostics, opts.ignore),
      files: tree.files,
    };
  } catch (e) {
    if (e instanceof InputError || e instanceof LimitError)
      return {
        file,
        error: oneLine(e.message),
        maps: [],
        diagnostics: [],
        files: e instanceof InputError ? e.files : undefined,
      };
    const exhausted = exhaustedMessage(e);
    if (exhausted) return { file, error: `${file}: ${exhausted}`, maps: [], diagnostics: [] };
    // A bug, not bad input: report it against the file, still one line, and keep going.
    return {
      file,
      error: `${file}: internal error: ${e instanceof Error ? e.message : String(e)}`,
      maps: [],
      diagnostics: [],
    };
  }
}
