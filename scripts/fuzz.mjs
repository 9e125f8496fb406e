#!/usr/bin/env node
// `npm run fuzz [-- --seconds N] [--count N] [--seed N] [--out DIR]`: the fuzz harness of
// test/fuzz for a long run (default 10 minutes, seed from the clock). It prints a progress line
// every 100 inputs and a summary line; each crash or hang is saved with its input files and
// case.json in DIR (default fuzz-out/, git-ignored). Exit code 1 when it found anything.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const env = {
  ...process.env,
  DTMAP_FUZZ_SEED: opt('seed', String(Date.now() % 1_000_000)),
  DTMAP_FUZZ_OUT: opt('out', 'fuzz-out'),
};
const count = opt('count', undefined);
if (count !== undefined) env.DTMAP_FUZZ_COUNT = count;
else env.DTMAP_FUZZ_SECONDS = opt('seconds', '600');
process.stderr.write(
  `fuzz: seed ${env.DTMAP_FUZZ_SEED}, ${count !== undefined ? `${count} inputs` : `${env.DTMAP_FUZZ_SECONDS} s`}\n`,
);
const root = fileURLToPath(new URL('..', import.meta.url));
const vitest = fileURLToPath(new URL('../node_modules/vitest/vitest.mjs', import.meta.url));
const r = spawnSync(process.execPath, [vitest, 'run', 'test/fuzz/fuzz.test.ts'], { cwd: root, env, stdio: 'inherit' });
process.exit(r.status ?? 2);
