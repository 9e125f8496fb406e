// Baselines and configuration files are checked against their schema on load, like inputs:
// issue 13.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { loadBaseline } from '../../src/app/baseline.js';
import { loadConfig } from '../../src/app/config.js';
import { InputError } from '../../src/app/input.js';
import { RULES } from '../../src/checks/index.js';

const BIN = resolve('bin/dtmap.cjs');
const MSI_GAP = resolve('fixtures/rules/msi-gap-error.dtb');
let dir: string;
const run = (args: string[], cwd = dir) => {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    cwd,
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const write = (name: string, value: unknown) => {
  const file = join(dir, name);
  writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
};
const finding = (fields: Record<string, unknown> = {}) => ({
  file: 'a.dtb',
  node: '/pcie',
  property: 'msi-map',
  rule: 'msi-map-gap',
  rids: [[0, 15]],
  ...fields,
});

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dtmap-files-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('baselines', () => {
  const bad: Array<[string, unknown, string]> = [
    [
      'a null finding',
      { version: 1, findings: [null] },
      'findings[0]: expected a finding {file, node, property, rule, rids}',
    ],
    [
      'rids "x"',
      { version: 1, findings: [finding(), finding({ rids: 'x' })] },
      'findings[1].rids: expected a list of [first, last] integers',
    ],
    [
      'rids [null]',
      { version: 1, findings: [finding({ rids: [null] })] },
      'findings[0].rids[0]: expected [first, last] integers',
    ],
    [
      'rids [[16]]',
      { version: 1, findings: [finding(), finding(), finding(), finding({ rids: [[16]] })] },
      'findings[3].rids[0]: expected [first, last] integers',
    ],
    [
      'rids [["a","b"]]',
      {
        version: 1,
        findings: [
          finding({
            rids: [
              [0, 1],
              ['a', 'b'],
            ],
          }),
        ],
      },
      'findings[0].rids[1]: expected [first, last] integers',
    ],
    [
      'rids [[1.5, 2]]',
      { version: 1, findings: [finding({ rids: [[1.5, 2]] })] },
      'findings[0].rids[0]: expected [first, last] integers',
    ],
    [
      'rids [[9, 8]]',
      { version: 1, findings: [finding({ rids: [[9, 8]] })] },
      'findings[0].rids[0]: expected [first, last] integers, 0 <= first <= last <= 0xffffffff',
    ],
    [
      'rids past u32',
      { version: 1, findings: [finding({ rids: [[0, 2 ** 32]] })] },
      'findings[0].rids[0]: expected [first, last] integers, 0 <= first <= last <= 0xffffffff',
    ],
    ['a numeric file', { version: 1, findings: [finding({ file: 1 })] }, 'findings[0].file: expected a string'],
    ['a numeric node', { version: 1, findings: [finding({ node: 2 })] }, 'findings[0].node: expected a string'],
    [
      'a numeric property',
      { version: 1, findings: [finding({ property: 3 })] },
      'findings[0].property: expected a string or null',
    ],
    ['a numeric rule', { version: 1, findings: [finding({ rule: 4 })] }, 'findings[0].rule: expected a string'],
    [
      'a missing rule',
      { version: 1, findings: [{ file: 'a', node: '/', property: null, rids: [] }] },
      'findings[0].rule: missing',
    ],
    ['findings not a list', { version: 1, findings: {} }, 'findings: expected a list of findings'],
    ['no version', { findings: [] }, 'version: missing'],
    ['not an object', [], 'expected a dtmap baseline, {"version": 1, "findings": [...]}'],
    [
      'version 2',
      { version: 2, findings: [] },
      'a baseline of version 2; this dtmap reads version 1: rewrite it with --write-baseline',
    ],
    [
      'version "1"',
      { version: '1', findings: [] },
      'a baseline of version "1"; this dtmap reads version 1: rewrite it with --write-baseline',
    ],
    ['cut-off JSON', '{"version": 1, "findings": [', 'not valid JSON: Unexpected end of JSON input'],
  ];
  for (const [what, value, message] of bad)
    it(`${what}: one line naming the place`, () => {
      const file = write('base.json', value);
      expect(() => loadBaseline(file, () => {})).toThrow(new InputError(`${file}: ${message}`));
    });

  it('broken JSON: V8 quotes the text near the error, and it stays on one line', () => {
    const file = write('base.json', '[1,\n2,,]');
    expect(() => loadBaseline(file, () => {})).toThrow(
      new InputError(`${file}: not valid JSON: Unexpected token ',', "[1,\\n2,,]" is not valid JSON`),
    );
  });

  it('a good baseline loads; unknown keys are warned about once per key, with a suggestion', () => {
    const file = write('base.json', {
      version: 1,
      findings: [finding({ reason: 'x', rid: [] }), finding({ reason: 'y', property: null })],
      comment: 'hand-edited',
    });
    const warnings: string[] = [];
    const b = loadBaseline(file, (w) => warnings.push(w));
    expect(b.findings).toEqual([finding(), finding({ property: null })]);
    expect(warnings).toEqual([
      `${file}: findings[0]: unknown key "reason" ignored; known: file, node, property, rule, rids`,
      `${file}: findings[0]: unknown key "rid" ignored; did you mean "rids"?`,
      `${file}: unknown key "comment" ignored; known: version, findings`,
    ]);
  });

  it('check --baseline with a bad baseline: exit 2, one line, nothing written', () => {
    write('a-base.json', { version: 1, findings: [null] });
    const r = run([
      'check',
      MSI_GAP,
      '--baseline',
      'a-base.json',
      '--write-baseline',
      'written.json',
      '-o',
      'report.txt',
    ]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      'dtmap: error: a-base.json: findings[0]: expected a finding {file, node, property, rule, rids}\n',
    );
    expect(readdirSync(dir)).not.toContain('written.json');
    expect(readdirSync(dir)).not.toContain('report.txt');
    write('a-base.json', { version: 1, findings: [finding({ rids: [[16]] })] });
    expect(run(['check', MSI_GAP, '--baseline', 'a-base.json']).err).toBe(
      'dtmap: error: a-base.json: findings[0].rids[0]: expected [first, last] integers\n',
    );
    write('a-base.json', { version: 3, findings: [] });
    expect(run(['check', MSI_GAP, '--baseline', 'a-base.json']).err).toBe(
      'dtmap: error: a-base.json: a baseline of version 3; this dtmap reads version 1: rewrite it with --write-baseline\n',
    );
  });
});

describe('configuration files', () => {
  const bad: Array<[string, unknown, string]> = [
    [
      'a severity that is not one',
      { rules: { 'msi-map-gap': 'of' } },
      'rules.msi-map-gap: expected one of off, info, warning, error; did you mean "off"?',
    ],
    [
      'a numeric severity',
      { rules: { 'msi-map-gap': 2 } },
      'rules.msi-map-gap: expected one of off, info, warning, error',
    ],
    ['rules as a list', { rules: ['msi-map-gap'] }, 'rules: expected an object of RULE: off|info|warning|error'],
    ['include as a string', { include: 'include' }, 'include: expected a list of folders'],
    ['include with a number', { include: ['a', 7] }, 'include[1]: expected a string'],
    ['a define of null', { define: { A: null } }, 'define.A: expected a string or a number'],
    [
      'a define that is no macro name',
      { define: { 'a b': '1' } },
      'define["a b"]: expected a macro name, NAME or NAME(args)',
    ],
    [
      'a define list entry without a name',
      { define: ['A=1', '=2'] },
      'define[1]: expected NAME[=VALUE], NAME a macro name',
    ],
    ['define as a number', { define: 5 }, 'define: expected an object of NAME: VALUE or a list of NAME=VALUE'],
    ['an unknown kernel', { kernel: 'classics' }, 'kernel: expected one of classic, mainline; did you mean "classic"?'],
    ['not an object', 'null', 'expected a JSON object with rules, include, define, kernel, boards, ignore'],
  ];
  for (const [what, value, message] of bad)
    it(`${what}: one line naming the place`, () => {
      const file = write('config.json', value);
      expect(() => loadConfig(file, dir, () => {})).toThrow(new InputError(`${file}: ${message}`));
    });

  it('unknown keys and rules are warned about, with "did you mean", and the rest applies', () => {
    const file = write('config.json', {
      kernal: 'mainline',
      rules: { 'msi-map-gaps': 'off', 'map-alias': 'error' },
      define: { A: 1, 'F(x)': 'x' },
      $schema: 'x',
    });
    const warnings: string[] = [];
    const config = loadConfig(file, dir, (w) => warnings.push(w));
    expect(warnings).toEqual([
      `${file}: unknown key "kernal" ignored; did you mean "kernel"?`,
      `${file}: rules: unknown rule "msi-map-gaps" ignored; did you mean "msi-map-gap"?`,
    ]);
    expect(config).toMatchObject({
      rules: { 'map-alias': 'error' },
      define: { A: '1', 'F(x)': 'x' },
      kernel: undefined,
    });
  });

  it('the "dtmap" key of package.json: places are named under dtmap', () => {
    const sub = join(dir, 'pkg');
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, 'package.json'), JSON.stringify({ name: 'x', dtmap: { rules: { 'msi-map-gap': 5 } } }));
    expect(() => loadConfig(undefined, sub, () => {})).toThrow(
      new InputError(
        `${join(sub, 'package.json')}: dtmap.rules.msi-map-gap: expected one of off, info, warning, error`,
      ),
    );
    const r = run(['check', MSI_GAP, '-o', 'report.txt'], sub);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      `dtmap: error: ${join(sub, 'package.json')}: dtmap.rules.msi-map-gap: expected one of off, info, warning, error\n`,
    );
    expect(readdirSync(sub)).toEqual(['package.json']);
  });

  it('check: an unknown key is one warning line and the run goes on', () => {
    write('.dtmaprc.json', { rulez: {}, rules: { 'msi-map-gap': 'info' } });
    const r = run(['check', MSI_GAP]);
    rmSync(join(dir, '.dtmaprc.json'));
    expect(r.code).toBe(0); // the rules that are there apply
    expect(r.err).toBe(
      `dtmap: warning: ${join(dir, '.dtmaprc.json')}: unknown key "rulez" ignored; did you mean "rules"?\n`,
    );
  });
});

