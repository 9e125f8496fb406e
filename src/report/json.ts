// The JSON contract of `dtmap check --format json` (README: JSON; "version": 1).
import type { FileReport, FormatOptions } from './model.js';
import { summarize } from './model.js';

export function formatJson(files: FileReport[], opts: FormatOptions = {}): string {
  const out = {
    version: 1,
    files: files.map((f) => ({
      file: f.file,
      error: f.error,
      maps: f.maps,
      diagnostics: f.diagnostics.map(({ span: _span, ...d }) => d),
    })),
    summary: summarize(files),
    baseline: opts.baseline,
  };
  return JSON.stringify(out, null, 2) + '\n';
}
