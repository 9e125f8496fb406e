// Every rule on the hand-written fixtures of fixtures/rules/, compiled by Debian's dtc. The
// expected findings in expected.json were derived by hand from docs/semantics.md and the rule pages,
// independently of the checks' code.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { readDtb } from '../../src/dtb/read.js';
import { check } from '../../src/checks/index.js';
import type { KernelForm } from '../../src/map/map.js';

type Expect = { rule: string; severity: string; node: string; rids: Array<[number, number]> };
const expected: Record<string, Partial<Record<KernelForm, Expect[]>>> = JSON.parse(
  readFileSync('fixtures/rules/expected.json', 'utf8'),
);

const key = (d: Expect) => `${d.rule} ${d.severity} ${d.node} ${JSON.stringify(d.rids)}`;

describe.each(Object.keys(expected))('%s', (name) => {
  const tree = readDtb(readFileSync(`fixtures/rules/${name}.dtb`), `${name}.dtb`);
  for (const form of ['classic', 'mainline'] as const) {
    const want = expected[name]![form] ?? expected[name]!.classic!;
    it(`${form}: ${want.length ? want.map((w) => `${w.rule} ${w.severity}`).join(', ') : 'clean'}`, () => {
      const got = check(tree, { kernel: form }).map((d) =>
        key({ rule: d.rule, severity: d.severity, node: d.node, rids: d.rids }),
      );
      expect(got.sort()).toEqual(want.map(key).sort());
    });
  }
});

describe('DTS input gives the DTB findings, with source positions', () => {
  it.each(Object.keys(expected))('%s.dts', async (name) => {
    const { readDts } = await import('../../src/dts/index.js');
    const fromDts = check(readDts(`fixtures/rules/${name}.dts`));
    const fromDtb = check(readDtb(readFileSync(`fixtures/rules/${name}.dtb`), `${name}.dtb`));
    expect(fromDts.map(({ span: _s, location: _l, ...d }) => d)).toEqual(fromDtb);
    for (const d of fromDts) {
      if (d.property)
        expect(d.location).toMatchObject({
          file: `fixtures/rules/${name}.dts`,
          line: expect.any(Number),
          column: expect.any(Number),
        });
      if (!d.location) continue;
      // the position is the property, or the entry (cell) the finding is about
      const lines = readFileSync(`fixtures/rules/${name}.dts`, 'utf8').split('\n');
      const text = lines[d.location.line - 1]!.slice(d.location.column - 1);
      expect(text.startsWith(d.property ?? '') || /^(<|0x|&|[0-9])/.test(text)).toBe(true);
    }
  });
});