describe('random JSON into every loader: a clean load or the one-line error, never an internal error', () => {
  const leaf = fc.jsonValue({ maxDepth: 2 });
  const ids = RULES.map((r) => r.id);
  // values near the schemas, so that the checks deep inside them run too
  const rid = fc.oneof(
    fc.tuple(fc.integer(), fc.integer()),
    fc.tuple(fc.nat(2 ** 32), fc.nat(2 ** 32)),
    fc.nat(0xffff).map((n) => [n, n + 1]),
    fc.array(fc.oneof(fc.nat(), leaf), { maxLength: 3 }),
    leaf,
  );
  const mostly = <T>(good: fc.Arbitrary<T>) => fc.oneof({ arbitrary: good, weight: 9 }, { arbitrary: leaf, weight: 1 });
  const findingArb = fc.oneof(
    { arbitrary: leaf, weight: 1 },
    {
      arbitrary: fc.record(
        {
          file: mostly(fc.string()),
          node: mostly(fc.string()),
          property: mostly(fc.option(fc.string())),
          rule: mostly(fc.constantFrom(...ids)),
          rids: mostly(fc.array(rid, { maxLength: 3 })),
          extra: leaf,
        },
        { requiredKeys: ['file', 'node', 'property', 'rule', 'rids'] },
      ),
      weight: 6,
    },
  );
  const baselineArb = fc.oneof(
    { arbitrary: fc.jsonValue(), weight: 1 },
    {
      arbitrary: fc.record(
        { version: mostly(fc.constant(1)), findings: mostly(fc.array(findingArb, { maxLength: 4 })), comment: leaf },
        { requiredKeys: ['version', 'findings'] },
      ),
      weight: 4,
    },
  );
  const configArb = fc.oneof(
    fc.jsonValue(),
    fc.record(
      {
        rules: fc.oneof(
          fc.dictionary(
            fc.oneof(fc.constantFrom(...ids), fc.string()),
            fc.oneof(fc.constantFrom('off', 'info', 'warning', 'error'), leaf),
          ),
          leaf,
        ),
        include: fc.oneof(fc.array(fc.string()), leaf),
        define: fc.oneof(
          fc.dictionary(fc.oneof(fc.constantFrom('A', 'F(x)'), fc.string()), fc.oneof(fc.string(), fc.integer(), leaf)),
          fc.array(fc.oneof(fc.constant('A=1'), fc.string())),
          leaf,
        ),
        kernel: fc.oneof(fc.constantFrom('classic', 'mainline'), leaf),
        kernal: leaf,
      },
      { requiredKeys: [] },
    ),
  );

  /** Runs a loader: it returns, or throws the one line naming `file`; warnings are one line each. */
  function cleanly<T>(file: string, load: (warn: (line: string) => void) => T): T | undefined {
    const warnings: string[] = [];
    try {
      return load((w) => warnings.push(w));
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      expect((e as Error).message.startsWith(`${file}: `)).toBe(true);
      expect((e as Error).message).not.toMatch(/[\n\r]/);
      return undefined;
    } finally {
      for (const w of warnings) {
        expect(w.startsWith(`${file}: `)).toBe(true);
        expect(w).not.toMatch(/[\n\r]/);
      }
    }
  }

  it('baselines', () => {
    fc.assert(
      fc.property(baselineArb, (value) => {
        const file = join(dir, 'random-base.json');
        writeFileSync(file, JSON.stringify(value));
        const b = cleanly(file, (warn) => loadBaseline(file, warn));
        if (!b) return;
        expect(b.version).toBe(1);
        for (const f of b.findings) {
          expect([typeof f.file, typeof f.node, typeof f.rule]).toEqual(['string', 'string', 'string']);
          expect(f.property === null || typeof f.property === 'string').toBe(true);
          for (const [first, last] of f.rids)
            expect(
              Number.isInteger(first) && Number.isInteger(last) && 0 <= first && first <= last && last <= 0xffffffff,
            ).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  const checkConfig = (c: ReturnType<typeof loadConfig> | undefined) => {
    if (!c) return;
    for (const [rule, setting] of Object.entries(c.rules)) {
      expect(ids).toContain(rule);
      expect(['off', 'info', 'warning', 'error']).toContain(setting);
    }
    for (const d of c.include) expect(typeof d).toBe('string');
    for (const v of Object.values(c.define)) expect(typeof v).toBe('string');
    expect([undefined, 'classic', 'mainline']).toContain(c.kernel);
  };

  it('--config files and .dtmaprc.json', () => {
    const rcDir = join(dir, 'rc');
    mkdirSync(rcDir, { recursive: true });
    fc.assert(
      fc.property(configArb, (value) => {
        const file = join(dir, 'random-config.json');
        writeFileSync(file, JSON.stringify(value));
        checkConfig(cleanly(file, (warn) => loadConfig(file, dir, warn)));
        const rc = join(rcDir, '.dtmaprc.json');
        writeFileSync(rc, JSON.stringify(value));
        checkConfig(cleanly(rc, (warn) => loadConfig(undefined, rcDir, warn)));
      }),
      { numRuns: 300 },
    );
  });

  it('the "dtmap" key of package.json, and package.json itself', () => {
    const pkgDir = join(dir, 'random-pkg');
    mkdirSync(pkgDir, { recursive: true });
    const pkg = join(pkgDir, 'package.json');
    fc.assert(
      fc.property(configArb, fc.jsonValue(), (value, whole) => {
        writeFileSync(pkg, JSON.stringify({ name: 'x', dtmap: value }));
        checkConfig(cleanly(pkg, (warn) => loadConfig(undefined, pkgDir, warn)));
        writeFileSync(pkg, JSON.stringify(whole));
        checkConfig(cleanly(pkg, (warn) => loadConfig(undefined, pkgDir, warn)));
      }),
      { numRuns: 300 },
    );
  });
});
