import { describe, expect, it } from 'vitest';
import { readDts } from '../../src/dts/index.js';
import { compileDts } from '../../src/dts/index.js';
import { check } from '../../src/checks/index.js';

function load(file: string) {
  const { tree, suppressions } = compileDts(file);
  tree.suppressions = suppressions;
  return tree;
}

describe('inline suppressions', () => {
  it('without the comments the board has an msi-map gap error', () => {
    expect(check(readDts('fixtures/suppress/board.dts')).map((d) => d.rule)).toContain('msi-map-gap');
  });

  it('dtmap-disable-next-line silences the named rules for the next property', () => {
    expect(check(load('fixtures/suppress/board.dts')).map((d) => d.rule)).toEqual([]);
  });

  it('--report-unused-disable reports directives (and rules in them) that suppress nothing', () => {
    const unused = check(load('fixtures/suppress/board.dts'), { reportUnusedDisable: true });
    expect(unused.map((d) => [d.rule, d.location?.line, d.message])).toEqual([
      ['unused-disable', 19, 'unused dtmap-disable-next-line directive: no map-overlap finding on the next line'],
      ['unused-disable', 21, 'unused dtmap-disable-next-line directive: no map-alias finding on the next line'],
    ]);
  });

  it('unused-disable is a rule like the others: --rule sets its severity or turns it off', () => {
    const tree = load('fixtures/suppress/board.dts');
    const severities = (setting: 'error' | 'off') =>
      check(tree, { reportUnusedDisable: true, rules: { 'unused-disable': setting } }).map((d) => d.severity);
    expect(severities('error')).toEqual(['error', 'error']);
    expect(severities('off')).toEqual([]);
  });
});
