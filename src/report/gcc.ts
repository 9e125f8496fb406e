// `file:line:col: severity: message [rule]`, what editors and problem matchers parse.
// DTB input has no line: `file: severity: ...`.
import type { FileReport } from './model.js';
import type { Severity } from '../checks/types.js';
import { relPath } from './paths.js';

const WORD: Record<Severity, string> = { error: 'error', warning: 'warning', info: 'note' };

export function formatGcc(files: FileReport[]): string {
  const lines: string[] = [];
  for (const f of files) {
    if (f.error)
      lines.push(f.error.match(/^[^:]+:\d+:\d+: error:/) ? f.error : `${relPath(f.file)}: error: ${f.error}`);
    for (const d of f.diagnostics) {
      const where = d.location
        ? `${relPath(d.location.file)}:${d.location.line}:${d.location.column}`
        : relPath(f.file);
      lines.push(
        `${where}: ${WORD[d.severity]}: ${d.node}${d.property ? ': ' + d.property : ''}: ${d.message} [${d.rule}]`,
      );
    }
  }
  return lines.length ? lines.join('\n') + '\n' : '';
}
