// The CLI tests run the bundled CLI as users do: build it once before the run.
import { execFileSync } from 'node:child_process';
export default function setup(): void {
  execFileSync(process.execPath, ['scripts/build.mjs', '--no-types'], { stdio: 'inherit' });
}
