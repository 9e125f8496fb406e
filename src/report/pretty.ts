// Human output: grouped per file and node, severities coloured, long lists summarised.
import chalk from 'chalk';
import type { Diagnostic, Severity } from '../checks/types.js';
import type { FileReport } from './model.js';
import { summarize } from './model.js';

const COLOUR: Record<Severity, (s: string) => string> = {
  error: (s) => chalk.red.bold(s),
  warning: (s) => chalk.yellow(s),
  info: (s) => chalk.cyan(s),
};

const hex = (v: number) => '0x' + v.toString(16);

export function formatPretty(files: FileReport[], opts: { quiet?: boolean; verbose?: boolean } = {}): string {
  const lines: string[] = [];
  for (const f of files) {
    lines.push(chalk.bold.underline(f.file));
    if (f.error) {
      lines.push(`  ${COLOUR.error('error')}  ${f.error}`, '');
      continue;
    }
    const shown = f.diagnostics.filter((d) => !opts.quiet || d.severity === 'error');
    const nodes = new Map<string, Diagnostic[]>();
    for (const d of shown) nodes.set(d.node, [...(nodes.get(d.node) ?? []), d]);
    const maps = new Set(f.maps.map((m) => m.node));
    if (!maps.size) lines.push(chalk.dim('  no iommu-map or msi-map in this tree'));
    else if (opts.verbose || !shown.length) lines.push(chalk.dim(`  ${maps.size} node${maps.size === 1 ? '' : 's'} with maps, ${f.maps.length} map${f.maps.length === 1 ? '' : 's'}${shown.length ? '' : ': no findings'}`));
    for (const [node, list] of nodes) {
      const m = f.maps.find((x) => x.node === node);
      const extra = m ? chalk.dim(`  bus ${m.busRange.map((b) => b.toString(16).padStart(2, '0')).join('-')}${m.status !== 'okay' && m.status !== 'ok' ? `, status "${m.status}"` : ''}`) : '';
      lines.push(`  ${chalk.bold(node)}${extra}`);
      for (const d of list) {
        const where = d.location ? chalk.dim(` ${d.location.file}:${d.location.line}:${d.location.column}`) : '';
        const entry = d.entry !== null ? chalk.dim(` [entry ${d.entry}]`) : '';
        lines.push(`    ${COLOUR[d.severity](d.severity.padEnd(7))} ${chalk.dim(d.rule.padEnd(21))} ${d.property ?? ''}${entry}${where}`);
        lines.push(`        ${d.message}`);
      }
    }
    if (opts.verbose)
      for (const m of f.maps) {
        lines.push(chalk.dim(`  ${m.node} ${m.property} (mask ${hex(m.mask)}):`));
        for (const e of m.entries) lines.push(chalk.dim(`    ${hex(e.ridBase)}..+${hex(e.length)} -> ${e.target ?? 'dangling ' + hex(e.phandle)} ${e.out.map(hex).join(' ')}`));
      }
    lines.push('');
  }
  const s = summarize(files);
  const mark = s.errors ? chalk.red('✖') : chalk.green('✔');
  const n = (k: number, w: string) => `${k} ${w}${k === 1 ? '' : 's'}`;
  lines.push(`${mark} ${n(files.length, 'file')}: ${n(s.errors, 'error')}, ${n(s.warnings, 'warning')}, ${n(s.infos, 'info')}`);
  return lines.join('\n') + '\n';
}
