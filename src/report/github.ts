// GitHub Actions workflow commands: `::error file=F,line=L,col=C,title=RULE::message`.
import type { FileReport } from './model.js';
import type { Severity } from '../checks/types.js';
import { relPath } from './paths.js';

const COMMAND: Record<Severity, string> = { error: 'error', warning: 'warning', info: 'notice' };
const escapeData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escapeProperty = (s: string) => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

export function formatGithub(files: FileReport[]): string {
  const lines: string[] = [];
  for (const f of files) {
    if (f.error) lines.push(`::error file=${escapeProperty(relPath(f.file))},title=dtmap::${escapeData(f.error)}`);
    for (const d of f.diagnostics) {
      const props = [`file=${escapeProperty(relPath(d.location?.file ?? f.file))}`];
      if (d.location) props.push(`line=${d.location.line}`, `col=${d.location.column}`);
      props.push(`title=${escapeProperty(d.rule)}`);
      lines.push(
        `::${COMMAND[d.severity]} ${props.join(',')}::${escapeData(`${d.node}${d.property ? ': ' + d.property : ''}: ${d.message}`)}`,
      );
    }
  }
  return lines.length ? lines.join('\n') + '\n' : '';
}
