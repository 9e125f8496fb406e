// The built-in preprocessor against real `cpp` output captured in fixtures/cpp/ (by
// scripts/build-cpp-fixtures.sh; cpp is not needed here), plus locate(), errors and limits.
//
// How outputs are compared: both texts are split into whitespace-separated words and the word
// lists must be equal. cpp's output differs from ours only in whitespace runs (indentation,
// blank lines, line markers, which the fixture script drops); the spaces that separate tokens
// (GCC's avoid_paste rules) must be in the same places, so dtc lexes the same tokens.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PreprocessError, preprocess, type PreprocessOptions } from '../../src/dts/preprocess/index.js';

const FIXTURES = 'fixtures/cpp';
const INCLUDE = [`${FIXTURES}/include`];
const words = (text: string) => text.split(/\s+/).filter(Boolean);

/** preprocess() over in-memory files. */
function run(files: Record<string, string>, main = 'main.dts', opts: PreprocessOptions = {}) {
  return preprocess(main, { readFile: (p) => files[p], ...opts });
}
const out = (files: Record<string, string>, opts: PreprocessOptions = {}) =>
  words(run(files, 'main.dts', opts).text).join(' ');
const expand = (source: string) => out({ 'main.dts': source });

function errorOf(f: () => unknown): PreprocessError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(PreprocessError);
    return e as PreprocessError;
  }
  throw new Error('expected a PreprocessError');
}

describe('matches cpp on the fixtures', () => {
  const cases = fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.dts'));
  for (const name of cases.filter((f) => fs.existsSync(`${FIXTURES}/${f.replace(/\.dts$/, '.expected')}`))) {
    it(name, () => {
      const expected = fs.readFileSync(`${FIXTURES}/${name.replace(/\.dts$/, '.expected')}`, 'utf8');
      expect(words(preprocess(`${FIXTURES}/${name}`, { includeDirs: INCLUDE }).text)).toEqual(words(expected));
    });
  }
  for (const name of cases.filter((f) => fs.existsSync(`${FIXTURES}/${f.replace(/\.dts$/, '.error')}`))) {
    it(`${name} is rejected like cpp rejects it`, () => {
      const cppLines = fs.readFileSync(`${FIXTURES}/${name.replace(/\.dts$/, '.error')}`, 'utf8').split('\n');
      const [, where, message] = /^(.*?:\d+)(?::\d+)?: (?:fatal )?error: (.*)$/.exec(
        cppLines.find((l) => / error: /.test(l))!,
      )!;
      // Inside a macro, we point at the invocation: cpp's "in expansion of macro" note.
      const notes = cppLines.map((l) => /^(.*?:\d+):\d+: note: in expansion of macro/.exec(l)?.[1]).filter(Boolean);
      const e = errorOf(() => preprocess(`${FIXTURES}/${name}`, { includeDirs: INCLUDE }));
      expect([where, ...notes]).toContain(`${e.file}:${e.line}`);
      // cpp's advice "(use -fmax-include-depth=...)" is replaced by the cycle it found.
      expect(e.message.startsWith(message!.replace(/ \(use -f.*\)$/, ''))).toBe(true);
      expect(e.format()).toBe(`${e.file}:${e.line}:${e.column}: error: ${e.message}`);
    });
  }
});

describe('spacing (GCC avoid_paste)', () => {
  const defs = '#define F(a) a\n#define G a:\n#define E\n';
  it.each([
    ['F(a)b', 'a b'],
    ['F(a)F(b)', 'a b'],
    ['F(a)-b', 'a-b'],
    ['&F(lab)', '&lab'],
    ['G:b', 'a: :b'],
    ['G b', 'a: b'],
    ['F(1)2', '1 2'],
    ['F(-)-', '- -'],
    ['F(-)>', '- >'],
    ['F(+)=', '+ ='],
    ['x E y', 'x y'],
    ['<E 1>', '< 1>'],
    ['F(a).5', 'a.5'],
  ])('%s -> %s', (input, expected) => {
    expect(expand(defs + input)).toBe(expected);
  });

  it('keeps marvell labels and node names glued', () => {
    const src =
      '#define CP11X_LABEL(name) cp0_##name\n#define CP11X_NODE_NAME(name) cp0-name\n' +
      'CP11X_LABEL(thermal_ic): CP11X_NODE_NAME(ic-thermal) { };';
    expect(expand(src)).toBe('cp0_thermal_ic: cp0-ic-thermal { };');
  });
});

