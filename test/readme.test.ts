// The README and docs/ as a reader meets them: no install line for a package the registry does
// not have.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** README.md, CONTRIBUTING.md and every Markdown file under docs/ and editors/. */
function markdownFiles(): string[] {
  const out = ['README.md', 'CONTRIBUTING.md'];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(dir, e.name);
      if (e.isDirectory() && e.name !== 'node_modules') walk(p);
      else if (e.name.endsWith('.md')) out.push(p);
    }
  };
  walk('docs');
  walk('editors');
  return out;
}

describe('install lines', () => {
  it('never install or run dtmap from the registry', () => {
    const bad: string[] = [];
    for (const file of markdownFiles()) {
      const lines = readFileSync(file, 'utf8').split('\n');
      let cd = false; // inside a code block, after a `cd` out of the clone
      lines.forEach((line, i) => {
        if (/^\s*```/.test(line)) cd = false;
        if (/^\s*\$ cd /.test(line)) cd = true;
        const where = `${file}:${i + 1}: ${line.trim()}`;
        // `npm install -g ./dtmap-0.1.0.tgz` names a file; `npm install -g dtmap` names the registry's package
        if (/\bnpm (install|i|add)\b[^`|;&]*\s(-g\s+)?dtmap(@\S*)?(\s|`|$)/.test(line)) bad.push(where);
        if (/\bnpx (-y |--yes )?dtmap@/.test(line) || (cd && /\bnpx dtmap\b/.test(line))) bad.push(where);
      });
    }
    expect(bad).toEqual([]);
  });
});
