// The preprocessor proper: GCC's cpp_get_token loop (libcpp macro.cc), directives
// (directives.cc) and the include stack, for `cpp -undef -D__DTS__ -x assembler-with-cpp`.
//
// Tokens flow from a stack of contexts (macro expansions, pre-expanded arguments, pasted
// tokens) above the base lexer (the current file). Padding tokens carry the spacing information
// that Output uses to print exactly where GCC prints a space.

import { LimitError, mib } from '../../limits.js';
import { PreprocessError } from './error.js';
import { ExprError, evaluateIf, type ExprSource } from './expr.js';
import {
  FileLoader,
  addDefine,
  addMemo,
  includeGuard,
  nextDirective,
  type ReadFile,
  type SourceFile,
} from './files.js';
import {
  BOL,
  Kind,
  LexError,
  NO_EXPAND,
  PASTE_LEFT,
  PREV_WHITE,
  STRINGIFY_ARG,
  isPunct,
  lexSingle,
  lexTokens,
  tokenAt,
  makeToken,
  withFlags,
  type CommentMark,
  type Token,
} from './lexer.js';
import { DefineError, checkMacroName, parseDefine, stringify, type MacroDef } from './macro.js';
import { Recording, WRITTEN, memoBytes, type Memo } from './memo.js';
import { Output, OutputTooLarge, type RegionMark } from './output.js';

export interface EngineOptions {
  includeDirs: string[];
  defines: Record<string, string>;
  readFile?: ReadFile;
  overlay?: ReadonlyMap<string, string>;
  maxIncludeDepth: number;
  maxExpansionDepth: number;
  maxOutputBytes: number;
  maxTokens: number;
  maxExpansionTokens: number;
}

/** One inclusion of a file (the same header included twice is two instances). */
export interface Instance {
  file: string;
  includedFrom: string[];
}

interface FileState {
  path: string;
  /** Folder prefix for `#include "..."` (GCC: the including file's directory as named). */
  dir: string;
  src: SourceFile;
  /** The file's tokens as objects. */
  toks: Token[];
  inst: number;
  pos: number;
  conds: Cond[];
  /** Index of the -I directory the file was found in (for #include_next), -1 otherwise. */
  dirIndex: number;
  /** Set by #line: __LINE__ = physical line + lineDelta. */
  lineDelta: number;
  /** The memo being recorded for this inclusion, if it is memoised. */
  rec: Recording | null;
  /** Where its output starts. */
  mark: RegionMark | null;
  avoidPasteIn: boolean;
}

interface Cond {
  directive: string;
  tok: Token;
  wasSkipping: boolean;
  skipElses: boolean;
  sawElse: boolean;
}

interface Context {
  macro: MacroDef | null;
  tokens: Token[];
  pos: number;
}

interface MacroArg {
  /** As written at the call site; null when a variadic argument was omitted entirely. */
  tokens: Token[] | null;
  expanded: Token[] | null;
  stringified: Token | null;
}

const EOF = makeToken(Kind.Eof, '');
/** End of a macro argument during pre-expansion (GCC's `pfile->eof`). */
const ARG_EOF = makeToken(Kind.Eof, '');
/** Padding with no source: GCC's `pfile->avoid_paste`. */
const AVOID_PASTE = makeToken(Kind.Padding, '');

function padding(source: Token): Token {
  return { kind: Kind.Padding, text: '', flags: 0, line: 0, col: 0, argIndex: -1, source };
}

const CONDITIONALS = new Set(['if', 'ifdef', 'ifndef', 'elif', 'elifdef', 'elifndef', 'else', 'endif']);
const DIRECTIVES = new Set([
  ...CONDITIONALS,
  'define',
  'undef',
  'include',
  'include_next',
  'import',
  'line',
  'error',
  'warning',
  'pragma',
  'ident',
  'sccs',
  'assert',
  'unassert',
]);

const MONTHS = 'Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec'.split(' ');

const BUILTINS = [
  '__FILE__',
  '__LINE__',
  '__BASE_FILE__',
  '__INCLUDE_LEVEL__',
  '__COUNTER__',
  '__DATE__',
  '__TIME__',
].map((name): MacroDef => ({
  name,
  funLike: false,
  params: [],
  variadic: false,
  body: [],
  builtin: name,
  disabled: false,
}));

/**
 * `-D` definitions by "name value", shared by all runs: memos compare definitions by identity,
 * so the same -D must give the same object each time.
 */
const commandLineDefs = new Map<string, MacroDef>();

export class Engine {
  readonly out: Output;
  readonly instances: Instance[] = [];
  readonly filesRead: string[] = [];
  /** Suppression comments of each file read. */
  readonly marks = new Map<string, CommentMark[]>();

  private readonly macros = new Map<string, MacroDef>();
  private readonly loader: FileLoader;
  private readonly once = new Set<string>();
  private stack: FileState[] = [];
  private cur!: FileState;
  private contexts: Context[] = [];
  private lookahead: Token[] = [];
  private inDirective = false;
  private directiveEnd = 0;
  private parsingArgs = 0;
  private preventExpansion = 0;
  private skipping = false;
  /** Whether the token last returned by next() came out of a macro context. */
  private fromMacro = false;
  /** Expansion point of the outermost macro being expanded (GCC's invocation_location). */
  private invInst = 0;
  private invLine = 0;
  private invCol = 0;
  private argDepth = 0;
  private work = 0;
  /** Tokens of the files this run has expanded. */
  private lexed = 0;
  private counter = 0;
  private mainPath = '';

