// Macro definitions (GCC's `create_iso_definition`) and the `#` operator (`stringify_arg`).

import { Kind, PASTE_LEFT, PREV_WHITE, STRINGIFY_ARG, isPunct, makeToken, type Token } from './lexer.js';

export interface MacroDef {
  name: string;
  funLike: boolean;
  params: string[];
  variadic: boolean;
  /** Replacement list; parameters are MacroArg tokens, `#`/`##` already folded into flags. */
  body: Token[];
  /** Name of a built-in (`__LINE__`, ...) computed at expansion; null for user macros. */
  builtin: string | null;
  /** Set while the macro is being expanded (GCC's NODE_DISABLED). */
  disabled: boolean;
}

export class DefineError extends Error {
  constructor(
    message: string,
    readonly token: Token | null,
  ) {
    super(message);
  }
}

/** Parses the tokens after `#define` (the macro name first). */
export function parseDefine(tokens: Token[]): MacroDef {
  const nameTok = tokens[0];
  if (!nameTok) throw new DefineError('no macro name given in #define directive', null);
  checkMacroName(nameTok);
  let i = 1;
  const params: string[] = [];
  let variadic = false;
  // Function-like only when `(` follows the name without whitespace.
  const funLike = i < tokens.length && isPunct(tokens[i]!, '(') && !(tokens[i]!.flags & PREV_WHITE);
  if (funLike) i = parseParams(tokens, i + 1, params, (v) => (variadic = v));

  const body: Token[] = [];
  let followingPaste = false;
  for (; i < tokens.length; i++) {
    const src = tokens[i]!;
    let t: Token = { ...src, flags: src.flags };
    const argIndex = funLike && t.kind === Kind.Name ? params.indexOf(t.text) : -1;
    if (argIndex >= 0) t = { ...t, kind: Kind.MacroArg, argIndex };
    const last = body[body.length - 1];
    if (funLike && last && isPunct(last, '#') && !(last.flags & PASTE_LEFT)) {
      if (t.kind === Kind.MacroArg) {
        // `#param`: the stringified argument takes the `#`'s leading whitespace.
        t.flags = (t.flags & ~PREV_WHITE) | STRINGIFY_ARG | (last.flags & PREV_WHITE);
        body[body.length - 1] = t;
        followingPaste = false;
        continue;
      }
      // Assembler mode: GCC lets a `#` not followed by a parameter stand ("let assembler get
      // away with murder"); it is an error in C.
    }
    if (isPunct(t, '##')) {
      if (!last) throw new DefineError("'##' cannot appear at either end of a macro expansion", t);
      if (!followingPaste) body[body.length - 1] = { ...last, flags: last.flags | PASTE_LEFT };
      followingPaste = true;
      continue;
    }
    followingPaste = false;
    body.push(t);
  }
  if (followingPaste) throw new DefineError("'##' cannot appear at either end of a macro expansion", null);
  if (body.length > 0) body[0] = { ...body[0]!, flags: body[0]!.flags & ~PREV_WHITE };
  return { name: nameTok.text, funLike, params, variadic, body, builtin: null, disabled: false };
}

export function checkMacroName(t: Token): void {
  if (t.kind !== Kind.Name) throw new DefineError('macro names must be identifiers', t);
  if (t.text === 'defined') throw new DefineError('"defined" cannot be used as a macro name', t);
}

function parseParams(tokens: Token[], i: number, params: string[], setVariadic: (v: boolean) => void): number {
  const at = (k: number) => tokens[k];
  if (at(i) && isPunct(at(i)!, ')')) return i + 1;
  for (;;) {
    const t = at(i);
    if (!t) throw new DefineError("missing ')' in macro parameter list", null);
    if (isPunct(t, '...')) {
      params.push('__VA_ARGS__');
      setVariadic(true);
      const close = at(i + 1);
      if (!close || !isPunct(close, ')')) throw new DefineError("missing ')' in macro parameter list", close ?? null);
      return i + 2;
    }
    if (t.kind !== Kind.Name) throw new DefineError(`expected parameter name, found "${t.text}"`, t);
    if (params.includes(t.text)) throw new DefineError(`duplicate macro parameter "${t.text}"`, t);
    params.push(t.text);
    const sep = at(i + 1);
    if (sep && isPunct(sep, '...')) {
      // GNU named variadic parameter `args...`.
      setVariadic(true);
      const close = at(i + 2);
      if (!close || !isPunct(close, ')')) throw new DefineError("missing ')' in macro parameter list", close ?? null);
      return i + 3;
    }
    if (!sep) throw new DefineError("missing ')' in macro parameter list", null);
    if (isPunct(sep, ')')) return i + 2;
    if (!isPunct(sep, ',')) throw new DefineError(`expected ',' or ')', found "${sep.text}"`, sep);
    i += 2;
  }
}

/** GCC's `stringify_arg`: spells the argument with single spaces where there was whitespace. */
export function stringify(tokens: Token[]): Token {
  let s = '"';
  let source: Token | null = null;
  let backslashes = 0;
  let first = true;
  for (const t of tokens) {
    if (t.kind === Kind.Padding) {
      if (source === null || (!(source.flags & PREV_WHITE) && t.source === null)) source = t.source;
      continue;
    }
    if (!first && ((source ?? t).flags & PREV_WHITE) !== 0) s += ' ';
    source = null;
    first = false;
    const literal = t.kind === Kind.String || t.kind === Kind.WString || t.kind === Kind.Char || t.kind === Kind.WChar;
    s += literal ? t.text.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : '\\' + c)) : t.text;
    backslashes = t.kind === Kind.Other && t.text.charCodeAt(0) === 92 ? backslashes + 1 : 0;
  }
  // GCC: "invalid string literal, ignoring final '\'".
  if (backslashes & 1) s = s.slice(0, -1);
  return makeToken(Kind.String, s + '"');
}