describe('macros', () => {
  it('pre-expands arguments except operands of # and ##', () => {
    const src =
      '#define PASTER(x, y) x ## _ ## y\n#define EVALUATOR(x, y) PASTER(x, y)\n#define P cp0\n#define S(x) #x\n#define XS(x) S(x)\n' +
      'PASTER(P, n) EVALUATOR(P, n) S(P) XS(P)';
    expect(expand(src)).toBe('P_n cp0_n "P" "cp0"');
  });

  it('does not re-expand a macro inside itself', () => {
    expect(expand('#define A A B\n#define B A\nA B')).toBe('A A A B');
  });

  it('keeps invalid pastes as adjacent tokens (assembler mode)', () => {
    expect(expand('#define PIN(p) pin- ## p\nPIN(x)')).toBe('pin-x');
    expect(expand('#define E(a) efuse@##a\nE(1f)')).toBe('efuse@1f');
  });

  it('supports GNU named variadic parameters and comma swallowing', () => {
    expect(expand('#define V(f, a...) g(f, ## a)\nV(1) V(1, 2, 3)')).toBe('g(1) g(1, 2, 3)');
    expect(expand('#define W(...) [__VA_ARGS__]\nW() W(a, b)')).toBe('[] [a, b]');
  });

  it('evaluates char literals in arithmetic (imx/stm32 PIN_NO)', () => {
    const src = "#define PIN_NO(port, line) (((port) - 'A') * 0x10 + (line))\n#if PIN_NO('B', 1) == 17\nok\n#endif";
    expect(expand(src)).toBe('ok');
  });

  it('takes -D definitions, object- and function-like', () => {
    expect(out({ 'main.dts': 'A F(2) __DTS__' }, { defines: { A: '1', 'F(x)': '(x+1)' } })).toBe('1 (2 +1) 1');
  });

  it('predefines only what cpp -undef -D__DTS__ -x assembler-with-cpp predefines', () => {
    expect(expand('linux unix __STDC__ __STDC_HOSTED__ __ASSEMBLER__ __DTS__ __GNUC__')).toBe(
      'linux unix 1 1 1 1 __GNUC__',
    );
  });

  it('passes unknown directives through, macro-expanded', () => {
    expect(expand('#define BASE 4\n#gpio-cells = <BASE>;\n#\n# 12')).toBe('#gpio-cells = <4>; # 12');
  });
});