  /** Token objects of the files this run expands (cached files keep only compact columns). */
  private readonly tokenObjects = new Map<SourceFile, Token[]>();
  // Memoised inclusions (memo.ts): the recordings under way, innermost last (`rec`), and logs
  // of the effects that memos replay (each recording owns the entries made while it runs).
  private readonly recs: Recording[] = [];
  private rec: Recording | null = null;
  private readonly writeNames: string[] = [];
  private readonly writeDefs: (MacroDef | undefined)[] = [];
  private readonly onceLog: string[] = [];
  private readonly notePaths: string[] = [];
  private readonly noteMarks: CommentMark[][] = [];
  /** Settings a memo is only valid under. */
  private readonly setting: string;

  constructor(private readonly opts: EngineOptions) {
    this.out = new Output(opts.maxOutputBytes);
    this.loader = new FileLoader(opts.readFile, opts.overlay);
    // `cpp -undef -x assembler-with-cpp -D__DTS__` predefines exactly these.
    const predefined: Record<string, string> = {
      __STDC__: '1',
      __STDC_HOSTED__: '1',
      __ASSEMBLER__: '1',
      __DTS__: '1',
    };
    for (const [name, value] of Object.entries({ ...predefined, ...opts.defines })) this.commandLineDefine(name, value);
    for (const def of BUILTINS) this.macros.set(def.name, def);
    this.setting = [
      opts.maxIncludeDepth,
      opts.maxExpansionDepth,
      opts.readFile ? 'hook' : 'fs',
      ...opts.includeDirs,
    ].join('\0');
  }

  private commandLineDefine(name: string, value: string): void {
    const key = `${name} ${value}`;
    try {
      let def = commandLineDefs.get(key);
      if (!def) {
        def = parseDefine(lexTokens(key));
        commandLineDefs.set(key, def);
      }
      this.macros.set(def.name, def);
    } catch (e) {
      if (e instanceof DefineError)
        throw new PreprocessError({ file: '<command-line>', line: 1, column: 1 }, `-D${name}: ${e.message}`);
      throw e;
    }
  }

  run(mainPath: string): void {
    this.mainPath = mainPath;
    const src = this.loadFile(mainPath, null, false);
    if (!src)
      throw new PreprocessError({ file: mainPath, line: 1, column: 1 }, `${mainPath}: No such file or directory`);
    this.pushFile(mainPath, src, -1, 0, false);
    try {
      for (;;) {
        const t = this.next();
        if (t.kind === Kind.Eof) break;
        if (t.kind === Kind.Padding) this.out.print(t, 0, 0, 0, false);
        else if (this.fromMacro) this.out.print(t, this.invInst, this.invLine, this.invCol, true);
        else this.out.print(t, this.cur.inst, t.line, t.col, false);
      }
    } catch (e) {
      throw this.asPreprocessError(e);
    } finally {
      for (const c of this.contexts) if (c.macro) c.macro.disabled = false;
    }
  }

  private asPreprocessError(e: unknown): unknown {
    if (e instanceof PreprocessError) return e;
    if (e instanceof OutputTooLarge)
      return this.errorHere(`preprocessed output larger than ${mib(e.limit)} (dtmap's limit)`);
    if (e instanceof RangeError && /call stack/i.test(e.message))
      return this.errorHere('macro expansion nested too deeply');
    return e;
  }

  // ---- errors ----------------------------------------------------------------------------

  private errorAt(message: string, inst: number, line: number, col: number): PreprocessError {
    const i = this.instances[inst]!;
    return new PreprocessError({ file: i.file, line, column: col, includedFrom: i.includedFrom }, message);
  }

  /** Error at a token of the current file (or, inside a macro, at the expansion point). */
  private errorTok(message: string, tok: Token | null, fromMacro = false): PreprocessError {
    if (fromMacro || !tok || tok.line === 0) {
      if (fromMacro || this.contexts.length > 0) return this.errorAt(message, this.invInst, this.invLine, this.invCol);
      return this.errorHere(message);
    }
    return this.errorAt(message, this.cur.inst, tok.line, tok.col);
  }

  private errorHere(message: string): PreprocessError {
    const f = this.cur;
    const t = f.toks[Math.min(f.pos, f.toks.length) - 1];
    return this.errorAt(message, f.inst, t?.line ?? 1, t?.col ?? 1);
  }

  // ---- files -----------------------------------------------------------------------------

  private loadFile(path: string, from: Token | null, keep = true): SourceFile | undefined {
    try {
      const src = this.loader.load(path, keep);
      if (this.rec !== null) this.rec.load(path, src?.id ?? 0);
      return src;
    } catch (e) {
      if (e instanceof LexError || e instanceof LimitError) {
        const includedFrom = this.cur
          ? [...this.instances[this.cur.inst]!.includedFrom, `${this.cur.path}:${from?.line ?? 0}`]
          : [];
        throw new PreprocessError({ file: path, line: e.line, column: e.column, includedFrom }, e.message);
      }
      throw e;
    }
  }

  private pushFile(path: string, src: SourceFile, dirIndex: number, line: number, record: boolean): void {
    let rec: Recording | null = null;
    if (record) {
      rec = new Recording(
        this.instances.length,
        this.writeNames.length,
        this.onceLog.length,
        this.notePaths.length,
        this.stack.length + 1,
        this.work,
      );
      this.recs.push(rec);
      this.rec = rec;
    }
    const parent = this.stack.length ? this.cur : null;
    this.instances.push({ file: path, includedFrom: this.includedFrom(parent, line) });
    this.noteFile(path, src.marks);
    const dir = path.slice(0, path.lastIndexOf('/') + 1);
    const state: FileState = {
      path,
      dir,
      src,
      toks: this.tokensOf(src, path),
      inst: this.instances.length - 1,
      pos: 0,
      conds: [],
      dirIndex,
      lineDelta: 0,
      rec,
      mark: null,
      avoidPasteIn: false,
    };
    this.stack.push(state);
    this.cur = state;
    this.out.fileChange();
    if (rec) {
      state.mark = this.out.mark();
      state.avoidPasteIn = this.out.avoidPasteNext;
    }
  }

