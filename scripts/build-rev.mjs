// Another revision of dtmap beside this checkout, for the scripts that compare two builds
// (scripts/same-output.mjs, bench/run.mjs --base): checked out with `git worktree add` into a
// directory, node_modules linked from this checkout's, dist/ built by `scripts/build.mjs --no-types`.
import { execFileSync } from 'node:child_process';
import { realpathSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The top of this checkout. */
export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const git = (...args) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' }).trim();

/** The full hash of REV, or undefined when it names no commit. */
export function commitOf(rev) {
  try {
    return git('rev-parse', '--verify', '--quiet', `${rev}^{commit}`);
  } catch {
    return undefined;
  }
}

/** Builds dist/ of the checkout at `dir` (no type declarations); returns the seconds it took. */
export function build(dir) {
  const t = performance.now();
  execFileSync(process.execPath, ['scripts/build.mjs', '--no-types'], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return (performance.now() - t) / 1000;
}

/**
 * The commit `rev` checked out at `dir` (which must not exist) and built: its bin/dtmap.cjs, the
 * build's seconds, and remove() to take the worktree away again.
 */
export function checkoutRev(rev, dir) {
  execFileSync('git', ['worktree', 'add', '--detach', '--quiet', dir, rev], { cwd: repo, stdio: 'inherit' });
  const remove = () => {
    try {
      execFileSync('git', ['worktree', 'remove', '--force', dir], { cwd: repo, stdio: 'ignore' });
    } catch {
      rmSync(dir, { recursive: true, force: true });
      execFileSync('git', ['worktree', 'prune'], { cwd: repo, stdio: 'ignore' });
    }
  };
  try {
    symlinkSync(realpathSync(path.join(repo, 'node_modules')), path.join(dir, 'node_modules'));
    return { bin: path.join(dir, 'bin', 'dtmap.cjs'), seconds: build(dir), remove };
  } catch (e) {
    remove();
    throw e;
  }
}
