// `dtmap check` in CI as a new user meets it: thresholds that say why they fail, `-o -`, a baseline
// written over part of a tree, `--cache FILE`, `warn`, and a suppression naming no rule dtmap has.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tempDir } from '../helpers.js';

const BIN = resolve('bin/dtmap.cjs');
const run = (args: string[], cwd = process.cwd()) => {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    cwd,
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const WARN2 = resolve('fixtures/rules/alias-within-map.dtb'); // 2 warnings, no error
const VIRTIO = resolve('fixtures/qemu/virt-virtio-iommu.dtb'); // 1 info
const MSI_GAP = resolve('fixtures/rules/msi-gap-error.dtb'); // errors
const lastLines = (text: string, n: number) => text.trimEnd().split('\n').slice(-n);

describe('warning thresholds', () => {
  it('--max-warnings: ✖ and one line naming the threshold, exit 1; within it, ✔ and exit 0', () => {
    const r = run(['check', '--max-warnings', '1', WARN2]);
    expect(lastLines(r.out, 2)).toEqual([
      expect.stringMatching(/^✖ 1 file .*: 0 errors, 2 warnings, 0 infos in [\d.]+ s$/),
      'failed: 2 warnings, more than --max-warnings 1 allows',
    ]);
    expect(r.code).toBe(1);
    const ok = run(['check', '--max-warnings', '2', WARN2]);
    expect(lastLines(ok.out, 1)[0]).toMatch(/^✔ 1 file/);
    expect(ok.code).toBe(0);
  });

  it('--strict: the same, naming --strict; other formats say it on stderr', () => {
    const r = run(['check', '--strict', WARN2]);
    expect(lastLines(r.out, 2)[0]).toMatch(/^✖ /);
    expect(lastLines(r.out, 1)).toEqual(['failed: 2 warnings, and --strict fails the run on any warning']);
    expect(r.code).toBe(1);
    const json = run(['check', '--strict', '--format', 'json', WARN2]);
    expect(json.err).toBe('dtmap: failed: 2 warnings, and --strict fails the run on any warning\n');
    expect(json.code).toBe(1);
    expect(run(['check', '--strict', VIRTIO]).code).toBe(0); // an info is no warning
  });
});

describe('-o -', () => {
  it('writes the report to stdout and no file named -', () => {
    const dir = tempDir('dtmap-stdout-');
    const r = run(['check', '--format', 'json', '-o', '-', VIRTIO], dir);
    expect(JSON.parse(r.out).summary).toEqual({ errors: 0, warnings: 0, infos: 1 });
    expect(existsSync(join(dir, '-'))).toBe(false);
    expect(r.code).toBe(0);
  });
});

describe('--write-baseline', () => {
  it('exits 0; a run over part of the files keeps the others, --prune drops them', () => {
    const dir = tempDir('dtmap-baseline-');
    const base = join(dir, 'base.json');
    const entries = () =>
      (JSON.parse(readFileSync(base, 'utf8')) as { findings: { file: string }[] }).findings.map((f) => f.file);
    const all = run(['check', '--write-baseline', base, MSI_GAP, WARN2]);
    expect(all.code).toBe(0); // findings at error severity, recorded
    const before = entries();
    expect(new Set(before).size).toBe(2);
    const part = run(['check', '--write-baseline', base, WARN2]);
    expect(part.code).toBe(0);
    expect(entries().sort()).toEqual([...before].sort());
    expect(lastLines(part.out, 2)[0]).toMatch(
      /^baseline: wrote 2 findings to .*base\.json, and kept \d+ of files not checked in this run \(--prune drops them\)$/,
    );
    expect(run(['check', '--baseline', base, MSI_GAP, WARN2]).code).toBe(0);
    run(['check', '--write-baseline', base, '--prune', WARN2]);
    expect(new Set(entries())).toEqual(new Set([before.find((f) => f.endsWith('alias-within-map.dtb'))]));
  });
});

describe('--cache', () => {
  it('--cache FILE checks the file; --cache-location names the folder', () => {
    const dir = tempDir('dtmap-cache-');
    const r = run(['check', '--cache', VIRTIO], dir);
    expect(r.err).toBe('');
    expect(r.out).toMatch(/✔ 1 file/);
    expect(r.code).toBe(0);
    const first = run(['check', '--cache', '--cache-location', 'c', '-v', VIRTIO], dir);
    expect(first.err).toMatch(/cache: 0 of 1 results reused, 1 checked \(.*c[/\\]check-\w+\.json\)/);
    const again = run(['check', '--cache', '--cache-location', 'c', '-v', VIRTIO], dir);
    expect(again.err).toMatch(/cache: 1 of 1 results reused, 0 checked/);
  });

  it('no file at all is one line, exit 2', () => {
    const r = run(['check', '--cache']);
    expect(r.err).toBe('dtmap: error: check: no FILE given (DTB or DTS files, directories or quoted globs)\n');
    expect(r.code).toBe(2);
  });
});

describe('rule settings and suppressions', () => {
  it('warn is accepted for warning, on the command line and in .dtmaprc.json', () => {
    const r = run(['check', '--format', 'json', '--rule', 'iommu-map-gap=warn', VIRTIO]);
    expect(JSON.parse(r.out).summary).toEqual({ errors: 0, warnings: 1, infos: 0 });
    const dir = tempDir('dtmap-warn-');
    writeFileSync(join(dir, '.dtmaprc.json'), JSON.stringify({ rules: { 'iommu-map-gap': 'warn' } }));
    const rc = run(['check', '--format', 'json', VIRTIO], dir);
    expect(rc.err).toBe('');
    expect(JSON.parse(rc.out).summary).toEqual({ errors: 0, warnings: 1, infos: 0 });
  });

  it('a suppression naming an unknown rule says so, with "did you mean", even without --report-unused-disable', () => {
    const dir = tempDir('dtmap-suppress-');
    const src = readFileSync('fixtures/rules/msi-gap-error.dts', 'utf8');
    const at = src.indexOf('msi-map =');
    expect(at).toBeGreaterThan(0);
    const line = src.slice(0, at).split('\n').length + 1; // the msi-map, one line down
    writeFileSync(
      join(dir, 'b.dts'),
      src.slice(0, at) + '/* dtmap-disable-next-line msi-map-gapp */\n\t\t' + src.slice(at),
    );
    const r = run(['check', '--format', 'gcc', 'b.dts'], dir);
    expect(r.out).toContain(
      `b.dts:${line - 1}:3: warning: /: unused dtmap-disable-next-line directive: unknown rule "msi-map-gapp"; did you mean "msi-map-gap"? [unused-disable]`,
    );
    expect(r.out).toMatch(/error: .*\[msi-map-gap\]/); // and the finding it meant to silence stays
  });
});