  private tokensOf(src: SourceFile, path: string): Token[] {
    let toks = this.tokenObjects.get(src);
    if (!toks) {
      // the token objects are what a run holds in memory: bounded over all the files it reads
      if ((this.lexed += src.count) > this.opts.maxTokens) {
        const message = `more than ${this.opts.maxTokens} tokens in the files read (dtmap's limit)`;
        throw this.stack.length
          ? this.errorHere(message)
          : new PreprocessError({ file: path, line: 1, column: 1 }, message);
      }
      toks = new Array<Token>(src.count);
      for (let i = 0; i < src.count; i++) toks[i] = tokenAt(src, i);
      this.tokenObjects.set(src, toks);
    }
    return toks;
  }

  /** The include chain of a file included from `parent` at `line`. */
  private includedFrom(parent: FileState | null, line: number): string[] {
    return parent ? [...this.instances[parent.inst]!.includedFrom, `${parent.path}:${line}`] : [];
  }

  private noteFile(path: string, marks: CommentMark[]): void {
    this.notePaths.push(path);
    this.noteMarks.push(marks);
    if (!this.marks.has(path)) {
      this.marks.set(path, marks);
      this.filesRead.push(path);
    }
  }

  /** End of the current file: `#if` groups must be closed (GCC: "unterminated #if"). */
  private checkConds(f: FileState): void {
    const open = f.conds[f.conds.length - 1];
    if (open) throw this.errorAt(`unterminated #${open.directive}`, f.inst, open.tok.line, open.tok.col);
  }

  private popFile(): void {
    const done = this.stack.pop()!;
    this.cur = this.stack[this.stack.length - 1]!;
    this.skipping = false;
    this.out.fileChange();
    if (done.rec) this.finishRecording(done);
  }

  // ---- memoised inclusions ---------------------------------------------------------------

  /** Looks a macro up (what a memo depends on). */
  private macro(name: string): MacroDef | undefined {
    const m = this.macros.get(name);
    if (this.rec !== null) this.rec.read(name, m);
    return m;
  }

  private isMacro(name: string): boolean {
    return this.macro(name) !== undefined;
  }

  /** Defines (or, with undefined, undefines) a macro. */
  private setMacro(name: string, def: MacroDef | undefined): void {
    if (def) this.macros.set(name, def);
    else this.macros.delete(name);
    if (this.rec !== null) {
      this.rec.write(name);
      this.writeNames.push(name);
      this.writeDefs.push(def);
    }
  }

  private isOnce(path: string): boolean {
    const marked = this.once.has(path);
    if (this.rec !== null) this.rec.readOnce(path, marked);
    return marked;
  }

  private addOnce(path: string): void {
    this.once.add(path);
    if (this.rec !== null) {
      this.rec.writeOnce(path);
      this.onceLog.push(path);
    }
  }

  /**
   * Enters an included file: replays a memo of it when one applies, else runs it (recording a
   * memo when the inclusion starts in a clean state: not inside macro arguments or expansions).
   */
  private enterFile(path: string, src: SourceFile, dirIndex: number, line: number): void {
    const clean =
      this.contexts.length === 0 &&
      this.lookahead.length === 0 &&
      this.parsingArgs === 0 &&
      this.preventExpansion === 0;
    if (clean) {
      const memos = src.memos;
      for (let i = 0; i < memos.length; i++) {
        const memo = memos[i]!;
        if (!this.applies(memo, dirIndex)) continue;
        if (i > 0) {
          memos.splice(i, 1);
          memos.unshift(memo);
        }
        this.replay(memo, line);
        return;
      }
    }
    this.pushFile(path, src, dirIndex, line, clean);
  }

  /** Whether everything the memo's inclusion looked at is as it was. */
  private applies(m: Memo, dirIndex: number): boolean {
    if (m.dirIndex !== dirIndex || m.setting !== this.setting) return false;
    if (m.avoidPasteIn !== null && m.avoidPasteIn !== this.out.avoidPasteNext) return false;
    if (m.includeDepth >= 0 && this.stack.length + 1 + m.includeDepth >= this.opts.maxIncludeDepth) return false;
    if (this.work + m.work > this.opts.maxExpansionTokens) return false;
    if (this.out.length + 1 + m.text.length > this.out.maxBytes) return false;
    for (let i = 0; i < m.readNames.length; i++) if (this.macros.get(m.readNames[i]!) !== m.readDefs[i]) return false;
    for (let i = 0; i < m.onceNames.length; i++) if (this.once.has(m.onceNames[i]!) !== m.onceMarked[i]) return false;
    for (let i = 0; i < m.loadPaths.length; i++) {
      let found: SourceFile | undefined;
      try {
        found = this.loader.load(m.loadPaths[i]!);
      } catch {
        return false; // a file changed into one that does not lex: run it to report that
      }
      if ((found?.id ?? 0) !== m.loadIds[i]) return false;
    }
    return true;
  }

  /** Does what running the memo's inclusion did. */
  private replay(m: Memo, line: number): void {
    const rec = this.rec;
    if (rec !== null) {
      for (let i = 0; i < m.readNames.length; i++) rec.read(m.readNames[i]!, m.readDefs[i]);
      for (let i = 0; i < m.onceNames.length; i++) rec.readOnce(m.onceNames[i]!, m.onceMarked[i]!);
      for (let i = 0; i < m.loadPaths.length; i++) rec.load(m.loadPaths[i]!, m.loadIds[i]!);
      if (m.includeDepth >= 0) rec.maxIncludeAt = Math.max(rec.maxIncludeAt, this.stack.length + 1 + m.includeDepth);
    }
    const instBase = this.instances.length;
    const includedFrom = this.includedFrom(this.cur, line);
    for (const inst of m.instances) {
      this.instances.push({
        file: inst.file,
        includedFrom: inst.chain.length ? includedFrom.concat(inst.chain) : includedFrom,
      });
    }
    for (let i = 0; i < m.notedPaths.length; i++) this.noteFile(m.notedPaths[i]!, m.notedMarks[i]!);
    for (let i = 0; i < m.writeNames.length; i++) this.setMacro(m.writeNames[i]!, m.writeDefs[i]);
    for (const p of m.onceAdded) this.addOnce(p);
    this.work += m.work;
    this.out.fileChange();
    this.out.replay(m, instBase);
    if (m.invInst >= 0) {
      this.invInst = instBase + m.invInst;
      this.invLine = m.invLine;
      this.invCol = m.invCol;
    }
  }

