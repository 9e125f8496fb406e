// Hostile inputs through the CLI as users run it: each limit of src/limits.ts is exit 2 with one
// clean line at file:line:col, and inputs inside the limits work under a 1 GiB address space.
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'dtmap-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (args: string[], ulimitKiB?: number) => {
  const cmd = [process.execPath, 'bin/dtmap.cjs', ...args];
  const r = ulimitKiB
    ? spawnSync('sh', ['-c', `ulimit -v ${ulimitKiB} && exec "$@"`, 'sh', ...cmd], {
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1' },
      })
    : spawnSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

/** A file of `size` bytes that takes no disk space (all NUL). */
const sparse = (name: string, size: number) => {
  const p = join(dir, name);
  const fd = openSync(p, 'w');
  ftruncateSync(fd, size);
  closeSync(fd);
  return p;
};

/** The run failed with exactly one clean stderr line. */
function rejects(r: { code: number | null; err: string }, line: string | RegExp) {
  expect(r.code).toBe(2);
  const lines = r.err.trim().split('\n');
  expect(lines).toHaveLength(1);
  if (typeof line === 'string') expect(lines[0]).toBe(line);
  else expect(lines[0]).toMatch(line);
  expect(r.err).not.toMatch(/internal error|TypeError|RangeError|\n\s+at /);
}

const linux = process.platform === 'linux';

describe('hostile inputs', () => {
  it('a macro that doubles at each of 40 levels stops at the expansion limit', () => {
    let src = '/dts-v1/;\n#define L0 x\n';
    for (let i = 1; i <= 40; i++) src += `#define L${i} L${i - 1} L${i - 1}\n`;
    src += '/ { p = "L40"; q = L40; };\n';
    const p = file('exp.dts', src);
    rejects(run(['check', p]), `${p}:43:20: error: macro expansion builds more than 8000000 tokens (dtmap's limit)`);
  });

  it('a file with more than 1000000 tokens is refused where the limit is passed', () => {
    const p = file('cells.dts', '/dts-v1/;\n/ { p = <' + '1 '.repeat(1_000_100) + '>; };\n');
    rejects(run(['check', p]), `${p}:2:1999988: error: more than 1000000 tokens in one file (dtmap's limit)`);
  });

  it('a file over 64 MiB is refused before it is read, as DTS, DTB, include and /incbin/', () => {
    const size = 64 * 1024 * 1024 + 1;
    const dts = sparse('big.dts', size);
    rejects(run(['check', dts]), `dtmap: error: ${dts}: file of ${size} bytes is larger than 64 MiB (dtmap's limit)`);
    const dtb = sparse('big.dtb', size);
    rejects(run(['check', dtb]), `dtmap: error: ${dtb}: file of ${size} bytes is larger than 64 MiB (dtmap's limit)`);
    const inc = file('inc.dts', '/dts-v1/;\n#include "big.dts"\n');
    rejects(run(['check', inc]), `${dts}:1:1: error: file of ${size} bytes is larger than 64 MiB (dtmap's limit)`);
    const dinc = file('dinc.dts', '/dts-v1/;\n/include/ "big.dts"\n');
    rejects(run(['check', dinc]), `${dinc}:2:1: error: file of ${size} bytes is larger than 64 MiB (dtmap's limit)`);
    const bin = file('bin.dts', '/dts-v1/;\n/ { p = /incbin/("big.dts"); };\n');
    rejects(run(['check', bin]), `${bin}:2:9: error: file of ${size} bytes is larger than 64 MiB (dtmap's limit)`);
  });

  it('property values over 64 MiB in all are refused', () => {
    sparse('40m.bin', 40 * 1024 * 1024);
    const p = file('incbin2.dts', '/dts-v1/;\n/ { p = /incbin/("40m.bin"); q = /incbin/("40m.bin"); };\n');
    rejects(run(['check', p]), `${p}:2:34: error: property values larger than 64 MiB in all (dtmap's limit)`);
  });

  it.runIf(linux)('a 50 MB property value works under a 1 GiB address-space limit, and so do worker runs', () => {
    const p = file('str.dts', '/dts-v1/;\n/ { p = "' + 'a'.repeat(50_000_000) + '"; };\n');
    const r = run(['check', p], 1048576);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    // several files would start worker threads, which cannot start under the limit: one thread
    const boards = ['a', 'b', 'c', 'd', 'e'].map((n) => file(`${n}.dts`, '/dts-v1/;\n/ { compatible = "x"; };\n'));
    const w = run(['check', '-j', '4', ...boards], 1048576);
    expect(w.err).toBe('');
    expect(w.code).toBe(0);
  });
});
