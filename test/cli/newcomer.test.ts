// What a newcomer looks for: `dtmap rules RULE` prints the rule's page; a JSON Schema for
// `.dtmaprc.json` that agrees with the loader; both shipped in the package (package.json files).
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Ajv from 'ajv';
import { tempDir } from '../helpers.js';
import { RULES } from '../../src/checks/index.js';
import { loadConfig } from '../../src/app/config.js';

const BIN = resolve('bin/dtmap.cjs');
const run = (args: string[], cwd = process.cwd()) => {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    cwd,
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

describe('dtmap rules RULE', () => {
  it("prints each rule's page, from any working directory", () => {
    const dir = tempDir('dtmap-rules-');
    for (const { id } of RULES) {
      const r = run(['rules', id], dir);
      expect(r.err).toBe('');
      expect(r.out).toBe(readFileSync(`docs/rules/${id}.md`, 'utf8'));
      expect(r.code).toBe(0);
    }
  });

  it('an unknown rule: one line with the near one, exit 2', () => {
    const r = run(['rules', 'map-wrp']);
    expect(r.err).toBe('dtmap: error: rules: unknown rule "map-wrp"; did you mean "map-wrap"?\n');
    expect(r.code).toBe(2);
  });
});

describe('the JSON Schema of .dtmaprc.json', () => {
  const schema = JSON.parse(readFileSync('schema/dtmaprc.schema.json', 'utf8'));
  const validate = new Ajv({ allErrors: true }).compile(schema);

  it('names every rule, as RULES lists them (a new rule gets a line in the schema too)', () => {
    expect(Object.keys(schema.properties.rules.properties)).toEqual(RULES.map((r) => r.id));
  });

  /** What dtmap makes of a config: 'ok', 'warned' (unknown key or rule, the rest applies) or 'refused'. */
  const load = (config: unknown): 'ok' | 'warned' | 'refused' => {
    const dir = tempDir('dtmap-schema-');
    writeFileSync(join(dir, '.dtmaprc.json'), JSON.stringify(config));
    const warnings: string[] = [];
    try {
      loadConfig(undefined, dir, (w) => warnings.push(w));
    } catch {
      return 'refused';
    }
    return warnings.length ? 'warned' : 'ok';
  };

  it('accepts what dtmap loads without a word, and nothing it refuses or warns about', () => {
    const cases: unknown[] = [
      {},
      { $schema: './node_modules/dtmap/schema/dtmaprc.schema.json' },
      { rules: { 'iommu-map-gap': 'off', 'map-alias': 'error', 'map-wrap': 'warn', 'map-mask': 'info' } },
      { include: ['include', '../dt-bindings'], define: { BOARD_REV: '2', N: 3, 'F(x)': 'x' } },
      { define: ['A', 'B=1', 'C(x)=x'] },
      { kernel: 'mainline', boards: ['arch/arm64/boot/dts/**/*.dts'] },
      // refused or warned about
      { rules: { 'map-alias': 'fatal' } },
      { rules: { 'map-alias': 2 } },
      { rules: { 'map-alais': 'off' } },
      { kernal: 'classic' },
      { kernel: 'new' },
      { include: 'include' },
      { include: [1] },
      { define: { 'not a name': '1' } },
      { define: ['1X=2'] },
      { define: { A: true } },
      { boards: 'a.dts' },
      [],
      'rules',
    ];
    const disagree = cases
      .map((c) => ({ config: JSON.stringify(c), dtmap: load(c), schema: validate(c) }))
      .filter((r) => (r.dtmap === 'ok') !== r.schema);
    expect(disagree).toEqual([]);
  });

  it('dtmap takes a config that names the schema, and the package ships it, the rule pages and CHANGELOG.md', () => {
    expect(load({ $schema: 'whatever' })).toBe('ok');
    const files = (JSON.parse(readFileSync('package.json', 'utf8')) as { files: string[] }).files;
    for (const f of ['schema', 'docs', 'CHANGELOG.md']) expect(files).toContain(f);
  });
});