  /** The file of `f` ended: its recording becomes a memo, and counts for the one around it. */
  private finishRecording(f: FileState): void {
    const rec = f.rec!;
    this.recs.pop();
    const outer = this.recs.length ? this.recs[this.recs.length - 1]! : null;
    this.rec = outer;
    if (outer) outer.absorb(rec);
    const mark = f.mark!;
    const out = this.out;
    const text = out.textSince(mark);
    if (rec.uncacheable) return;
    const s0 = mark.segment;
    const s1 = out.segments;
    const segOut = out.segOut.slice(s0, s1);
    const segInst = out.segInst.slice(s0, s1);
    for (let k = 0; k < s1 - s0; k++) {
      segOut[k]! -= mark.offset;
      segInst[k]! -= rec.instStart;
      if (segInst[k]! < 0) return; // output placed at an inclusion outside this one
    }
    const segLine = out.segLine.slice(s0, s1);
    const segCol = out.segCol.slice(s0, s1);
    const segFixed = out.segFixed.slice(s0, s1);
    const readNames: string[] = [];
    const readDefs: (MacroDef | undefined)[] = [];
    for (const [name, t] of rec.macros) {
      if (t === WRITTEN) continue;
      readNames.push(name);
      readDefs.push(t);
    }
    const onceNames: string[] = [];
    const onceMarked: boolean[] = [];
    for (const [p, t] of rec.once) {
      if (t === WRITTEN) continue;
      onceNames.push(p);
      onceMarked.push(t);
    }
    // the final definition of each name written, in the order first written
    const finalDefs = new Map<string, MacroDef | undefined>();
    for (let i = rec.writeStart; i < this.writeNames.length; i++) finalDefs.set(this.writeNames[i]!, this.writeDefs[i]);
    const ownChain = this.instances[rec.instStart]!.includedFrom.length;
    const printed = out.lineChanges !== mark.lineChanges;
    const body: Omit<Memo, 'bytes'> = {
      setting: this.setting,
      dirIndex: f.dirIndex,
      readNames,
      readDefs,
      onceNames,
      onceMarked,
      loadPaths: [...rec.loads.keys()],
      loadIds: [...rec.loads.values()],
      includeDepth: rec.maxIncludeAt > 0 ? rec.maxIncludeAt - rec.depth : -1,
      avoidPasteIn: printed ? f.avoidPasteIn : null,
      writeNames: [...finalDefs.keys()],
      writeDefs: [...finalDefs.values()],
      onceAdded: [...new Set(this.onceLog.slice(rec.onceStart))],
      notedPaths: this.notePaths.slice(rec.noteStart),
      notedMarks: this.noteMarks.slice(rec.noteStart),
      instances: this.instances
        .slice(rec.instStart)
        .map((i) => ({ file: i.file, chain: i.includedFrom.slice(ownChain) })),
      text,
      segOut,
      segInst,
      segLine,
      segCol,
      segFixed,
      work: this.work - rec.work,
      prev: out.prev,
      source: out.source,
      avoidPasteOut: out.avoidPasteNext,
      invInst: this.invInst >= rec.instStart ? this.invInst - rec.instStart : -1,
      invLine: this.invLine,
      invCol: this.invCol,
    };
    addMemo(f.src, { ...body, bytes: memoBytes(body) });
  }

  // ---- token stream ----------------------------------------------------------------------

  /** GCC's cpp_get_token_1. */
  private next(): Token {
    for (;;) {
      const ctx = this.contexts[this.contexts.length - 1];
      let tok: Token;
      if (ctx === undefined) {
        tok = this.lexBase();
      } else if (ctx.pos < ctx.tokens.length) {
        tok = ctx.tokens[ctx.pos++]!;
        if (tok.flags & PASTE_LEFT) {
          this.pasteAll(ctx, tok);
          if (this.inDirective) continue;
          this.fromMacro = true;
          return padding(tok);
        }
      } else {
        this.popContext();
        if (this.inDirective) continue;
        this.fromMacro = true;
        return AVOID_PASTE;
      }
      const fromMacro = ctx !== undefined;
      this.fromMacro = fromMacro;
      if (tok.kind !== Kind.Name || tok.flags & NO_EXPAND) return tok;
      const m = this.macro(tok.text);
      if (m === undefined) return tok;
      // A macro is not expanded inside its own expansion, and the name stays unexpandable
      // ("painted blue") wherever it goes from here.
      if (m.disabled) return withFlags(tok, tok.flags | NO_EXPAND);
      if (this.preventExpansion) return tok;
      if (!fromMacro) {
        this.invInst = this.cur.inst;
        this.invLine = tok.line;
        this.invCol = tok.col;
      }
      if (this.enterMacro(m, tok, fromMacro)) {
        if (this.inDirective) continue;
        this.fromMacro = true;
        return padding(tok);
      }
      this.fromMacro = fromMacro;
      return tok;
    }
  }

