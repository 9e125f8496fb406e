// Inline suppressions in DTS: `/* dtmap-disable-next-line RULE[, RULE] -- reason */` (or `//`)
// on the line before a property silences those rules' findings about it, as eslint's
// disable-next-line does; unused ones can be reported.
import type { SuppressionComment, Tree } from '../tree/model.js';
import type { Diagnostic, RuleMeta, Severity } from './types.js';
import { suggest } from '../dts/suggest.js';

/** Reported by the suppression pass itself, after every other rule ran. */
export const unusedDisable: RuleMeta = {
  id: 'unused-disable',
  severity: 'warning',
  description: 'a dtmap-disable-next-line comment suppresses nothing (with --report-unused-disable)',
};

interface Directive {
  comment: SuppressionComment;
  rules: string[];
  used: Set<string>;
}

const DIRECTIVE = /dtmap-disable-next-line\b([^]*)$/;

function parse(comment: SuppressionComment): string[] {
  const m = DIRECTIVE.exec(comment.text.replace(/\*\/\s*$/, ''));
  if (!m) return [];
  const body = m[1]!.split('--')[0]!;
  return body.split(/[\s,]+/).filter(Boolean);
}

/** Drops suppressed findings; with a severity for `unused`, adds an `unused-disable` finding per
 *  rule a directive names that silenced nothing (`knownRules`: the rules a directive can silence). */
export function applySuppressions(
  tree: Tree,
  diagnostics: Diagnostic[],
  unused: Severity | undefined,
  knownRules: readonly string[],
): Diagnostic[] {
  if (!tree.suppressions.length) return diagnostics;
  const byLine = new Map<string, Directive>();
  const directives: Directive[] = [];
  for (const c of tree.suppressions) {
    const d = { comment: c, rules: parse(c), used: new Set<string>() };
    directives.push(d);
    byLine.set(`${c.file}:${c.line + 1}`, d);
  }
  const kept = diagnostics.filter((d) => {
    if (!d.property) return true;
    const span = tree.byPath(d.node)?.prop(d.property)?.span;
    const directive = span && byLine.get(`${span.file}:${span.line}`);
    if (!directive || !directive.rules.includes(d.rule)) return true;
    directive.used.add(d.rule);
    return false;
  });
  for (const d of directives)
    for (const rule of d.rules.length ? d.rules : ['(no rule)'])
      if (!d.used.has(rule)) {
        // a rule name dtmap does not know is said always (a typo silences nothing), with a near one
        const known = knownRules.includes(rule);
        if (!unused && (known || rule === '(no rule)')) continue;
        const near = suggest(rule, knownRules)[0];
        const why = known
          ? `no ${rule} finding on the next line`
          : `unknown rule "${rule}"${near ? `; did you mean "${near}"?` : ''}`;
        const { file, line, column } = d.comment;
        kept.push({
          rule: unusedDisable.id,
          severity: unused ?? 'warning',
          node: '/',
          property: null,
          message: `unused dtmap-disable-next-line directive: ${why}`,
          rids: [],
          entry: null,
          location: { file, line, column },
          span: { file, line, column },
        });
      }
  return kept;
}
