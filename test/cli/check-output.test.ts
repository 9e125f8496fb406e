// `dtmap check`'s pretty output as it reads: --level (between -q and everything), the first
// sentence of a message by default and the whole with -v, wrapped to a terminal's width (or
// --width), and one line per message when piped.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const BIN = resolve('bin/dtmap.cjs');
const run = (args: string[]) => {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const ALL3 = 'fixtures/rules/qcom-4cell-smmu2.dtb'; // one error, one warning, one info
const GAP = 'fixtures/rules/msi-gap-port-unmapped.dtb'; // one msi-map-gap error of two sentences
const severities = (out: string) => [...out.matchAll(/^ {4}(error|warning|info) /gm)].map((m) => m[1]);
const messages = (out: string) => out.split('\n').filter((l) => l.startsWith('        '));
const json = (args: string[]) =>
  JSON.parse(run(['check', '--format', 'json', ...args, GAP]).out).files[0].diagnostics[0].message as string;

describe('check --level', () => {
  it('info (the default) shows everything, warning drops the infos, error is -q', () => {
    expect(severities(run(['check', ALL3]).out)).toEqual(['error', 'warning', 'info']);
    expect(severities(run(['check', '--level', 'info', ALL3]).out)).toEqual(['error', 'warning', 'info']);
    expect(severities(run(['check', '--level', 'warning', ALL3]).out)).toEqual(['error', 'warning']);
    expect(severities(run(['check', '--level', 'error', ALL3]).out)).toEqual(['error']);
    expect(run(['check', '-q', ALL3]).out.replace(/in [\d.]+ s/, '')).toBe(
      run(['check', '--level', 'error', ALL3]).out.replace(/in [\d.]+ s/, ''),
    );
  });

  it('applies to every format, and refuses a level it does not know', () => {
    const rules = (args: string[]) =>
      JSON.parse(run(['check', '--format', 'json', ...args, ALL3]).out).files[0].diagnostics.map(
        (d: { severity: string }) => d.severity,
      );
    expect(rules(['--level', 'warning'])).toEqual(['error', 'warning']);
    const bad = run(['check', '--level', 'notice', ALL3]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--level.*notice.*error, warning, info/);
  });
});

describe('check messages', () => {
  const whole = json([]);

  it('pretty prints the first sentence; -v, JSON and gcc the whole message', () => {
    const first = whole.slice(0, whole.indexOf('. '));
    expect(first).toMatch(/^7936 RIDs .*: they get no MSI domain, so MSI\/MSI-X allocation fails$/);
    expect(messages(run(['check', GAP]).out)).toEqual([`        ${first}`]);
    expect(messages(run(['check', '-v', GAP]).out)).toEqual([`        ${whole}`]);
    expect(run(['check', '--format', 'gcc', GAP]).out).toContain(whole);
  });

  it('piped output is not wrapped; --width wraps it with the hanging indent', () => {
    const wrapped = messages(run(['check', '-v', '--width', '50', GAP]).out);
    expect(wrapped.length).toBeGreaterThan(5);
    for (const l of wrapped) expect(l).toMatch(/^ {8}\S.{0,41}$/);
    expect(wrapped.map((l) => l.trim()).join(' ')).toBe(whole);
    expect(run(['check', '--width', '20', GAP]).err).toMatch(/--width.*31 to 1000/);
  });

  it.runIf(spawnSync('script', ['--version']).status === 0)(
    "on a terminal, wraps to the terminal's width (script(1) gives it a pseudo-terminal)",
    () => {
      const r = spawnSync(
        'script',
        ['-qec', `stty cols 64; "${process.execPath}" "${BIN}" check -v ${GAP}`, '/dev/null'],
        {
          encoding: 'utf8',
          env: { ...process.env, NO_COLOR: '1' },
        },
      );
      const lines = messages(r.stdout.replace(/\r/g, ''));
      expect(lines.length).toBeGreaterThan(5);
      for (const l of lines) expect(l.length).toBeLessThanOrEqual(64);
      expect(lines.map((l) => l.trim()).join(' ')).toBe(whole);
    },
  );
});
