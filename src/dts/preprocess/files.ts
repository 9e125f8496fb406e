// Reading and lexing source files, with a module-level cache: headers such as dt-bindings are
// lexed once per process, not once per board (keyed by path and mtime/size, or by content when a
// readFile hook supplies the text). Parsed `#define`s and memoised inclusions (memo.ts) are
// cached on the file too. The cache is bounded by an estimate of its size in bytes and drops the
// least recently used files first, so a long run over many boards stays in the same memory.

import * as fs from 'node:fs';
import { checkFileSize } from '../../limits.js';
import { BOL, Kind, isDirectiveHash, lexFile, tokenText, type LexedFile } from './lexer.js';
import type { MacroDef } from './macro.js';
import { MAX_VARIANTS, type Memo } from './memo.js';

export interface SourceFile extends LexedFile {
  /** Distinct for every lexing of every file in this process (memos name files by it). */
  id: number;
  /** Parsed `#define` directives by the index of their `#` token. */
  defines: Map<number, MacroDef>;
  /** For each token index, the index of the next directive line's `#` (built on first use). */
  directiveAfter?: Int32Array;
  /** The include guard macro, null when the file has none (undefined: not computed yet). */
  guard?: string | null;
  /** Memoised inclusions of this file, most recently used first. */
  memos: Memo[];
  /** Estimated memory held: tokens, defines and memos. */
  bytes: number;
  /** Whether the file is (still) in the module cache, so that its bytes count there. */
  cached: boolean;
}

/** Index of the first `#` that starts a line at or after `pos` (count when none). */
export function nextDirective(src: SourceFile, pos: number): number {
  let table = src.directiveAfter;
  if (!table) {
    const n = src.count;
    table = new Int32Array(n + 1);
    let next = n;
    table[n] = next;
    for (let i = n - 1; i >= 0; i--) {
      if (isDirectiveHash(src, i)) next = i;
      table[i] = next;
    }
    src.directiveAfter = table;
    grow(src, 4 * (n + 1));
  }
  return table[Math.min(pos, src.count)]!;
}

/**
 * GCC's multiple-include optimisation: a file whose only content is one `#ifndef GUARD` ...
 * `#endif` group (no `#else`/`#elif` at its top level) produces nothing when GUARD is defined.
 */
export function includeGuard(src: SourceFile): string | null {
  if (src.guard !== undefined) return src.guard;
  src.guard = null;
  const n = src.count;
  if (n < 3 || !isDirectiveHash(src, 0) || tokenText(src, 1) !== 'ifndef' || src.kind[2] !== Kind.Name) return null;
  if (n > 3 && !(src.flags[3]! & BOL)) return null;
  let depth = 0;
  for (let d = 0; d < n; d = nextDirective(src, d + 1)) {
    const directive = d + 1 < n && !(src.flags[d + 1]! & BOL) ? tokenText(src, d + 1) : '';
    if (directive === 'if' || directive === 'ifdef' || directive === 'ifndef') depth++;
    else if (depth === 1 && (directive === 'else' || directive.startsWith('elif'))) return null;
    else if (directive === 'endif' && --depth === 0) {
      let end = d + 1;
      while (end < n && !(src.flags[end]! & BOL)) end++;
      if (end === n) src.guard = tokenText(src, 2);
      return src.guard;
    }
  }
  return null;
}

interface CacheEntry {
  stamp: string;
  text: string | null;
  file: SourceFile;
}

/** Path -> entry, least recently used first. */
const cache = new Map<string, CacheEntry>();
let cacheBytes = 0;
let cacheLimit = 32 * 1024 * 1024;
let nextId = 1;

/** Sets the cache's byte budget (default 32 MiB); 0 keeps nothing between preprocess() runs. */
export function setFileCacheLimit(bytes: number): void {
  cacheLimit = bytes;
  evict();
}

/** The cache's estimated size in bytes. */
export function fileCacheBytes(): number {
  return cacheBytes;
}

function remember(path: string, entry: CacheEntry): void {
  const old = cache.get(path);
  if (old) forget(path, old);
  cache.set(path, entry);
  entry.file.cached = true;
  cacheBytes += entry.file.bytes;
  evict();
}

