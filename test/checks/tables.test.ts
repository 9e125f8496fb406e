// The rule tables kept in step with RULES: one page per rule in docs/rules/ (none extra), the index
// in docs/rules/README.md and the README's "What it checks" table, ids in RULES order, each with
// the rule's default severity first.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { RULES } from '../../src/checks/index.js';

const ids = RULES.map((r) => r.id);
const defaults = RULES.map((r) => [r.id, r.severity]);

/** The rows of the markdown table whose header starts with `| rule |`: [first cell, second cell]. */
function table(file: string): string[][] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const start = lines.findIndex((l) => l.startsWith('| rule |'));
  expect(start, `${file} has a rule table`).toBeGreaterThanOrEqual(0);
  const rows: string[][] = [];
  for (const l of lines.slice(start + 2)) {
    if (!l.startsWith('|')) break;
    rows.push(l.split('|').map((c) => c.trim()));
  }
  return rows.map((cells) => [cells[1]!, cells[2]!]);
}

const firstWord = (text: string) => /^\**(\w+)/.exec(text)?.[1];

describe('rule tables', () => {
  it('docs/rules/ has one page per rule and no other', () => {
    const pages = readdirSync('docs/rules')
      .filter((f) => f.endsWith('.md') && f !== 'README.md')
      .map((f) => f.slice(0, -3));
    expect(pages.sort()).toEqual([...ids].sort());
  });

  it.each(RULES.map((r) => [r.id, r.severity]))('docs/rules/%s.md: title and default severity', (id, severity) => {
    const page = readFileSync(`docs/rules/${id}.md`, 'utf8').split('\n');
    expect(page[0]).toBe(`# ${id}`);
    const line = page.find((l) => l.startsWith('**Default severity:**'));
    expect(firstWord(line?.slice('**Default severity:**'.length).trim() ?? '')).toBe(severity);
  });

  it("docs/rules/README.md's index: every rule, in order, linked, with its default severity", () => {
    expect(table('docs/rules/README.md').map(([rule, severity]) => [rule, firstWord(severity!)])).toEqual(
      defaults.map(([id, severity]) => [`[${id}](${id}.md)`, severity]),
    );
  });

  it("the README's rule table: every rule, in order, with its default severity", () => {
    expect(table('README.md').map(([rule, severity]) => [rule, firstWord(severity!)])).toEqual(
      defaults.map(([id, severity]) => [`\`${id}\``, severity]),
    );
  });
});