  /** GCC's _cpp_lex_token: the current file, with directives and line changes. */
  private lexBase(): Token {
    for (;;) {
      let tok = this.lookahead.length ? this.lookahead.pop()! : this.lexFile();
      if (tok.flags & BOL) {
        // 6.10.3p11: directives inside macro arguments are processed (GCC does), but not while
        // looking for the `(` of a function-like macro (parsing_args == 1).
        if (tok.kind === Kind.Punct && tok.text === '#' && this.parsingArgs !== 1 && this.directive()) continue;
        // A new line inside macro arguments counts as whitespace.
        if (this.parsingArgs === 2) tok = withFlags(tok, tok.flags | PREV_WHITE);
        else if (this.parsingArgs === 0 && !this.skipping) this.out.lineChange(tok, this.cur.inst);
      }
      return tok;
    }
  }

  private lexFile(): Token {
    for (;;) {
      const f = this.cur;
      const toks = f.toks;
      if (this.inDirective) return f.pos < this.directiveEnd ? toks[f.pos++]! : EOF;
      if (this.skipping) f.pos = nextDirective(f.src, f.pos);
      if (f.pos < toks.length) return toks[f.pos++]!;
      // Macro arguments do not run past the end of a file.
      if (this.parsingArgs !== 0) return EOF;
      this.checkConds(f);
      if (this.stack.length === 1) return EOF;
      this.popFile();
    }
  }

  private backup(tok: Token): void {
    const ctx = this.contexts[this.contexts.length - 1];
    if (ctx) ctx.pos--;
    else this.lookahead.push(tok);
  }

  private pushContext(macro: MacroDef | null, tokens: Token[]): void {
    if (this.contexts.length >= this.opts.maxExpansionDepth) {
      throw this.errorAt(
        `macro expansion nested more than ${this.opts.maxExpansionDepth} levels deep`,
        this.invInst,
        this.invLine,
        this.invCol,
      );
    }
    this.contexts.push({ macro, tokens, pos: 0 });
  }

  private popContext(): void {
    const c = this.contexts.pop()!;
    if (c.macro) c.macro.disabled = false;
  }

  /** Counts tokens materialised by expansion, so runaway expansions stop with an error. */
  private charge(n: number): void {
    this.work += n;
    if (this.work > this.opts.maxExpansionTokens) {
      throw this.errorAt(
        `macro expansion builds more than ${this.opts.maxExpansionTokens} tokens (dtmap's limit)`,
        this.invInst,
        this.invLine,
        this.invCol,
      );
    }
  }

  // ---- macro expansion -------------------------------------------------------------------

  /** GCC's enter_macro_context: false when a function-like macro has no arguments. */
  private enterMacro(m: MacroDef, nameTok: Token, fromMacro: boolean): boolean {
    if (m.builtin !== null) {
      if (this.rec !== null) this.rec.uncacheable = true;
      this.pushContext(null, [this.builtinToken(m.builtin, nameTok, fromMacro)]);
      return true;
    }
    let tokens = m.body;
    if (m.funLike) {
      this.preventExpansion++;
      this.parsingArgs = 1;
      let args: MacroArg[] | null;
      try {
        args = this.funlikeInvocation(m, nameTok, fromMacro);
      } finally {
        this.parsingArgs = 0;
        this.preventExpansion--;
      }
      if (args === null) return false;
      if (m.params.length > 0) tokens = this.replaceArgs(m, args);
    }
    if (!m.funLike) this.charge(tokens.length); // (replaceArgs charged a function-like one)
    m.disabled = true;
    this.pushContext(m, tokens);
    return true;
  }

  /** GCC's funlike_invocation_p: looks for `(`, across lines and context ends. */
  private funlikeInvocation(m: MacroDef, nameTok: Token, fromMacro: boolean): MacroArg[] | null {
    let pad: Token | null = null;
    let tok: Token;
    for (;;) {
      tok = this.next();
      if (tok.kind !== Kind.Padding) break;
      if (pad === null || pad.source === null || (!(pad.source.flags & PREV_WHITE) && tok.source === null)) pad = tok;
    }
    if (isPunct(tok, '(')) {
      this.parsingArgs = 2;
      return this.collectArgs(m, nameTok, fromMacro);
    }
    // Not an invocation: put the token back, and the padding in its own context.
    if (tok.kind !== Kind.Eof || tok === ARG_EOF) {
      this.backup(tok);
      if (pad) this.pushContext(null, [pad]);
    }
    return null;
  }

  /** GCC's collect_args. */
  private collectArgs(m: MacroDef, nameTok: Token, fromMacro: boolean): MacroArg[] {
    const nparams = m.params.length;
    const where = fromMacro
      ? { inst: this.invInst, line: this.invLine, col: this.invCol }
      : { inst: this.cur.inst, line: nameTok.line, col: nameTok.col };
    const args: Token[][] = [];
    let tok: Token;
    do {
      let depth = 0;
      const toks: Token[] = [];
      // A comma inside the variadic (last) argument does not end it.
      const variadicArg = m.variadic && args.length + 1 === nparams;
      for (;;) {
        tok = this.next();
        if (tok.kind === Kind.Padding) {
          if (toks.length === 0) continue; // drop leading padding
        } else if (tok.kind === Kind.Punct) {
          if (tok.text === '(') depth++;
          else if (tok.text === ')') {
            if (depth-- === 0) break;
          } else if (tok.text === ',') {
            if (depth === 0 && !variadicArg) break;
          } else if (tok.text === '#' && tok.flags & BOL) break;
        } else if (tok.kind === Kind.Eof) break;
        toks.push(tok);
      }
      while (toks.length && toks[toks.length - 1]!.kind === Kind.Padding) toks.pop();
      this.charge(toks.length);
      args.push(toks);
    } while (!isPunct(tok, ')') && tok.kind !== Kind.Eof);

    if (tok.kind === Kind.Eof) {
      if (this.contexts.length || this.inDirective) this.backup(tok);
      const message = `unterminated argument list invoking macro "${m.name}"`;
      throw this.contexts.length || this.inDirective
        ? this.errorAt(message, where.inst, where.line, where.col)
        : this.errorHere(message);
    }
    // GCC reports a wrong argument count at the closing parenthesis.
    if (!this.fromMacro) Object.assign(where, { inst: this.cur.inst, line: tok.line, col: tok.col });
    let argc = args.length;
    if (argc === 1 && nparams === 0 && args[0]!.length === 0) argc = 0;
    if (argc < nparams && !(argc + 1 === nparams && m.variadic)) {
      throw this.errorAt(
        `macro "${m.name}" requires ${nparams} arguments, but only ${argc} given`,
        where.inst,
        where.line,
        where.col,
      );
    }
    if (argc > nparams) {
      throw this.errorAt(
        `macro "${m.name}" passed ${argc} arguments, but takes just ${nparams}`,
        where.inst,
        where.line,
        where.col,
      );
    }
    const result: MacroArg[] = [];
    for (let i = 0; i < nparams; i++) result.push({ tokens: args[i] ?? [], expanded: null, stringified: null });
    // GNU: `, ## args` drops the comma when the variadic argument is omitted entirely
    // (or, not being in strict ISO mode, when it is the only parameter and empty).
    if (m.variadic && (argc < nparams || (argc === 1 && args[0]!.length === 0))) result[nparams - 1]!.tokens = null;
    return result;
  }

