// The translation core knows nothing of how a table is written: src/core imports only src/core.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

describe('src/core', () => {
  it('imports nothing from outside src/core', () => {
    const files = readdirSync(join('src', 'core')).filter((f) => f.endsWith('.ts'));
    expect(files).toContain('lookup.ts');
    const bad = files.flatMap((f) =>
      [...readFileSync(join('src', 'core', f), 'utf8').matchAll(/\bfrom\s+['"]([^'"]+)['"]/g)]
        .map((m) => m[1]!)
        .filter((i) => !i.startsWith('./'))
        .map((i) => `${f}: ${i}`),
    );
    expect(bad).toEqual([]);
  });
});
