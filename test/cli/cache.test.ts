// `check --cache`: results reused while every file a board read is unchanged, never trusted
// when the cache is corrupt or from another version, never fatal when it cannot be written.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const bin = resolve('bin/dtmap.cjs');
let dir: string;
const run = (args: string[], env: Record<string, string> = {}) => {
  const r = spawnSync(process.execPath, [bin, 'check', '--format', 'json', '-v', ...args, 'a.dts', 'b.dts'], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', ...env },
  });
  return {
    code: r.status,
    json: JSON.parse(r.stdout),
    notes: r.stderr.split('\n').filter((l) => l.startsWith('dtmap: note: ')),
  };
};
const reused = (notes: string[]) => /cache: (\d+) of 2 results reused/.exec(notes.join('\n'))?.[1];
const cacheFile = (d: string) =>
  join(
    d,
    readdirSync(d).find((f) => f.endsWith('.json'))!,
  );

// Two boards on one SoC .dtsi; each has its own .dtsi with the host bridge's map.
const soc = `/ { #address-cells = <1>; #size-cells = <1>;
  smmu: iommu@1000 { reg = <0x1000 0x100>; #iommu-cells = <1>; };
  pcie@2000 { device_type = "pci"; reg = <0x2000 0x100>; bus-range = <0 1>; #address-cells = <3>; #size-cells = <2>; }; };\n`;
const board = (name: string) => `/dts-v1/;\n#include "soc.dtsi"\n#include "${name}.dtsi"\n`;
const map = (length: string) => `/ { pcie@2000 { iommu-map = <0 &smmu 0 ${length}>; }; };\n`;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dtmap-cache-'));
  writeFileSync(join(dir, 'soc.dtsi'), soc);
  for (const n of ['a', 'b']) {
    writeFileSync(join(dir, `${n}.dts`), board(n));
    writeFileSync(join(dir, `${n}.dtsi`), map('0x200'));
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('check --cache', () => {
  it('a second run reuses every result, with the same report and exit code', () => {
    const first = run(['--cache', 'c1']);
    expect(reused(first.notes)).toBe('0');
    const second = run(['--cache', 'c1']);
    expect(reused(second.notes)).toBe('2');
    expect(second.json).toEqual(first.json);
    expect(second.code).toBe(first.code);
  });

  it('a reused result still names the files its board read: -o onto an included .dtsi is refused', () => {
    run(['--cache', 'c6']);
    const before = readFileSync(join(dir, 'a.dtsi'), 'utf8');
    const r = spawnSync(process.execPath, [bin, 'check', '--cache', 'c6', '-o', 'a.dtsi', 'a.dts', 'b.dts'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
    expect(r.stderr).toContain('dtmap: error: -o a.dtsi is also an input (a.dtsi); nothing written');
    expect(r.status).toBe(2);
    expect(readFileSync(join(dir, 'a.dtsi'), 'utf8')).toBe(before);
  });

  it('editing one included .dtsi rechecks exactly the board that includes it', () => {
    run(['--cache', 'c2']);
    appendFileSync(join(dir, 'a.dtsi'), map('0x100'));
    const r = run(['--cache', 'c2']);
    expect(reused(r.notes)).toBe('1');
    const fresh = run([]);
    expect(r.json).toEqual(fresh.json); // a's new map is seen, b's kept result still right
    writeFileSync(join(dir, 'a.dtsi'), map('0x200'));
    expect(reused(run(['--cache', 'c2']).notes)).toBe('1');
  });

  it('a corrupt cache is ignored with one note, then replaced', () => {
    const clean = run(['--cache', 'c3']);
    writeFileSync(cacheFile(join(dir, 'c3')), '{"dtmap": "0.1.0", "entries": {"a.dts": {"deps": 7}}}');
    const r = run(['--cache', 'c3']);
    expect(r.notes.filter((n) => /corrupt; ignored/.test(n))).toHaveLength(1);
    expect(reused(r.notes)).toBe('0');
    expect(r.json).toEqual(clean.json);
    writeFileSync(cacheFile(join(dir, 'c3')), 'not json\0');
    expect(run(['--cache', 'c3']).notes.some((n) => /corrupt; ignored/.test(n))).toBe(true);
    expect(reused(run(['--cache', 'c3']).notes)).toBe('2');
  });

  it("another version's cache is not trusted", () => {
    const clean = run(['--cache', 'c4']);
    const f = cacheFile(join(dir, 'c4'));
    const data = JSON.parse(readFileSync(f, 'utf8'));
    data.dtmap = '0.0.1';
    for (const e of Object.values<{ report: { diagnostics: unknown[] } }>(data.entries)) e.report.diagnostics = [];
    writeFileSync(f, JSON.stringify(data));
    const r = run(['--cache', 'c4']);
    expect(r.notes.some((n) => /written by dtmap 0\.0\.1, this is .*; ignored/.test(n))).toBe(true);
    expect(reused(r.notes)).toBe('0');
    expect(r.json).toEqual(clean.json);
  });

  it('an unwritable cache costs a note, not the run', () => {
    writeFileSync(join(dir, 'plain-file'), '');
    const clean = run([]);
    const r = run(['--cache', 'plain-file/cache']);
    expect(r.code).toBe(clean.code);
    expect(r.json).toEqual(clean.json);
    expect(r.notes.filter((n) => /cannot write .*results not kept/.test(n))).toHaveLength(1);
  });

  it('without a folder: node_modules/.cache/dtmap beside package.json, else $XDG_CACHE_HOME/dtmap', () => {
    run(['--cache'], { XDG_CACHE_HOME: join(dir, 'xdg') });
    expect(existsSync(join(dir, 'xdg', 'dtmap'))).toBe(true);
    writeFileSync(join(dir, 'package.json'), '{}');
    try {
      run(['--cache']);
      expect(existsSync(join(dir, 'node_modules', '.cache', 'dtmap'))).toBe(true);
    } finally {
      rmSync(join(dir, 'package.json'));
    }
  });
});
