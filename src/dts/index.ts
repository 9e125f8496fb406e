// The DTS front end: the built-in C preprocessor (what the kernel runs before dtc), then the
// dtc-exact parser. `readDts(file)` gives the same tree that `cpp | dtc` would flatten.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Tree } from '../tree/model.js';
import { locator, preprocess, sourceMapBuffers } from './preprocess/index.js';
import type { SourceMap, Suppression } from './preprocess/index.js';
import { parseDts } from './parse.js';
import { DtsError } from './errors.js';
import { checkFileSize } from '../limits.js';

export { parseDts, DtsError } from './parse.js';
export type { ParseDtsOptions, IncludedText } from './parse.js';
export { PreprocessError } from './preprocess/index.js';
export type { Suppression } from './preprocess/index.js';

export interface ReadDtsOptions {
  /** `-I DIR` for `#include` (and, after the including file's folder, for dtc's `/include/`). */
  includeDirs?: string[];
  /** `-D NAME[=VALUE]` */
  defines?: Record<string, string>;
  /** Build `/__symbols__` like `dtc -@`. */
  symbols?: boolean;
  /** Path -> text read instead of that file (an editor's unsaved buffers). */
  overlay?: ReadonlyMap<string, string>;
}

export interface CompiledDts {
  tree: Tree;
  /** Every file read: the input first, then `#include`d and `/include/`d files. */
  files: string[];
  /** `dtmap-disable-next-line` comments. */
  suppressions: Suppression[];
}

/** Preprocess and parse a `.dts` file; throws PreprocessError or DtsError. */
export function readDts(file: string, opts: ReadDtsOptions = {}): Tree {
  return compileDts(file, opts).tree;
}

/** readDts() plus what the preprocessor saw (files, suppressions). */
export function compileDts(file: string, opts: ReadDtsOptions = {}): CompiledDts {
  return compilePreprocessed(preprocessDts(file, opts), opts);
}

/**
 * A `.dts` file after the C preprocessor, as plain data: it can be posted to another thread
 * (transfer `preprocessedBuffers(pp)`) and parsed there with compilePreprocessed().
 */
export interface PreprocessedDts {
  file: string;
  includeDirs: string[];
  text: string;
  map: SourceMap;
  /** Every file the preprocessor read, the input first. */
  files: string[];
  suppressions: Suppression[];
}

/** The first half of compileDts(): the C preprocessor. Throws PreprocessError. */
export function preprocessDts(file: string, opts: ReadDtsOptions = {}): PreprocessedDts {
  const includeDirs = opts.includeDirs ?? [];
  const pp = preprocess(file, { includeDirs, defines: opts.defines, overlay: opts.overlay });
  return { file, includeDirs, text: pp.text, map: pp.map, files: pp.files, suppressions: pp.suppressions };
}

/** What to transfer rather than copy when posting a PreprocessedDts. */
export function preprocessedBuffers(pp: PreprocessedDts): ArrayBuffer[] {
  return sourceMapBuffers(pp.map);
}

/** The second half of compileDts(): dtc's parser and checks. Throws DtsError. */
export function compilePreprocessed(
  pp: PreprocessedDts,
  opts: Pick<ReadDtsOptions, 'symbols' | 'overlay'> = {},
): CompiledDts {
  const { file, includeDirs } = pp;
  const files = [...pp.files];
  // dtc's own `/include/` and `/incbin/`: next to the file that says it (a path relative to the
  // current directory when that file is the input itself, as dtc resolves it), then the board's
  // folder and the include directories (the kernel passes them to dtc with `-i`).
  const search = (name: string, from: string): string | undefined => {
    const dirs = [path.dirname(from), path.dirname(file), ...includeDirs];
    for (const d of path.isAbsolute(name) ? [''] : dirs) {
      const p = d ? path.join(d, name) : name;
      if (opts.overlay?.has(p)) return p;
      try {
        if (fs.statSync(p).isFile()) return p;
      } catch {
        // not here
      }
    }
    return undefined;
  };
  const parse = () =>
    parseDts(pp.text, locator(pp.map, file, pp.text.length), {
      file,
      symbols: opts.symbols,
      readInclude: (name, from) => {
        const p = search(name, from);
        if (!p) return undefined;
        files.push(p);
        const text = opts.overlay?.get(p);
        if (text === undefined) checkFileSize(fs.statSync(p).size, p);
        return { text: text ?? fs.readFileSync(p, 'utf8'), file: p };
      },
      readBinary: (name, from) => {
        const p = search(name, from);
        if (!p) return undefined;
        files.push(p);
        checkFileSize(fs.statSync(p).size, p);
        return new Uint8Array(fs.readFileSync(p));
      },
    });
  try {
    return { tree: parse(), files, suppressions: pp.suppressions };
  } catch (e) {
    if (e instanceof DtsError) e.files = files;
    throw e;
  }
}
