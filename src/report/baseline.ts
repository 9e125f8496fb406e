// Baselines: today's findings recorded by file, node, property, rule and RID ranges (never line
// numbers or message text), so a later run reports only what is new.
import { dirname, relative, resolve, sep } from 'node:path';
import type { Diagnostic } from '../checks/types.js';
import type { FileReport } from './model.js';

export interface BaselineEntry {
  file: string;
  node: string;
  property: string | null;
  rule: string;
  rids: Array<[number, number]>;
}

export interface Baseline {
  version: 1;
  findings: BaselineEntry[];
}

const slash = (p: string) => (sep === '/' ? p : p.split(sep).join('/'));

function key(file: string, d: Pick<Diagnostic, 'node' | 'property' | 'rule' | 'rids'>): string {
  return JSON.stringify([file, d.node, d.property ?? null, d.rule, d.rids]);
}

/** `file` relative to the baseline's folder, so a baseline moves with its tree. */
function baselinePath(input: string, baselineFile: string): string {
  return slash(relative(dirname(resolve(baselineFile)), resolve(input)));
}

export function makeBaseline(files: FileReport[], baselineFile: string): Baseline {
  const findings: BaselineEntry[] = [];
  for (const f of files)
    for (const d of f.diagnostics)
      findings.push({
        file: baselinePath(f.file, baselineFile),
        node: d.node,
        property: d.property,
        rule: d.rule,
        rids: d.rids,
      });
  return { version: 1, findings };
}

export interface BaselineResult {
  files: FileReport[];
  suppressed: number;
  /** Baseline entries that no longer occur. */
  stale: BaselineEntry[];
}

/** Drops findings recorded in the baseline (each entry absorbs one finding). */
export function applyBaseline(files: FileReport[], baseline: Baseline, baselineFile: string): BaselineResult {
  const pending = new Map<string, BaselineEntry[]>();
  for (const e of baseline.findings) {
    const k = key(e.file, e);
    pending.set(k, [...(pending.get(k) ?? []), e]);
  }
  let suppressed = 0;
  const out = files.map((f) => {
    const file = baselinePath(f.file, baselineFile);
    const diagnostics = f.diagnostics.filter((d) => {
      const list = pending.get(key(file, d));
      if (!list?.length) return true;
      list.pop();
      suppressed++;
      return false;
    });
    return { ...f, diagnostics };
  });
  const checked = new Set(files.map((f) => baselinePath(f.file, baselineFile)));
  const stale = [...pending.values()].flat().filter((e) => checked.has(e.file));
  return { files: out, suppressed, stale };
}
