// The application layer is shared by the CLI and the language server: src/lsp imports nothing
// from src/cli, and src/app nothing from either front (nor commander, chalk or process.exit).
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Every .ts file under a folder of src/. */
function sources(dir: string): string[] {
  return readdirSync(join('src', dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join('src', dir, f));
}

/** What a file imports: the specifier of each static or dynamic import, and of each `import()` type. */
function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm)].map((m) => m[1]!);
}

describe('layers', () => {
  it('finds the files and their imports', () => {
    expect(sources('lsp')).toContain(join('src', 'lsp', 'project.ts'));
    expect(imports(join('src', 'lsp', 'project.ts'))).toContain('../app/settings.js');
  });

  it('src/lsp imports nothing from src/cli', () => {
    const bad = sources('lsp').flatMap((f) =>
      imports(f)
        .filter((i) => /(^|\/)cli\//.test(i))
        .map((i) => `${f}: ${i}`),
    );
    expect(bad).toEqual([]);
  });

  it('src/app imports nothing from src/cli or src/lsp, nor commander or chalk, and never exits the process', () => {
    const bad = sources('app').flatMap((f) => [
      ...imports(f)
        .filter((i) => /(^|\/)(cli|lsp)\//.test(i) || i === 'commander' || i === 'chalk')
        .map((i) => `${f}: ${i}`),
      ...(/\bprocess\.exit\b/.test(readFileSync(f, 'utf8')) ? [`${f}: process.exit`] : []),
    ]);
    expect(bad).toEqual([]);
  });
});
