// The output formats: one registry, one signature, (reports, options) => text.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { readDtb } from '../../src/dtb/read.js';
import { buildContext, checkContext } from '../../src/checks/index.js';
import { FORMATS } from '../../src/report/index.js';
import { summarizeMaps, type FileReport } from '../../src/report/model.js';

const file = 'fixtures/rules/msi-gap-error.dtb';
const ctx = buildContext(readDtb(readFileSync(file), file), 'classic');
const reports: FileReport[] = [{ file, error: null, maps: summarizeMaps(ctx), diagnostics: checkContext(ctx) }];

describe('formats', () => {
  it('the registry holds what `check --format` offers', () => {
    expect(Object.keys(FORMATS)).toEqual(['pretty', 'json', 'sarif', 'github', 'gcc']);
  });

  it.each(Object.entries(FORMATS))('%s names the finding', (_, format) => {
    expect(format(reports, { version: '0' })).toContain('msi-map');
  });

  it("json carries a baseline's outcome after the summary", () => {
    const json = JSON.parse(FORMATS.json(reports, { baseline: { suppressed: 1, stale: [] } }));
    expect(Object.keys(json)).toEqual(['version', 'files', 'summary', 'baseline']);
    expect(JSON.parse(FORMATS.json(reports)).baseline).toBeUndefined();
  });
});
