// Reading and lexing source files, with a module-level cache: headers such as dt-bindings are
// lexed once per process, not once per board (keyed by path and mtime/size, or by content when a
// readFile hook supplies the text). Parsed `#define`s are cached on the file too.

import * as fs from 'node:fs';
import { BOL, Kind, lexFile, type CommentMark, type Token } from './lexer.js';
import type { MacroDef } from './macro.js';

export interface SourceFile {
  tokens: Token[];
  marks: CommentMark[];
  /** Parsed `#define` directives by the index of their `#` token. */
  defines: Map<number, MacroDef>;
  /** For each token index, the index of the next directive line's `#` (built on first use). */
  directiveAfter?: Int32Array;
  /** The include guard macro, null when the file has none (undefined: not computed yet). */
  guard?: string | null;
}

const isDirectiveHash = (t: Token) => (t.flags & BOL) !== 0 && t.kind === Kind.Punct && t.text === '#';

/** Index of the first `#` that starts a line at or after `pos` (tokens.length when none). */
export function nextDirective(src: SourceFile, pos: number): number {
  let table = src.directiveAfter;
  if (!table) {
    const toks = src.tokens;
    table = new Int32Array(toks.length + 1);
    let next = toks.length;
    table[toks.length] = next;
    for (let i = toks.length - 1; i >= 0; i--) {
      if (isDirectiveHash(toks[i]!)) next = i;
      table[i] = next;
    }
    src.directiveAfter = table;
  }
  return table[Math.min(pos, src.tokens.length)]!;
}

/**
 * GCC's multiple-include optimisation: a file whose only content is one `#ifndef GUARD` ...
 * `#endif` group (no `#else`/`#elif` at its top level) produces nothing when GUARD is defined.
 */
export function includeGuard(src: SourceFile): string | null {
  if (src.guard !== undefined) return src.guard;
  src.guard = null;
  const toks = src.tokens;
  const name = toks[2];
  if (toks.length < 3 || !isDirectiveHash(toks[0]!) || toks[1]!.text !== 'ifndef' || name!.kind !== Kind.Name) return null;
  if (toks[3] && !(toks[3].flags & BOL)) return null;
  let depth = 0;
  for (let d = 0; d < toks.length; d = nextDirective(src, d + 1)) {
    const directive = toks[d + 1] && !(toks[d + 1]!.flags & BOL) ? toks[d + 1]!.text : '';
    if (directive === 'if' || directive === 'ifdef' || directive === 'ifndef') depth++;
    else if (depth === 1 && (directive === 'else' || directive.startsWith('elif'))) return null;
    else if (directive === 'endif' && --depth === 0) {
      let end = d + 1;
      while (end < toks.length && !(toks[end]!.flags & BOL)) end++;
      if (end === toks.length) src.guard = name!.text;
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

const cache = new Map<string, CacheEntry>();

export type ReadFile = (path: string) => string | undefined;

/** Loads files for one preprocess() run; remembers lookups so each path is checked once per run. */
export class FileLoader {
  private readonly seen = new Map<string, SourceFile | null>();

  constructor(private readonly readFile?: ReadFile) {}

  /** The lexed file, or undefined when it does not exist (or is a directory). */
  load(path: string): SourceFile | undefined {
    const known = this.seen.get(path);
    if (known !== undefined) return known ?? undefined;
    const file = this.readFile ? this.loadWithHook(path, this.readFile) : this.loadFromDisk(path);
    this.seen.set(path, file ?? null);
    return file;
  }

  private loadFromDisk(path: string): SourceFile | undefined {
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(path, { throwIfNoEntry: false });
    } catch {
      return undefined; // ENOTDIR and friends: not found on this path
    }
    if (!stat || !stat.isFile()) return undefined;
    const stamp = `${stat.mtimeMs}:${stat.size}:${stat.ino}`;
    const cached = cache.get(path);
    if (cached && cached.stamp === stamp) return cached.file;
    const file = lexSource(fs.readFileSync(path, 'utf8'));
    cache.set(path, { stamp, text: null, file });
    return file;
  }

  private loadWithHook(path: string, readFile: ReadFile): SourceFile | undefined {
    const text = readFile(path);
    if (text === undefined) return undefined;
    const cached = cache.get(path);
    if (cached && cached.text === text) return cached.file;
    const file = lexSource(text);
    cache.set(path, { stamp: '', text, file });
    return file;
  }
}

function lexSource(text: string): SourceFile {
  const { tokens, marks } = lexFile(text);
  return { tokens, marks, defines: new Map() };
}

/** Drops the module-level cache (tests; long-running processes that edit headers in place). */
export function clearFileCache(): void {
  cache.clear();
}