function forget(path: string, entry: CacheEntry): void {
  cache.delete(path);
  entry.file.cached = false;
  cacheBytes -= entry.file.bytes;
}

/** A cache hit: the entry becomes the most recently used. */
function touch(path: string, entry: CacheEntry): SourceFile {
  cache.delete(path);
  cache.set(path, entry);
  return entry.file;
}

function evict(): void {
  for (const [path, entry] of cache) {
    if (cacheBytes <= cacheLimit) break;
    forget(path, entry);
  }
}

/** Keeps a parsed `#define` on its file, by the index of its `#`. */
export function addDefine(file: SourceFile, hashAt: number, def: MacroDef): void {
  file.defines.set(hashAt, def);
  grow(file, 160 + def.body.length * 112);
}

/** Keeps a memo on its file (replacing the least recently used variant when there are many). */
export function addMemo(file: SourceFile, memo: Memo): void {
  let delta = memo.bytes;
  if (file.memos.length >= MAX_VARIANTS) delta -= file.memos.pop()!.bytes;
  file.memos.unshift(memo);
  grow(file, delta);
}

/** A file holds `bytes` more (or fewer): the cache counts them while it keeps the file. */
function grow(file: SourceFile, bytes: number): void {
  file.bytes += bytes;
  if (file.cached) {
    cacheBytes += bytes;
    evict();
  }
}

export type ReadFile = (path: string) => string | undefined;

/** Loads files for one preprocess() run; remembers lookups so each path is checked once per run. */
export class FileLoader {
  private readonly seen = new Map<string, SourceFile | null>();

  /** `overlay`: in-memory contents that replace the files of those paths (an editor's unsaved buffers). */
  constructor(
    private readonly readFile?: ReadFile,
    private readonly overlay?: ReadonlyMap<string, string>,
  ) {}

  /**
   * The lexed file, or undefined when it does not exist (or is a directory). `keep` false leaves
   * a file that is not cached yet out of the cache: the board file itself, which other boards
   * rarely include, would only push the headers they share out.
   */
  load(path: string, keep = true): SourceFile | undefined {
    const known = this.seen.get(path);
    if (known !== undefined) return known ?? undefined;
    const text = this.overlay?.get(path);
    const file =
      text !== undefined
        ? this.loadText(path, text, keep)
        : this.readFile
          ? this.loadWithHook(path, this.readFile, keep)
          : this.loadFromDisk(path, keep);
    this.seen.set(path, file ?? null);
    return file;
  }

  private loadFromDisk(path: string, keep: boolean): SourceFile | undefined {
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(path, { throwIfNoEntry: false });
    } catch {
      return undefined; // ENOTDIR and friends: not found on this path
    }
    if (!stat || !stat.isFile()) return undefined;
    checkFileSize(stat.size, path);
    const stamp = `${stat.mtimeMs}:${stat.size}:${stat.ino}`;
    const cached = cache.get(path);
    if (cached && cached.stamp === stamp) return touch(path, cached);
    const file = lexSource(fs.readFileSync(path, 'utf8'));
    if (keep) remember(path, { stamp, text: null, file });
    return file;
  }

  private loadWithHook(path: string, readFile: ReadFile, keep: boolean): SourceFile | undefined {
    const text = readFile(path);
    return text === undefined ? undefined : this.loadText(path, text, keep);
  }

  /** A file whose text is given (by the hook or the overlay): cached by content. */
  private loadText(path: string, text: string, keep: boolean): SourceFile {
    checkFileSize(text.length, path);
    const cached = cache.get(path);
    if (cached && cached.text === text) return touch(path, cached);
    const file = lexSource(text);
    if (keep) remember(path, { stamp: '', text, file });
    return file;
  }
}

function lexSource(text: string): SourceFile {
  const lexed = lexFile(text);
  const bytes = 1024 + lexed.count * 18 + lexed.text.length + lexed.marks.length * 96;
  return { ...lexed, id: nextId++, defines: new Map(), memos: [], bytes, cached: false };
}

/** Drops the module-level cache (tests; long-running processes that edit headers in place). */
export function clearFileCache(): void {
  for (const [path, entry] of cache) forget(path, entry);
}
