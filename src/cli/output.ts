// Reports written to files are written atomically: a temporary file beside it, then a rename.
// And never over an input: checkOutputs() runs before anything is written.
import { renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { InputError } from '../app/input.js';

export function writeAtomic(file: string, text: string | Uint8Array): void {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new InputError(`${file}: cannot write: ${(e as Error).message}`);
  }
}

/** A file about to be written, and the option that names it (`-o`, `--write-baseline`). */
export interface Output {
  option: string;
  file: string;
}

/** Device and inode: the same for a file, its hard links and the symlinks to it. */
function identity(path: string): string | undefined {
  try {
    const st = statSync(path, { bigint: true }); // inode numbers can pass 2^53
    return `${st.dev}:${st.ino}`;
  } catch {
    return undefined; // does not exist (yet), or cannot be reached: not an input
  }
}

/**
 * Throws when an output is one of the inputs, by device and inode (so a hard link or a symlink
 * to an input counts), or lies inside an input directory (a live tree). `inputs` are the files
 * given and every file they read (includes, overlays, the configuration, the baseline). An
 * output that does not exist yet is fine; two outputs on one file are not.
 */
export function checkOutputs(outputs: Output[], inputs: Iterable<string>): void {
  if (!outputs.length) return; // nothing is written: no input to stat
  const written = new Map<string, Output>();
  const folders = new Map<string, Output>(); // the output's folder and every folder above it
  for (const out of outputs) {
    const id = identity(out.file) ?? resolve(out.file);
    const twice = written.get(id);
    if (twice) throw new InputError(`${out.option} ${out.file} is also the ${twice.option} file; nothing written`);
    written.set(id, out);
    for (let dir = resolve(dirname(out.file)); ; dir = dirname(dir)) {
      const d = identity(dir);
      if (d && !folders.has(d)) folders.set(d, out);
      if (dirname(dir) === dir) break;
    }
  }
  for (const input of new Set(inputs)) {
    if (input === '-') continue;
    const id = identity(input);
    if (!id) continue;
    const out = written.get(id) ?? (statSync(input).isDirectory() ? folders.get(id) : undefined);
    if (out) throw new InputError(`${out.option} ${out.file} is also an input (${input}); nothing written`);
  }
}