  /** GCC's replace_args: substitutes arguments and adds the padding that drives spacing. */
  private replaceArgs(m: MacroDef, args: MacroArg[]): Token[] {
    const body = m.body;
    const out: Token[] = [];
    const padded = !this.inDirective;
    for (let k = 0; k < body.length; k++) {
      const src = body[k]!;
      if (src.kind !== Kind.MacroArg) {
        out.push(src);
        continue;
      }
      const arg = args[src.argIndex]!;
      const afterPaste = k > 0 && (body[k - 1]!.flags & PASTE_LEFT) !== 0;
      let pasteFlagAt = -1;
      let from: Token[];
      if (src.flags & STRINGIFY_ARG) {
        from = [(arg.stringified ??= stringify(arg.tokens ?? []))];
      } else if (src.flags & PASTE_LEFT) {
        from = arg.tokens ?? []; // operands of ## are not macro-expanded
      } else if (afterPaste) {
        from = arg.tokens ?? [];
        const lastAt = out.length - 1;
        if (lastAt >= 0) {
          if (isPunct(out[lastAt]!, ',') && m.variadic && src.argIndex === m.params.length - 1) {
            // GNU comma swallowing: `, ## __VA_ARGS__`.
            if (arg.tokens === null) out.pop();
            else pasteFlagAt = lastAt;
          } else if (from.length === 0) {
            pasteFlagAt = lastAt; // pasting with a placemarker
          }
        }
      } else {
        from = this.expandArg(arg);
      }
      if (padded && k > 0 && !afterPaste) out.push(padding(src)); // padding on the left
      if (from.length) {
        for (const t of from) out.push(t);
        if (src.flags & PASTE_LEFT) pasteFlagAt = out.length - 1;
      }
      if (padded && !(src.flags & PASTE_LEFT)) out.push(AVOID_PASTE); // avoid paste on the right
      if (pasteFlagAt >= 0) {
        const t = out[pasteFlagAt]!;
        out[pasteFlagAt] = withFlags(t, (t.flags & ~PASTE_LEFT) | (src.flags & PASTE_LEFT));
      }
    }
    this.charge(out.length);
    return out;
  }

  /** GCC's expand_arg: full macro expansion of one argument, in isolation. */
  private expandArg(arg: MacroArg): Token[] {
    if (arg.expanded) return arg.expanded;
    const toks = arg.tokens ?? [];
    if (toks.length === 0) return (arg.expanded = []);
    if (++this.argDepth > this.opts.maxExpansionDepth) {
      throw this.errorAt(
        `macro arguments nested more than ${this.opts.maxExpansionDepth} levels deep`,
        this.invInst,
        this.invLine,
        this.invCol,
      );
    }
    this.pushContext(null, toks.concat(ARG_EOF));
    const out: Token[] = [];
    for (;;) {
      const t = this.next();
      if (t.kind === Kind.Eof) break;
      out.push(t);
    }
    this.popContext();
    this.argDepth--;
    this.charge(out.length);
    return (arg.expanded = out);
  }

  /** GCC's paste_all_tokens: `a ## b ## c`; an invalid paste keeps the tokens apart (assembler). */
  private pasteAll(ctx: Context, lhs: Token): void {
    for (;;) {
      let rhs: Token | undefined;
      do rhs = ctx.tokens[ctx.pos++];
      while (rhs !== undefined && rhs.kind === Kind.Padding);
      if (rhs === undefined) {
        ctx.pos = ctx.tokens.length;
        lhs = withFlags(lhs, lhs.flags & ~PASTE_LEFT);
        break;
      }
      // GCC puts a space after `/` so that pasting cannot start a comment.
      const text = lhs.text + (isPunct(lhs, '/') && !isPunct(rhs, '=') ? ' ' : '') + rhs.text;
      const pasted = lexSingle(text);
      if (pasted === null) {
        ctx.pos--;
        lhs = withFlags(lhs, lhs.flags & ~PASTE_LEFT);
        break;
      }
      lhs = { ...pasted, flags: lhs.flags & PREV_WHITE, line: lhs.line, col: lhs.col };
      if (!(rhs.flags & PASTE_LEFT)) break;
    }
    this.pushContext(null, [lhs]);
  }

