// Memoised inclusions. Most of a board's preprocessing is the same `.dtsi` and `dt-bindings`
// headers that the previous boards included: once one inclusion of a file has been run, what it
// did is kept (the text and source map it printed, the macros it defined, the files it read)
// together with everything it looked at from outside: each macro it read before defining it
// itself, each file path it tried, `#pragma once` marks. When the same file is included again
// and everything it looked at is as it was, the recorded effects are replayed instead. The
// preprocessor is deterministic, so this gives exactly what running the file again would.
//
// A Recording collects one inclusion while it runs; a finished Recording becomes a Memo on the
// file (SourceFile.memos), up to a few variants per file (the same header seen with different
// macros defined beforehand). An inclusion that uses a built-in macro (`__FILE__`, `__LINE__`,
// `__COUNTER__`, ...) is not memoised.

import type { CommentMark } from './lexer.js';
import type { Token } from './lexer.js';
import type { MacroDef } from './macro.js';

/** Marks a name the recording wrote before it read it (not a dependency). */
export const WRITTEN = 1;
type Touch = MacroDef | undefined | typeof WRITTEN;

/** One inclusion being run: what it has looked at so far. */
export class Recording {
  /** Macro names in the order first touched: the definition read, or WRITTEN. */
  readonly macros = new Map<string, Touch>();
  /** `#pragma once` / `#import` marks read (true: marked), or WRITTEN. */
  readonly once = new Map<string, boolean | typeof WRITTEN>();
  /** File paths tried, with the id of the file found (0: none). */
  readonly loads = new Map<string, number>();
  /** The deepest include stack an `#include` was written at (the depth limit's input). */
  maxIncludeAt = 0;
  /** Set when the inclusion depended on something no memo can capture (a built-in macro). */
  uncacheable = false;

  constructor(
    /** Length of Engine.instances, writeLog, onceLog and noteLog when the file was entered. */
    readonly instStart: number,
    readonly writeStart: number,
    readonly onceStart: number,
    readonly noteStart: number,
    /** Include stack length with the file on it. */
    readonly depth: number,
    readonly work: number,
  ) {}

  /** A macro looked up: a dependency unless this recording touched the name before. */
  read(name: string, def: MacroDef | undefined): void {
    if (!this.macros.has(name)) this.macros.set(name, def);
  }

  write(name: string): void {
    if (!this.macros.has(name)) this.macros.set(name, WRITTEN);
  }

  readOnce(path: string, marked: boolean): void {
    if (!this.once.has(path)) this.once.set(path, marked);
  }

  writeOnce(path: string): void {
    if (!this.once.has(path)) this.once.set(path, WRITTEN);
  }

  load(path: string, id: number): void {
    if (!this.loads.has(path)) this.loads.set(path, id);
  }

  /** A nested inclusion finished: what it looked at counts for this one too. */
  absorb(inner: Recording): void {
    for (const [name, t] of inner.macros) if (!this.macros.has(name)) this.macros.set(name, t);
    for (const [path, t] of inner.once) if (!this.once.has(path)) this.once.set(path, t);
    for (const [path, id] of inner.loads) if (!this.loads.has(path)) this.loads.set(path, id);
    if (inner.maxIncludeAt > this.maxIncludeAt) this.maxIncludeAt = inner.maxIncludeAt;
    if (inner.uncacheable) this.uncacheable = true;
  }
}

/** What one inclusion of a file did, and the conditions under which it would do it again. */
export interface Memo {
  /** Engine settings that change how files are found (include folders, limits). */
  readonly setting: string;
  /** Index of the -I folder the file was found in (for #include_next), -1 otherwise. */
  readonly dirIndex: number;

  // ---- conditions
  /** Macros read before being defined here, with the definition they had (undefined: none). */
  readonly readNames: string[];
  readonly readDefs: (MacroDef | undefined)[];
  readonly onceNames: string[];
  readonly onceMarked: boolean[];
  readonly loadPaths: string[];
  readonly loadIds: number[];
  /** Deepest `#include` relative to the file's own depth (-1: none). */
  readonly includeDepth: number;
  /** Output state read by the first token printed (null when nothing was printed). */
  readonly avoidPasteIn: boolean | null;

  // ---- effects
  /** Final definitions of the macros written (undefined: #undef). */
  readonly writeNames: string[];
  readonly writeDefs: (MacroDef | undefined)[];
  readonly onceAdded: string[];
  /** Files noted as read (Engine.noteFile), in order: the file itself first. */
  readonly notedPaths: string[];
  readonly notedMarks: CommentMark[][];
  /** Inclusions made: the file itself first; chain is includedFrom after the file's own. */
  readonly instances: { file: string; chain: string[] }[];
  readonly text: string;
  /** Segments: output offset from the start of `text`, instance index relative to the file's. */
  readonly segOut: Int32Array;
  readonly segInst: Int32Array;
  readonly segLine: Int32Array;
  readonly segCol: Int32Array;
  readonly segFixed: Uint8Array;
  readonly work: number;
  /** Output state after the file (when avoidPasteIn is not null). */
  readonly prev: Token | null;
  readonly source: Token | null;
  readonly avoidPasteOut: boolean;
  /** Last macro expansion point set inside the file (instance relative; -1: none). */
  readonly invInst: number;
  readonly invLine: number;
  readonly invCol: number;
  /** Rough size in memory, for the cache's byte budget. */
  readonly bytes: number;
}

/** Variants kept per file; the most recently used first. */
export const MAX_VARIANTS = 6;

export function memoBytes(m: Omit<Memo, 'bytes'>): number {
  let b = 200 + m.text.length + m.segOut.length * 17;
  b += (m.readNames.length + m.writeNames.length) * 40;
  b += (m.loadPaths.length + m.onceNames.length + m.notedPaths.length + m.onceAdded.length) * 64;
  for (const i of m.instances) b += 64 + i.chain.length * 48;
  return b;
}
