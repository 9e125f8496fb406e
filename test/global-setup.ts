// The CLI tests run the bundled CLI as users do: build it once before the run. The run gets a temp
// directory of its own (TMPDIR, which os.tmpdir() and the CLIs the tests start read); whatever a
// test leaves in it fails the run, so `npm test` leaves nothing in the system's temp directory.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  execFileSync(process.execPath, ['scripts/build.mjs', '--no-types'], { stdio: 'inherit' });
  const outer = tmpdir();
  const own = mkdtempSync(join(outer, 'dtmap-test-run-'));
  process.env.TMPDIR = own;
  return () => {
    const left = readdirSync(own);
    rmSync(own, { recursive: true, force: true });
    process.env.TMPDIR = outer;
    if (!left.length) return;
    // a throw here is only logged ("Error during close"): fail the run by its exit code
    process.stderr.write(`\nFAIL: the tests left ${left.length} entries in the temp directory: ${left.join(', ')}\n`);
    process.exitCode = 1;
  };
}
