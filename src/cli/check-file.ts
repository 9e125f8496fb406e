// One input file through the whole pipeline: read, check, summarise. Used inline and by workers.
import { buildContext, checkContext } from '../checks/index.js';
import type { KernelForm } from '../map/map.js';
import { summarizeMaps, type FileReport } from '../report/model.js';
import { relPath } from '../report/paths.js';
import type { RuleSetting } from './config.js';
import { InputError, loadTree } from './input.js';
import type { PreprocessedDts } from '../dts/index.js';

export interface FileCheckOptions {
  kernel: KernelForm;
  rules: Record<string, RuleSetting>;
  include: string[];
  define: Record<string, string>;
  overlays?: string[];
  live?: boolean;
  reportUnusedDisable?: boolean;
  verbose?: boolean;
}

export async function checkFile(file: string, opts: FileCheckOptions, preprocessed?: PreprocessedDts | { error: string }): Promise<FileReport> {
  try {
    const read: string[] = [];
    const tree = await loadTree(file, { includeDirs: opts.include, defines: opts.define, overlays: opts.overlays, live: opts.live, verbose: opts.verbose, preprocessed, mapsOnly: true, read });
    const ctx = buildContext(tree, opts.kernel); // maps parsed and covered once, for checks and summary
    const diagnostics = checkContext(ctx, { rules: opts.rules, reportUnusedDisable: opts.reportUnusedDisable });
    // locations name files relative to the working directory (the .dtsi where the entry was written)
    for (const d of diagnostics) if (d.location) d.location.file = relPath(d.location.file);
    return { file, error: null, maps: summarizeMaps(ctx), diagnostics, files: read };
  } catch (e) {
    if (e instanceof InputError) return { file, error: e.message, maps: [], diagnostics: [] };
    // A bug, not bad input: report it against the file, still one line, and keep going.
    return { file, error: `${file}: internal error: ${e instanceof Error ? e.message : String(e)}`, maps: [], diagnostics: [] };
  }
}
