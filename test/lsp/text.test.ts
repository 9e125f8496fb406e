// Where DTS tokens and statements end: the ranges the language server reports.
import { describe, expect, it } from 'vitest';
import { statementEnd, tokenEnd } from '../../src/lsp/text.js';

const token = (text: string, at = 0) => text.slice(at, tokenEnd(text, at));

describe('tokenEnd', () => {
  it('numbers, names, references', () => {
    expect(token('0x1000>;')).toBe('0x1000');
    expect(token('&its 0x0')).toBe('&its');
    expect(token('&{/soc/pcie@0} 1')).toBe('&{/soc/pcie@0}');
    expect(token('pcie@f8000000 {')).toBe('pcie@f8000000');
  });

  it('a parenthesised expression and a macro call, nested', () => {
    expect(token('(0x10 + (2 * 3)) 4>')).toBe('(0x10 + (2 * 3))');
    expect(token('RID(1, (2)) &x')).toBe('RID(1, (2))');
    expect(token('SIZE >')).toBe('SIZE');
  });

  it('an unclosed parenthesis stops at the statement end; never an empty token', () => {
    expect(token('(1 + 2;')).toBe('(');
    expect(tokenEnd('>', 0)).toBe(1);
  });
});

describe('statementEnd', () => {
  it('skips strings and comments', () => {
    const text = 'x = "a;b", /* ; */ <1> // ;\n, <2>; y;';
    expect(text.slice(0, statementEnd(text, 0))).toBe('x = "a;b", /* ; */ <1> // ;\n, <2>;');
  });

  it('stops before a brace: not a property', () => {
    expect(statementEnd('node { x; };', 0)).toBe(5);
  });
});