  private builtinToken(name: string, nameTok: Token, fromMacro: boolean): Token {
    const quote = (s: string) => makeToken(Kind.String, `"${s.replace(/[\\"]/g, '\\$&')}"`);
    const now = new Date();
    const two = (n: number) => String(n).padStart(2, '0');
    switch (name) {
      case '__FILE__':
        return quote(this.cur.path);
      case '__BASE_FILE__':
        return quote(this.mainPath);
      case '__LINE__':
        // GCC: the line of the outermost expansion point.
        return makeToken(Kind.Number, String((fromMacro ? this.invLine : nameTok.line) + this.cur.lineDelta));
      case '__INCLUDE_LEVEL__':
        return makeToken(Kind.Number, String(this.stack.length - 1));
      case '__COUNTER__':
        return makeToken(Kind.Number, String(this.counter++));
      case '__DATE__':
        return quote(`${MONTHS[now.getMonth()]} ${String(now.getDate()).padStart(2, ' ')} ${now.getFullYear()}`);
      default:
        return quote(`${two(now.getHours())}:${two(now.getMinutes())}:${two(now.getSeconds())}`);
    }
  }

  // ---- directives ------------------------------------------------------------------------

  /** GCC's _cpp_handle_directive; false when the `#` line is assembler text to pass through. */
  private directive(): boolean {
    const f = this.cur;
    const toks = f.toks;
    const hashAt = f.pos - 1;
    let end = f.pos;
    while (end < toks.length && !(toks[end]!.flags & BOL)) end++;
    if (end === f.pos) return true; // the null directive
    const nameTok = toks[f.pos]!;
    const name = nameTok.kind === Kind.Name && DIRECTIVES.has(nameTok.text) ? nameTok.text : null;
    if (name === null || (this.skipping && !CONDITIONALS.has(name))) {
      if (!this.skipping) return false; // assembler mode: unknown directives are text
      f.pos = end;
      return true;
    }
    const savedArgs = this.parsingArgs;
    const savedPrevent = this.preventExpansion;
    this.parsingArgs = 0;
    this.preventExpansion = 0;
    this.inDirective = true;
    this.directiveEnd = end;
    f.pos++;
    let include: (() => void) | null;
    try {
      include = this.runDirective(name, nameTok, hashAt, end);
    } finally {
      this.inDirective = false;
      while (this.contexts.length) this.popContext();
      f.pos = end;
      this.parsingArgs = savedArgs;
      this.preventExpansion = savedPrevent;
    }
    if (include) include();
    return true;
  }

  private runDirective(name: string, nameTok: Token, hashAt: number, end: number): (() => void) | null {
    const f = this.cur;
    const rest = f.toks.slice(f.pos, end);
    switch (name) {
      case 'define': {
        let def = f.src.defines.get(hashAt);
        if (!def) {
          try {
            def = parseDefine(rest);
          } catch (e) {
            if (e instanceof DefineError) throw this.errorTok(e.message, e.token ?? nameTok);
            throw e;
          }
          addDefine(f.src, hashAt, def);
        }
        this.setMacro(def.name, def);
        return null;
      }
      case 'undef':
        this.setMacro(this.macroName(rest, nameTok, name), undefined);
        return null;
      case 'ifdef':
      case 'ifndef': {
        let skip = true;
        if (!this.skipping) skip = this.isMacro(this.macroName(rest, nameTok, name)) === (name === 'ifndef');
        this.pushCond(name, nameTok, skip);
        return null;
      }
      case 'if':
        this.pushCond(name, nameTok, this.skipping || !this.evaluate(name, nameTok, rest));
        return null;
      case 'elif':
      case 'elifdef':
      case 'elifndef': {
        const c = this.topCond(name, nameTok);
        if (c.sawElse) throw this.errorTok(`#${name} after #else`, nameTok);
        if (c.skipElses) {
          // DR#412: after a taken group, later #elif expressions are not evaluated.
          this.skipping = true;
        } else {
          this.skipping = false;
          if (name === 'elif') this.skipping = !this.evaluate(name, nameTok, rest);
          else this.skipping = this.isMacro(this.macroName(rest, nameTok, name)) === (name === 'elifndef');
          c.skipElses = !this.skipping;
        }
        return null;
      }
      case 'else': {
        const c = this.topCond(name, nameTok);
        if (c.sawElse) throw this.errorTok('#else after #else', nameTok);
        c.sawElse = true;
        this.skipping = c.skipElses;
        c.skipElses = true;
        return null;
      }
      case 'endif': {
        const c = this.topCond(name, nameTok);
        f.conds.pop();
        this.skipping = c.wasSkipping;
        return null;
      }
      case 'include':
      case 'include_next':
      case 'import':
        return this.include(name, nameTok, rest);
      case 'error':
        throw this.errorTok(`#error ${spell(rest)}`.trimEnd(), nameTok);
      case 'pragma':
        // Other pragmas (and #ident) print nothing in assembler-with-cpp output.
        if (rest.length === 1 && rest[0]!.text === 'once') this.addOnce(f.path);
        return null;
      case 'line':
        this.lineDirective(nameTok);
        return null;
      default:
        // #warning (a warning only), #ident, #sccs, #assert, #unassert.
        return null;
    }
  }

  /** `#line N ["file"]`: renumbers __LINE__ (locate() keeps physical positions). */
  private lineDirective(nameTok: Token): void {
    const t = this.next();
    if (t.kind !== Kind.Number || !/^[0-9]+$/.test(t.text)) {
      throw this.errorTok(`"${t.text}" after #line is not a positive integer`, t.line ? t : nameTok);
    }
    this.cur.lineDelta = Number(t.text) - (nameTok.line + 1);
  }

  private macroName(rest: Token[], nameTok: Token, directive: string): string {
    const t = rest[0];
    if (!t) throw this.errorTok(`no macro name given in #${directive} directive`, nameTok);
    try {
      checkMacroName(t);
    } catch (e) {
      if (e instanceof DefineError) throw this.errorTok(e.message, t);
      throw e;
    }
    return t.text;
  }

