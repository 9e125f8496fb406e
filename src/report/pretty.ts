// Human output: grouped per file and node, severities coloured, long lists summarised.
import chalk from 'chalk';
import type { Diagnostic, Severity } from '../checks/types.js';
import type { FileReport, FormatOptions } from './model.js';
import { summarize } from './model.js';
import { codeFrame } from './frame.js';
import { hex } from '../words.js';

const COLOUR: Record<Severity, (s: string) => string> = {
  error: (s) => chalk.red.bold(s),
  warning: (s) => chalk.yellow(s),
  info: (s) => chalk.cyan(s),
};

export function formatPretty(files: FileReport[], opts: FormatOptions = {}): string {
  const lines: string[] = [];
  for (const f of files) {
    // In a batch, files with nothing to show stay out of the way; the summary counts them.
    if (
      files.length > 1 &&
      !opts.verbose &&
      !f.error &&
      !f.diagnostics.some((d) => !opts.quiet || d.severity === 'error')
    )
      continue;
    if (f.error) continue; // unreadable inputs are reported on stderr, one line each
    lines.push(chalk.bold.underline(f.file));
    const shown = f.diagnostics.filter((d) => !opts.quiet || d.severity === 'error');
    const nodes = new Map<string, Diagnostic[]>();
    for (const d of shown) nodes.set(d.node, [...(nodes.get(d.node) ?? []), d]);
    const maps = new Set(f.maps.map((m) => m.node));
    if (!maps.size && !shown.length) lines.push(chalk.dim('  no iommu-map or msi-map in this tree'));
    else if (opts.verbose || !shown.length)
      lines.push(
        chalk.dim(
          `  ${maps.size} node${maps.size === 1 ? '' : 's'} with maps, ${f.maps.length} map${f.maps.length === 1 ? '' : 's'}${shown.length ? '' : ': no findings'}`,
        ),
      );
    for (const [node, list] of nodes) {
      const m = f.maps.find((x) => x.node === node);
      // a node that is no PCI host bridge has IDs, not buses
      const bus =
        m && m.pci !== false ? `  bus ${m.busRange.map((b) => b.toString(16).padStart(2, '0')).join('-')}` : '';
      const status = m && m.status !== 'okay' && m.status !== 'ok' ? `${bus ? ',' : '  '} status "${m.status}"` : '';
      const extra = chalk.dim(`${bus}${status}`);
      lines.push(`  ${chalk.bold(node)}${extra}`);
      for (const d of list) {
        const where = d.location ? chalk.dim(` ${d.location.file}:${d.location.line}:${d.location.column}`) : '';
        const entry = d.entry !== null ? chalk.dim(` [entry ${d.entry}]`) : '';
        lines.push(
          `    ${COLOUR[d.severity](d.severity.padEnd(7))} ${chalk.dim(d.rule.padEnd(21))} ${d.property ?? ''}${entry}${where}`,
        );
        lines.push(`        ${d.message}`);
        const frame = d.span && codeFrame(d.span);
        if (frame) lines.push(`      ${frame[0]}`, `      ${chalk.red(frame[1])}`);
      }
    }
    if (opts.verbose)
      for (const m of f.maps) {
        lines.push(chalk.dim(`  ${m.node} ${m.property} (mask ${hex(m.mask)}):`));
        for (const e of m.entries)
          lines.push(
            chalk.dim(
              `    ${hex(e.ridBase)}..+${hex(e.length)} -> ${e.target ?? 'dangling ' + hex(e.phandle)} ${e.out.map(hex).join(' ')}`,
            ),
          );
      }
    lines.push('');
  }
  lines.push(...(opts.notes ?? []));
  const s = summarize(files);
  const mark = s.errors || opts.failed || files.some((f) => f.error) ? chalk.red('✖') : chalk.green('✔');
  const n = (k: number, w: string) => `${k} ${w}${k === 1 ? '' : 's'}`;
  const withMaps = files.filter((f) => f.maps.length).length;
  const nodes = files.reduce((k, f) => k + new Set(f.maps.map((m) => m.node)).size, 0);
  const time = opts.elapsedMs !== undefined ? ` in ${(opts.elapsedMs / 1000).toFixed(2)} s` : '';
  const unreadable = files.filter((f) => f.error).length;
  const bad = unreadable ? `, ${unreadable} unreadable` : '';
  lines.push(
    `${mark} ${n(files.length, 'file')} (${withMaps} with maps, ${n(nodes, 'node')} with maps${bad}): ${n(s.errors, 'error')}, ${n(s.warnings, 'warning')}, ${n(s.infos, 'info')}${time}`,
  );
  if (opts.failed) lines.push(chalk.red(opts.failed));
  return lines.join('\n') + '\n';
}
