// The GitHub Action (action.yml) as it runs on a runner: its check step is scripts/action.sh,
// run here with the environment the runner gives it (GITHUB_ACTION_PATH, GITHUB_OUTPUT, the
// inputs as DTMAP_*): annotations on stdout, the SARIF report written, the step output set, the
// exit code dtmap's. The setup step (npm ci, npm run build) is what CI itself does first.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tempDir } from './helpers.js';

const ROOT = resolve('.');

function step(files: string, args = '') {
  const dir = tempDir('dtmap-action-');
  const output = join(dir, 'github-output');
  const sarif = join(dir, 'report.sarif');
  const r = spawnSync('bash', [join(ROOT, 'scripts/action.sh'), 'check'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: {
      ...process.env,
      GITHUB_ACTION_PATH: ROOT,
      GITHUB_OUTPUT: output,
      DTMAP_FILES: files,
      DTMAP_SARIF: sarif,
      DTMAP_ARGS: args,
    },
  });
  return { ...r, output: readFileSync(output, 'utf8'), sarif: JSON.parse(readFileSync(sarif, 'utf8')) };
}

describe('action.yml', () => {
  it('runs scripts/action.sh for both steps, with the inputs as DTMAP_*', () => {
    const yml = readFileSync('action.yml', 'utf8');
    expect(yml).toContain(`run: '"$GITHUB_ACTION_PATH/scripts/action.sh" setup'`);
    expect(yml).toContain(`run: '"$GITHUB_ACTION_PATH/scripts/action.sh" check'`);
    for (const input of ['files', 'sarif', 'args'])
      expect(yml).toContain(`DTMAP_${input.toUpperCase()}: \${{ inputs.${input} }}`);
  });

  it('one check: annotations and a SARIF report of the same findings, exit 1 on an error', () => {
    const r = step('fixtures/rules/msi-gap-error.dtb fixtures/acpi/qemu/*.IORT');
    expect(r.status).toBe(1);
    const annotations = r.stdout.split('\n').filter((l) => l.startsWith('::'));
    const results = r.sarif.runs[0].results;
    expect(annotations.length).toBe(results.length);
    expect(annotations[0]).toMatch(/^::error file=fixtures\/rules\/msi-gap-error\.dtb,title=msi-map-gap::/);
    expect(results.map((x: { ruleId: string }) => x.ruleId)).toContain('iort-overlap'); // the glob, expanded by dtmap
    expect(r.output).toMatch(/^sarif=.*report\.sarif\n$/);
  });

  it('the args input passes options through', () => {
    const r = step('fixtures/acpi/qemu/smmuv3.IORT', '--strict');
    expect(r.status).toBe(1); // two warnings, --strict
    expect(r.stderr).toContain('--strict fails the run on any warning');
  });
});