describe('includes', () => {
  it('searches the including file folder first for "...", -I folders for <...>', () => {
    const files = {
      'dts/main.dts': '#include "a.dtsi"\n#include <a.dtsi>',
      'dts/a.dtsi': 'local',
      'inc/a.dtsi': 'from-I',
    };
    const r = preprocess('dts/main.dts', { readFile: (p) => files[p as keyof typeof files], includeDirs: ['inc'] });
    expect(words(r.text)).toEqual(['local', 'from-I']);
    expect(r.files).toEqual(['dts/main.dts', 'dts/a.dtsi', 'inc/a.dtsi']);
  });

  it('includes a file again after #undef (no implicit include-once)', () => {
    const files = {
      'main.dts': '#define N 0\n#include "cp.dtsi"\n#undef N\n#define N 1\n#include "cp.dtsi"',
      'cp.dtsi': 'cp##N',
    };
    expect(out(files)).toBe('cp##0 cp##1');
  });

  it('reports an include cycle once, with the chain', () => {
    const files = { 'main.dts': '#include "a.dtsi"', 'a.dtsi': '\n#include "b.dtsi"', 'b.dtsi': '#include "a.dtsi"' };
    const e = errorOf(() => run(files));
    expect(e.message).toBe(
      '#include nested depth 200 exceeds maximum of 200 (include cycle: a.dtsi -> b.dtsi -> a.dtsi)',
    );
    expect(e.includedFrom[0]).toBe('main.dts:1');
    expect(e.includedFrom).toHaveLength(199);
    expect(e.format().split('\n')).toHaveLength(1);
  });

  it('honours maxIncludeDepth', () => {
    const files = { 'main.dts': '#include "a.dtsi"', 'a.dtsi': '#include "a.dtsi"' };
    expect(errorOf(() => run(files, 'main.dts', { maxIncludeDepth: 5 })).message).toMatch(
      /^#include nested depth 5 exceeds/,
    );
  });

  it('says file:line:col for a missing include', () => {
    const e = errorOf(() => run({ 'main.dts': '/dts-v1/;\n#include "gone.dtsi"' }));
    expect(e.format()).toBe('main.dts:2:10: error: gone.dtsi: No such file or directory');
  });

  it('names a missing input file', () => {
    expect(errorOf(() => run({}, 'nope.dts')).format()).toBe(
      'nope.dts:1:1: error: nope.dts: No such file or directory',
    );
  });

  it('reports an unterminated #if in an included file there, with the chain', () => {
    const e = errorOf(() => run({ 'main.dts': 'x\n#include "a.dtsi"', 'a.dtsi': '\n#ifdef X\n' }));
    expect(e.format()).toBe('a.dtsi:2:2: error: unterminated #ifdef');
    expect(e.includedFrom).toEqual(['main.dts:2']);
  });

  it('rejects misplaced conditionals', () => {
    expect(errorOf(() => expand('#if 1\n#else\n#elif 1\n#endif')).message).toBe('#elif after #else');
    expect(errorOf(() => expand('#if 1\n#else\n#else\n#endif')).message).toBe('#else after #else');
    expect(errorOf(() => expand('#else')).message).toBe('#else without #if');
  });

  it('reports #error with its text', () => {
    const e = errorOf(() => run({ 'main.dts': 'x\n#error board not supported' }));
    expect(e.format()).toBe('main.dts:2:2: error: #error board not supported');
  });
});

describe('locate()', () => {
  const files = {
    'board.dts': '/dts-v1/;\n#include "soc.dtsi"\n#define CELLS(x) <x 0>\n  reg = CELLS(5);\nend;',
    'soc.dtsi': '// SoC\n\tnode { };\n',
  };
  const r = preprocess('board.dts', { readFile: (p) => files[p as keyof typeof files] });
  const at = (word: string, nth = 0) => {
    let i = -1;
    for (let k = 0; k <= nth; k++) i = r.text.indexOf(word, i + 1);
    expect(i).toBeGreaterThanOrEqual(0);
    return r.locate(i);
  };

  it('maps a token of an included .dtsi to that file, with the include chain', () => {
    expect(at('node')).toEqual({ file: 'soc.dtsi', line: 2, column: 2, includedFrom: ['board.dts:2'] });
    expect(at('{')).toMatchObject({ file: 'soc.dtsi', line: 2, column: 7 });
  });

  it('maps macro output to the invocation', () => {
    expect(at('<')).toEqual({ file: 'board.dts', line: 4, column: 9 });
    expect(at('5')).toEqual({ file: 'board.dts', line: 4, column: 9 });
  });

  it('maps ordinary tokens of the main file to themselves', () => {
    expect(at('reg')).toEqual({ file: 'board.dts', line: 4, column: 3 });
    expect(at(';', 2)).toMatchObject({ file: 'board.dts', line: 4, column: 17 });
    expect(at('end')).toEqual({ file: 'board.dts', line: 5, column: 1 });
  });

  it('maps tokens after line continuations and block comments to their physical lines', () => {
    const src = { 'main.dts': '#define A 1 \\\n  + 2\n/* two\n lines */ x\ny \\\nz' };
    const p = run(src);
    expect(p.locate(p.text.indexOf('x'))).toMatchObject({ line: 4, column: 11 });
    expect(p.locate(p.text.indexOf('z'))).toMatchObject({ line: 6, column: 1 });
  });
});

