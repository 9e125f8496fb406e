// The bounded fuzz run of `npm test` (a fixed seed and count: a few seconds); `npm run fuzz`
// (scripts/fuzz.mjs) runs the same harness for as long as asked.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { Rand, fuzz, loadSeeds, makeCase, rng, seedFolders, writeCase, type Totals } from './harness.js';

const long = process.env.DTMAP_FUZZ_SECONDS !== undefined || process.env.DTMAP_FUZZ_COUNT !== undefined;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dtmap-fuzz-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe('fuzz', () => {
  it(
    long ? 'long run' : 'generated hostile inputs end in a report or one clean error line',
    async () => {
      const seed = Number(process.env.DTMAP_FUZZ_SEED ?? 1);
      const totals: Totals = await fuzz({
        seed,
        count: long ? (process.env.DTMAP_FUZZ_COUNT ? Number(process.env.DTMAP_FUZZ_COUNT) : undefined) : 120,
        seconds: process.env.DTMAP_FUZZ_SECONDS ? Number(process.env.DTMAP_FUZZ_SECONDS) : undefined,
        big: long ? 0.05 : 0,
        saveDir: long ? path.resolve(process.env.DTMAP_FUZZ_OUT ?? 'fuzz-out') : undefined,
        workDir: work,
        onProgress: long
          ? (t) => process.stderr.write(`fuzz: ${t.tried} inputs, ${t.findings.length} findings\n`)
          : undefined,
      });
      const line = `fuzz: seed ${seed}: ${totals.tried} inputs (dts ${totals.byTarget.dts}, dtb ${totals.byTarget.dtb}, overlay ${totals.byTarget.overlay}, live ${totals.byTarget.live}): ${totals.clean} checked, ${totals.rejected} rejected with one clean line, ${totals.findings.length} crashes or hangs`;
      process.stderr.write(line + '\n');
      for (const f of totals.findings)
        process.stderr.write(`  ${f.kind} ${f.target}: ${f.message}${f.saved ? ` (saved in ${f.saved})` : ''}\n`);
      // the mutations must reach both outcomes, or the run proves little
      expect(totals.clean).toBeGreaterThan(totals.tried / 20);
      expect(totals.rejected).toBeGreaterThan(totals.tried / 20);
      expect(totals.findings).toEqual([]);
    },
    long ? 24 * 3600_000 : 120_000,
  );
});

describe('fuzz through the CLI', () => {
  it('generated hostile inputs exit with 0, 1 or 2 and at most clean error lines, in every command', () => {
    const seeds = loadSeeds();
    const r = new Rand(rng(Number(process.env.DTMAP_FUZZ_SEED ?? 1) + 1));
    const include = seedFolders(seeds).flatMap((d) => ['-I', d]);
    const seen = new Set<number>();
    for (let n = 0; n < 4; n++) {
      const c = makeCase(r, seeds, false, n);
      const dir = path.join(work, `cli${n}`);
      writeCase(c, dir);
      const file = path.join(dir, c.main);
      const overlays = c.overlays.flatMap((o) => ['--overlay', path.join(dir, o)]);
      const live = c.target === 'live' ? ['--live'] : [];
      for (const args of [
        ['check', ...live, ...overlays, file],
        ['query', ...overlays, file, '0'],
        ['compile', file, '-o', path.join(dir, 'out.dtb')],
      ]) {
        const p = spawnSync(process.execPath, ['bin/dtmap.cjs', ...args, ...(args[0] === 'query' ? [] : include)], {
          encoding: 'utf8',
          env: { ...process.env, NO_COLOR: '1' },
        });
        const what = `${args.join(' ')} (${c.seed}: ${c.steps.join('; ')})`;
        expect([0, 1, 2], what).toContain(p.status);
        expect(p.stderr, what).not.toMatch(/internal error|TypeError|RangeError|ReferenceError|\n\s+at /);
        seen.add(p.status!);
      }
    }
    expect(seen.has(2)).toBe(true);
  });
});
