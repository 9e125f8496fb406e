// `dtmap audit`'s two outputs: pretty (one block per PCI function, then the count of each
// verdict) and JSON (the AuditReport as it is).
import chalk from 'chalk';
import { hex } from '../words.js';
import type { AuditReport, FunctionAudit, Verdict, VerdictKind } from './audit.js';

export const VERDICT_WORDS: Record<VerdictKind, string> = {
  isolated: 'isolated',
  'no-iommu': 'no IOMMU',
  'no-msi-domain': 'no MSI domain',
  'not-explained': 'not explained',
  'no-driver': 'no driver',
};

const paint = (v: Verdict) =>
  v.severity === 'error'
    ? chalk.red(VERDICT_WORDS[v.kind])
    : v.severity === 'warning'
      ? chalk.yellow(VERDICT_WORDS[v.kind])
      : v.kind === 'isolated'
        ? chalk.green(VERDICT_WORDS[v.kind])
        : chalk.dim(VERDICT_WORDS[v.kind]);

function block(f: FunctionAudit): string[] {
  const id = [f.vendor, f.device].every((x) => x)
    ? `${f.vendor!.replace(/^0x/, '')}:${f.device!.replace(/^0x/, '')}`
    : '';
  const lines = [
    `${chalk.bold(f.name)}  RID ${hex(f.rid)}  ${[f.class ? `class ${f.class}` : '', id].filter(Boolean).join(' ')}  ${f.driver ? `driver ${f.driver}` : chalk.dim('no driver')}`,
  ];
  const row = (head: string, text: string) => lines.push(`  ${head.padEnd(11)}  ${text}`);
  if (f.from) row('from', f.from);
  for (const r of [...f.iommu.rows, ...f.msi.rows]) row('row', chalk.dim(r));
  row('iommu', f.iommu.words);
  row('msi', f.msi.words);
  const k = f.kernel;
  row(
    'kernel',
    `${k.group !== null ? `iommu group ${k.group} (${k.groupType ?? 'type unknown'})` : 'no iommu group'}, ${k.msiIrqs} MSI vector${k.msiIrqs === 1 ? '' : 's'}`,
  );
  for (const v of f.verdicts) row('verdict', `${paint(v)}: ${v.text}`);
  return lines;
}

export function auditPretty(r: AuditReport): string {
  const lines: string[] = [];
  lines.push(
    `${chalk.bold('audit')}: ${r.functions.length} PCI function${r.functions.length === 1 ? '' : 's'}, ${r.description === 'none' ? 'no' : r.description === 'acpi' ? 'ACPI (IORT/VIOT)' : 'devicetree'} description${r.kernel ? `, Linux ${r.kernel}` : ''}`,
  );
  for (const n of r.notes) lines.push(chalk.yellow(`note: ${n}`));
  for (const f of r.functions) lines.push('', ...block(f));
  const counts = new Map<VerdictKind, number>();
  for (const f of r.functions) for (const v of f.verdicts) counts.set(v.kind, (counts.get(v.kind) ?? 0) + 1);
  const errors = r.functions.reduce((n, f) => n + f.verdicts.filter((v) => v.severity === 'error').length, 0);
  lines.push(
    '',
    `${
      (Object.keys(VERDICT_WORDS) as VerdictKind[])
        .filter((k) => counts.has(k))
        .map((k) => `${counts.get(k)} ${VERDICT_WORDS[k]}`)
        .join(', ') || 'no PCI functions'
    }${errors ? chalk.red(`; ${errors} error${errors === 1 ? '' : 's'}`) : ''}`,
  );
  return lines.join('\n') + '\n';
}

export function auditJson(r: AuditReport): string {
  return JSON.stringify(r, null, 2) + '\n';
}