describe('suppressions', () => {
  it('keeps dtmap-disable-next-line comments with their positions', () => {
    const files = {
      'main.dts': '#include "a.dtsi"\n  /* dtmap-disable-next-line msi-map-gap */\nx;',
      'a.dtsi': 'a; // dtmap-disable-next-line map-alias: known\n// other comment\n',
    };
    const r = run(files);
    expect(r.suppressions).toEqual([
      { file: 'main.dts', line: 2, column: 3, text: 'dtmap-disable-next-line msi-map-gap' },
      { file: 'a.dtsi', line: 1, column: 4, text: 'dtmap-disable-next-line map-alias: known' },
    ]);
    expect(r.text).not.toContain('dtmap');
  });
});

describe('limits', () => {
  it('stops runaway expansion with an error, not a hang', () => {
    let src = '#define L0 x x\n';
    for (let i = 1; i <= 40; i++) src += `#define L${i} L${i - 1} L${i - 1}\n`;
    src += 'L40\n';
    const e = errorOf(() => run({ 'main.dts': src }, 'main.dts', { maxOutputBytes: 1 << 20 }));
    expect(e.message).toBe("preprocessed output larger than 1 MiB (dtmap's limit)");
  });

  it('stops exponential argument pre-expansion', () => {
    let src = '#define D(x) x x\n';
    src += 'D('.repeat(40) + '1' + ')'.repeat(40) + '\n';
    expect(errorOf(() => run({ 'main.dts': src }, 'main.dts', { maxExpansionTokens: 1 << 20 })).message).toBe(
      "macro expansion builds more than 1048576 tokens (dtmap's limit)",
    );
  });

  it('limits macro nesting depth (object-like chains and nested arguments)', () => {
    let chain = '';
    for (let i = 0; i < 3000; i++) chain += `#define M${i} M${i + 1}\n`;
    expect(errorOf(() => run({ 'main.dts': chain + 'M0' })).message).toMatch(/nested/);
    const nested = '#define F(x) x\n' + 'F('.repeat(5000) + '1' + ')'.repeat(5000);
    // collecting the arguments of each level costs tokens too: the budget may stop it first
    expect(errorOf(() => run({ 'main.dts': nested })).message).toMatch(/nested|builds more than/);
    expect(expand('#define F(x) x\n' + 'F('.repeat(200) + '1' + ')'.repeat(200))).toBe('1');
  });

  it('handles long inputs and deep #if parentheses without overflowing the stack', () => {
    const long = 'node { reg = <1 2>; };\n'.repeat(90_000); // 900 000 tokens: under MAX_TOKENS
    expect(run({ 'main.dts': long }).text.length).toBeGreaterThan(long.length - 100);
    const deep = '#if ' + '('.repeat(20_000) + '1' + ')'.repeat(20_000) + '\n#endif\n';
    expect(errorOf(() => run({ 'main.dts': deep })).message).toMatch(/nested too deeply/);
  });
});

describe('file cache', () => {
  it('sees a header change on disk', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dtmap-pp-'));
    try {
      fs.writeFileSync(path.join(dir, 'main.dts'), '#include "h.dtsi"\n');
      fs.writeFileSync(path.join(dir, 'h.dtsi'), 'one\n');
      expect(words(preprocess(path.join(dir, 'main.dts')).text)).toEqual(['one']);
      fs.writeFileSync(path.join(dir, 'h.dtsi'), 'two three\n');
      expect(words(preprocess(path.join(dir, 'main.dts')).text)).toEqual(['two', 'three']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
