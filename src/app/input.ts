// Reading an input file into a tree: DTB by its magic, DTS by its text.
import { existsSync, readFileSync, readSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DtbError, hasMapNames, isDtb, readDtb, validateDtb } from '../dtb/read.js';
import { Node, Tree } from '../tree/model.js';
import type { PreprocessedDts } from '../dts/index.js';
import { isLiveTree, LiveTreeError, readLiveTree } from '../live/read.js';
import { applyOverlay, OverlayError } from '../overlay/apply.js';
import { LimitError, MAX_FILE_BYTES, checkFileSize, mib } from '../limits.js';
import { SourceError, oneLine } from '../errors.js';

/** A bad input or bad usage: one line on stderr, exit code 2. */
export class InputError extends Error {
  override name = 'InputError';
  constructor(
    message: string,
    /** The files read before the error, when it happened while reading an input. */
    readonly files?: string[],
  ) {
    super(message);
  }
}

/** A DTS file after the preprocessor (see preprocessDts()), or its error and the files it read. */
export type PreprocessResult = PreprocessedDts | { error: string; files: string[] };

/** The stderr line for an input error: source errors keep dtc's `file:line:col: error: ...` form. */
export function errorLine(message: string): string {
  message = oneLine(message);
  return /^[^\s:]+:\d+:\d+: error: /.test(message) ? message : `dtmap: error: ${message}`;
}

/** How inputs are read: the settings (src/app/settings.ts) that loading takes. */
export interface InputSettings {
  /** Include directories for DTS input (`-I`; with none, kernelIncludes()). */
  include: string[];
  /** Preprocessor defines for DTS input (`-D`). */
  define: Record<string, string>;
  /** Overlays (.dtbo / .dtso) applied in order. */
  overlays: string[];
  /** Read a directory as a live tree (/proc/device-tree form). */
  live?: boolean;
}

export interface LoadOptions extends Partial<InputSettings> {
  verbose?: boolean;
  /**
   * The caller reads only the maps (`check`): a DTB with no map property name loads as an empty
   * tree, checked but not built (most boards).
   */
  mapsOnly?: boolean;
  /** The file already preprocessed (by the preprocessing worker), or why that failed. */
  preprocessed?: PreprocessResult;
}

export function readBytes(file: string): Uint8Array {
  let size: number;
  try {
    const st = statSync(file);
    if (st.isDirectory()) throw new InputError(`${file}: is a directory`);
    size = st.size;
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(
      `${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`,
    );
  }
  try {
    checkFileSize(size, file);
  } catch (e) {
    throw e instanceof LimitError ? new InputError(`${file}: ${e.message}`) : e;
  }
  return readFileSync(file);
}

