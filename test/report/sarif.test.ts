// SARIF: every result names its rule by index into tool.driver.rules, unused-disable included.
import { describe, expect, it } from 'vitest';
import { compileDts } from '../../src/dts/index.js';
import { check } from '../../src/checks/index.js';
import { formatSarif } from '../../src/report/sarif.js';
import { existsSync } from 'node:fs';

describe('SARIF', () => {
  it('an unused-disable result carries the ruleIndex of its rule', () => {
    const { tree, suppressions } = compileDts('fixtures/suppress/board.dts');
    tree.suppressions = suppressions;
    const diagnostics = check(tree, { reportUnusedDisable: true });
    const log = JSON.parse(
      formatSarif([{ file: 'fixtures/suppress/board.dts', error: null, maps: [], diagnostics }], { version: '0' }),
    );
    const run = log.runs[0];
    expect(run.results.map((r: { ruleId: string }) => r.ruleId)).toEqual(['unused-disable', 'unused-disable']);
    for (const r of run.results) expect(run.tool.driver.rules[r.ruleIndex].id).toBe(r.ruleId);
  });

  it('points at no web address; each rule names its page the package ships', () => {
    const log = JSON.parse(formatSarif([], { version: '0' }));
    const driver = log.runs[0].tool.driver;
    expect(driver.informationUri).toBeUndefined();
    for (const r of driver.rules) {
      expect(r.helpUri).toBeUndefined();
      const page = /docs\/rules\/[\w-]+\.md/.exec(r.help.text)?.[0];
      expect(page).toBe(`docs/rules/${r.id}.md`);
      expect(existsSync(page!), page).toBe(true);
    }
    expect(JSON.stringify(log)).not.toMatch(/github\.com/);
  });
});
