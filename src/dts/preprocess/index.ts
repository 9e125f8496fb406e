// The built-in C preprocessor for `.dts` files: what the kernel runs as
// `cpp -nostdinc -I scripts/dtc/include-prefixes -undef -D__DTS__ -x assembler-with-cpp`,
// producing text that dtc lexes into the same tokens, plus a map back to the sources.

import type { Span } from '../../tree/model.js';
import { MAX_EXPANSION_TOKENS, MAX_OUTPUT_BYTES, MAX_TOKENS } from '../../limits.js';
import { Engine } from './engine.js';
import { locator, type SourceMap } from './sourcemap.js';

import { PreprocessError } from './error.js';

export { PreprocessError } from './error.js';
export { clearFileCache, fileCacheBytes, setFileCacheLimit } from './files.js';
export { locator, sourceMapBuffers, type SourceMap } from './sourcemap.js';

export interface PreprocessOptions {
  /** `-I DIR`, in order. */
  includeDirs?: string[];
  /** `-D NAME[=VAL]` ("1" when no value); `NAME(args)` defines a function-like macro. */
  defines?: Record<string, string>;
  /** Reads a file (a cache hook); undefined means not found. Default: fs.readFileSync. */
  readFile?: (path: string) => string | undefined;
  /** Path -> text read instead of that file (unsaved editor buffers); other paths as usual. */
  overlay?: ReadonlyMap<string, string>;
  /** Default 200, like cpp. */
  maxIncludeDepth?: number;
  /** Nesting limit for macro expansions and macro arguments; default 1000. */
  maxExpansionDepth?: number;
  /** Default 64 MiB (limits.ts). */
  maxOutputBytes?: number;
  /** Tokens lexed in all the files read; default MAX_TOKENS (limits.ts). */
  maxTokens?: number;
  /** Tokens built by macro expansion; default MAX_EXPANSION_TOKENS (limits.ts). */
  maxExpansionTokens?: number;
}

/** A comment containing `dtmap-disable-next-line`; text is the comment body, trimmed. */
export interface Suppression {
  file: string;
  line: number;
  column: number;
  text: string;
}

export interface Preprocessed {
  /** Expanded output: no line markers, comments removed. */
  text: string;
  /** Output offset -> where the token there was written (for macro output: the invocation). */
  locate(offset: number): Span;
  /** The same as plain data (see sourcemap.ts). */
  map: SourceMap;
  /** Every file read, the input first. */
  files: string[];
  suppressions: Suppression[];
}

export function preprocess(file: string, opts: PreprocessOptions = {}): Preprocessed {
  const engine = new Engine({
    includeDirs: opts.includeDirs ?? [],
    defines: opts.defines ?? {},
    readFile: opts.readFile,
    overlay: opts.overlay,
    maxIncludeDepth: opts.maxIncludeDepth ?? 200,
    maxExpansionDepth: opts.maxExpansionDepth ?? 1000,
    maxOutputBytes: opts.maxOutputBytes ?? MAX_OUTPUT_BYTES,
    maxTokens: opts.maxTokens ?? MAX_TOKENS,
    maxExpansionTokens: opts.maxExpansionTokens ?? MAX_EXPANSION_TOKENS,
  });
  try {
    engine.run(file);
  } catch (e) {
    if (e instanceof PreprocessError) e.files = [...engine.filesRead];
    throw e;
  }
  const text = engine.out.text();
  const map = engine.out.sourceMap(engine.instances);
  const suppressions: Suppression[] = [];
  for (const path of engine.filesRead) {
    for (const m of engine.marks.get(path)!) suppressions.push({ file: path, ...m });
  }
  return { text, locate: locator(map, file, text.length), map, files: engine.filesRead, suppressions };
}