/** All of stdin (for `-`: a DTB piped in, e.g. from /sys/firmware/fdt). */
function readStdin(): Uint8Array {
  const chunks: Buffer[] = [];
  let total = 0;
  const buf = Buffer.alloc(1 << 16);
  for (;;) {
    let n: number;
    try {
      n = readSync(0, buf, 0, buf.length, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      if ((e as NodeJS.ErrnoException).code === 'EOF') break;
      throw new InputError(`-: cannot read stdin: ${(e as Error).message}`);
    }
    if (n === 0) break;
    total += n;
    if (total > MAX_FILE_BYTES) throw new InputError(`-: stdin is larger than ${mib(MAX_FILE_BYTES)} (dtmap's limit)`);
    chunks.push(Buffer.from(buf.subarray(0, n)));
  }
  return Buffer.concat(chunks);
}

export async function loadTree(file: string, opts: LoadOptions = {}): Promise<Tree> {
  if (file === '-') {
    const bytes = readStdin();
    if (!isDtb(bytes))
      throw new InputError('-: stdin is not a DTB (only DTBs are read from stdin; give DTS as a file)');
    return dtb(bytes, '-');
  }
  let isDir = false;
  try {
    isDir = statSync(file).isDirectory();
  } catch {
    /* readBytes reports it */
  }
  const base = opts.preprocessed
    ? await dtsTree(opts.preprocessed)
    : isDir
      ? liveTree(file, opts)
      : await fileTree(file, opts);
  for (const o of opts.overlays ?? []) {
    try {
      const overlay = await loadTree(o, { ...opts, overlays: [], preprocessed: undefined, mapsOnly: false });
      base.files.push(...overlay.files);
      applyOverlay(base, overlay, o);
    } catch (e) {
      if (e instanceof OverlayError) throw new InputError(e.message, base.files);
      if (e instanceof InputError) throw new InputError(e.message, [...base.files, ...(e.files ?? [o])]);
      throw e;
    }
  }
  return base;
}

function liveTree(dir: string, opts: LoadOptions): Tree {
  if (!opts.live && !isLiveTree(dir))
    throw new InputError(
      `${dir}: is a directory without a live tree (no property files at its top; use --live to force)`,
    );
  try {
    return readLiveTree(dir, { onWarning: (m) => process.stderr.write(`dtmap: warning: ${m}\n`) });
  } catch (e) {
    if (e instanceof LiveTreeError) throw new InputError(e.message);
    throw e;
  }
}

async function fileTree(file: string, opts: LoadOptions): Promise<Tree> {
  const bytes = readBytes(file);
  if (isDtb(bytes) || /\.dtbo?$/.test(file)) {
    return dtb(bytes, file, opts.mapsOnly && !opts.overlays?.length);
  }
  return loadDts(file, opts);
}

function dtb(bytes: Uint8Array, file: string, mapsOnly = false): Tree {
  try {
    if (mapsOnly && !hasMapNames(bytes)) {
      validateDtb(bytes, file);
      return new Tree(new Node(''), file);
    }
    return readDtb(bytes, file);
  } catch (e) {
    if (e instanceof DtbError) throw new InputError(e.message);
    throw e;
  }
}

/**
 * The kernel's include path (README: DTS input): with no -I, a file under `arch/<arch>/boot/dts/` of a
 * kernel tree gets that tree's `scripts/dtc/include-prefixes`, as the kernel's build passes it.
 */
export function kernelIncludes(file: string): string[] {
  const abs = resolve(file);
  const m = /^(.*)\/arch\/[^/]+\/boot\/dts\//.exec(abs);
  const prefixes = m && join(m[1]!, 'scripts', 'dtc', 'include-prefixes');
  return prefixes && existsSync(prefixes) ? [prefixes] : [];
}

/** The `-I` list for a DTS file: the one given, else the kernel's (kernelIncludes()). */
export function dtsIncludeDirs(file: string, given: string[] | undefined): string[] {
  return given?.length ? given : kernelIncludes(file);
}

/** The dtc-style line of a preprocessor or parser error, or undefined for any other error. */
export function sourceErrorText(e: unknown): string | undefined {
  return e instanceof SourceError ? e.format() : undefined;
}

/** Runs the preprocessor on a DTS file; a source error comes back as its dtc-style line. */
async function preprocessFile(file: string, opts: LoadOptions): Promise<PreprocessResult> {
  const { preprocessDts } = await import('../dts/index.js');
  const includeDirs = dtsIncludeDirs(file, opts.include);
  if (opts.verbose && !opts.include?.length && includeDirs.length)
    process.stderr.write(`dtmap: ${file}: using the kernel include path ${includeDirs[0]}\n`);
  try {
    return preprocessDts(file, { includeDirs, defines: opts.define });
  } catch (e) {
    if (!(e instanceof SourceError)) throw e;
    return { error: e.format(), files: e.files };
  }
}

/**
 * The first half of loading a DTS file, for the preprocessing worker: undefined when the file is
 * not DTS (a directory, a DTB), which the checking side then reads as usual.
 */
export async function preprocessInput(file: string, opts: LoadOptions): Promise<PreprocessResult | undefined> {
  if (file === '-' || /\.dtbo?$/.test(file)) return undefined;
  let bytes: Uint8Array;
  try {
    if (statSync(file).isDirectory()) return undefined;
    bytes = readBytes(file);
  } catch {
    return undefined; // the checking side reports it
  }
  return isDtb(bytes) ? undefined : preprocessFile(file, opts);
}

/** The second half: parse the preprocessed text into the tree, with its suppression comments. */
async function dtsTree(pp: PreprocessResult): Promise<Tree> {
  if ('error' in pp) throw new InputError(pp.error, pp.files);
  const { compilePreprocessed } = await import('../dts/index.js');
  try {
    const { tree, files, suppressions } = compilePreprocessed(pp);
    tree.suppressions = suppressions;
    tree.files = files;
    return tree;
  } catch (e) {
    if (!(e instanceof SourceError)) throw e;
    throw new InputError(e.format(), e.files);
  }
}

async function loadDts(file: string, opts: LoadOptions): Promise<Tree> {
  return dtsTree(await preprocessFile(file, opts));
}
