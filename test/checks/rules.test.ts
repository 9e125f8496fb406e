// Every rule on the hand-written fixtures of fixtures/rules/, compiled by Debian's dtc. The
// expected findings in expected.json were derived by hand from semantics.md and decisions.md,
// independently of the checks' code.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { readDtb } from '../../src/dtb/read.js';
import { check } from '../../src/checks/index.js';
import type { KernelForm } from '../../src/map/map.js';

type Expect = { rule: string; severity: string; node: string; rids: Array<[number, number]> };
const expected: Record<string, Partial<Record<KernelForm, Expect[]>>> = JSON.parse(readFileSync('fixtures/rules/expected.json', 'utf8'));

const key = (d: Expect) => `${d.rule} ${d.severity} ${d.node} ${JSON.stringify(d.rids)}`;

describe.each(Object.keys(expected))('%s', (name) => {
  const tree = readDtb(readFileSync(`fixtures/rules/${name}.dtb`), `${name}.dtb`);
  for (const form of ['classic', 'mainline'] as const) {
    const want = expected[name]![form] ?? expected[name]!.classic!;
    it(`${form}: ${want.length ? want.map((w) => `${w.rule} ${w.severity}`).join(', ') : 'clean'}`, () => {
      const got = check(tree, { kernel: form }).map((d) => key({ rule: d.rule, severity: d.severity, node: d.node, rids: d.rids }));
      expect(got.sort()).toEqual(want.map(key).sort());
    });
  }
});
