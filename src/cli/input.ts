// Reading an input file into a tree: DTB by its magic, DTS by its text.
import { readFileSync, statSync } from 'node:fs';
import { DtbError, isDtb, readDtb } from '../dtb/read.js';
import type { Tree } from '../tree/model.js';

/** A bad input or bad usage: one line on stderr, exit code 2. */
export class InputError extends Error {
  override name = 'InputError';
}

export interface InputOptions {
  includeDirs?: string[];
  defines?: Record<string, string>;
  verbose?: boolean;
  /** Overlays (.dtbo / .dtso) applied in order. */
  overlays?: string[];
  /** Read a directory as a live tree (/proc/device-tree form). */
  live?: boolean;
}

const MAX_INPUT = 512 * 1024 * 1024;

export function readBytes(file: string): Uint8Array {
  let size: number;
  try {
    const st = statSync(file);
    if (st.isDirectory()) throw new InputError(`${file}: is a directory`);
    size = st.size;
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  if (size > MAX_INPUT) throw new InputError(`${file}: ${size} bytes is larger than the ${MAX_INPUT} byte limit`);
  return readFileSync(file);
}

export async function loadTree(file: string, opts: InputOptions = {}): Promise<Tree> {
  const bytes = readBytes(file);
  if (isDtb(bytes)) {
    try {
      return readDtb(bytes, file);
    } catch (e) {
      if (e instanceof DtbError) throw new InputError(e.message);
      throw e;
    }
  }
  if (/\.dtb$|\.dtbo$/.test(file)) return readDtb(bytes, file); // throws the bad-magic error
  return loadDts(file, opts);
}

async function loadDts(file: string, _opts: InputOptions): Promise<Tree> {
  throw new InputError(`${file}: not a DTB (bad magic); DTS input is not supported yet`);
}