  private pushCond(directive: string, tok: Token, skip: boolean): void {
    this.cur.conds.push({
      directive,
      tok,
      wasSkipping: this.skipping,
      skipElses: this.skipping || !skip,
      sawElse: false,
    });
    this.skipping = skip;
  }

  private topCond(directive: string, tok: Token): Cond {
    const c = this.cur.conds[this.cur.conds.length - 1];
    if (!c) throw this.errorTok(`#${directive} without #if`, tok);
    return c;
  }

  private evaluate(directive: string, nameTok: Token, rest: Token[]): boolean {
    const source: ExprSource = {
      next: () => this.next(),
      nextRaw: () => {
        this.preventExpansion++;
        try {
          return this.next();
        } finally {
          this.preventExpansion--;
        }
      },
      isDefined: (name) => this.isMacro(name) || name === '__has_include' || name === '__has_include_next',
      hasInclude: (name, angled, next) => this.resolve(name, angled, next) !== null,
    };
    try {
      return evaluateIf(source, directive);
    } catch (e) {
      if (e instanceof ExprError) {
        // A token written on the directive line is reported there; one from a macro body at
        // the macro's invocation (GCC: the spelling location plus "in expansion of macro").
        if (e.token && rest.includes(e.token)) throw this.errorTok(e.message, e.token);
        if (e.token && e.token.line) throw this.errorAt(e.message, this.invInst, this.invLine, this.invCol);
        throw this.errorTok(e.message, nameTok);
      }
      throw e;
    }
  }

  /** `#include`: returns the action that enters the file once the directive has ended. */
  private include(directive: string, nameTok: Token, rest: Token[]): (() => void) | null {
    const header = this.headerName(directive, nameTok, rest);
    const { name, angled, tok } = header;
    if (name === '') throw this.errorTok(`empty filename in #${directive}`, tok);
    if (this.stack.length >= this.opts.maxIncludeDepth) throw this.depthError(tok);
    if (this.rec !== null && this.stack.length > this.rec.maxIncludeAt) this.rec.maxIncludeAt = this.stack.length;
    const found = this.resolve(name, angled, directive === 'include_next');
    if (found === null) throw this.errorTok(`${name}: No such file or directory`, tok);
    if (this.isOnce(found.path)) return null;
    const guard = includeGuard(found.src);
    if (guard !== null && this.isMacro(guard)) {
      this.noteFile(found.path, found.src.marks);
      return null;
    }
    if (directive === 'import') this.addOnce(found.path);
    const line = nameTok.line;
    return () => this.enterFile(found.path, found.src, found.dirIndex, line);
  }

  private headerName(directive: string, nameTok: Token, rest: Token[]): { name: string; angled: boolean; tok: Token } {
    const first = rest[0];
    if (first && (first.kind === Kind.Header || first.kind === Kind.String)) {
      return { name: first.text.slice(1, -1), angled: first.kind === Kind.Header, tok: first };
    }
    // A computed include: macro-expand the line, then read a string or `<` ... `>`.
    const t = this.next();
    if (t.kind === Kind.String) return { name: t.text.slice(1, -1), angled: false, tok: first ?? nameTok };
    if (isPunct(t, '<')) {
      let name = '';
      for (let u = this.next(); !isPunct(u, '>'); u = this.next()) {
        if (u.kind === Kind.Eof) throw this.errorTok('missing terminating > character', first ?? nameTok);
        if (u.kind === Kind.Padding) continue;
        name += (u.flags & PREV_WHITE && name ? ' ' : '') + u.text;
      }
      return { name, angled: true, tok: first ?? nameTok };
    }
    throw this.errorTok(`#${directive} expects "FILENAME" or <FILENAME>`, first ?? nameTok);
  }

  /** GCC's search: the including file's folder first for "...", then each -I folder. */
  private resolve(
    name: string,
    angled: boolean,
    next: boolean,
  ): { path: string; src: SourceFile; dirIndex: number } | null {
    if (name.startsWith('/')) {
      const src = this.loadFile(name, null);
      return src ? { path: name, src, dirIndex: -1 } : null;
    }
    const dirs = this.opts.includeDirs;
    let firstDir = 0;
    if (next && this.cur.dirIndex >= 0) firstDir = this.cur.dirIndex + 1;
    else if (!angled) {
      const path = this.cur.dir + name;
      const src = this.loadFile(path, null);
      if (src) return { path, src, dirIndex: -1 };
    }
    for (let i = firstDir; i < dirs.length; i++) {
      const dir = dirs[i]!.replace(/\/+$/, '');
      const path = dir === '' ? name : `${dir}/${name}`;
      const src = this.loadFile(path, null);
      if (src) return { path, src, dirIndex: i };
    }
    return null;
  }

  private depthError(tok: Token): PreprocessError {
    const max = this.opts.maxIncludeDepth;
    // Name the first file that repeats in the include stack: the cycle (GCC only says "depth").
    const paths = this.stack.map((s) => s.path);
    const firstAt = new Map<string, number>();
    let what = `include chain of ${paths.length} files starting at ${paths[0]}`;
    for (let j = 0; j < paths.length; j++) {
      const i = firstAt.get(paths[j]!);
      if (i !== undefined) {
        what = `include cycle: ${paths.slice(i, j + 1).join(' -> ')}`;
        break;
      }
      firstAt.set(paths[j]!, j);
    }
    return this.errorTok(`#include nested depth ${this.stack.length} exceeds maximum of ${max} (${what})`, tok);
  }
}

/** Spells directive tokens back as text, one space where there was whitespace. */
function spell(tokens: Token[]): string {
  let s = '';
  for (const t of tokens) s += (s && t.flags & PREV_WHITE ? ' ' : '') + t.text;
  return s;
}
