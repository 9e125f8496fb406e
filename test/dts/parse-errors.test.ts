// Must-fail inputs: dtc refuses each fixture in fixtures/dts/fail (its messages are in the .err
// files beside them); dtmap must refuse it too, with the same message, at the place dtc names
// (parse errors) or at the offending node, property or reference (errors found by dtc's checks,
// which dtc reports at the node's opening brace).
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { DtsError, parseDts } from '../../src/dts/parse.js';

const dir = 'fixtures/dts/fail';

/** fixture -> [line, column, what dtmap says (a prefix or a pattern)] */
const expected: Record<string, [number, number, string | RegExp]> = {
  'bad-node-char': [4, 2, "/bad#node: Bad character '#' in node name"],
  'bad-octal': [4, 9, "Bad integer literal '09'"],
  'bad-property-char': [4, 2, "/:prop@1: Bad character '@' in property name"],
  'bits-width': [4, 13, 'Array elements must be 8, 16, 32 or 64-bits'],
  'char-literal-backslash': [4, 7, 'Character literal has 3 characters instead of 1'],
  'char-literal-long': [4, 7, 'Character literal has 2 characters instead of 1'],
  'division-by-zero': [4, 12, 'Division by zero'],
  'duplicate-label': [5, 7, "Duplicate label 'dup' on /second and /first"],
  'duplicate-node': [6, 2, '/node: Duplicate node name'],
  'duplicate-property': [4, 2, '/:x: Duplicate property name'],
  'empty-char': [4, 7, 'Empty character literal'],
  'include-missing': [3, 1, 'Couldn\'t open "does-not-exist.dtsi": No such file or directory'],
  'missing-semicolon': [5, 2, "syntax error: unexpected 'b' (missing ';' at the end of the previous line?)"],
  'name-property-wrong': [4, 2, '/device: "name" property is incorrect ("other" instead of base node name)'],
  'negative-cell': [4, 7, "syntax error: unexpected '-'"],
  'no-header': [1, 1, "syntax error: unexpected '/'"],
  'out-of-range-bits8': [4, 16, 'Value out of range for 8-bit array element'],
  'out-of-range': [4, 9, 'Value out of range for 32-bit array element'],
  'phandle-duplicate': [5, 2, '/b: duplicated phandle 0x7 (seen before at /a)'],
  'phandle-zero': [5, 3, '/node:phandle: bad value (0x0) in phandle property'],
  'props-after-subnode': [5, 2, 'Properties must precede subnodes'],
  'ref-in-bits16': [5, 17, 'References are only allowed in arrays with 32-bit elements.'],
  'syntax-bare-identifier': [4, 16, "syntax error: unexpected 'GIC_SPI' (an undefined macro or a missing #include?)"],
  'toplevel-missing-label': [7, 1, "Label or path usb1 not found; did you mean 'usb0'?"],
  'unresolved-label': [6, 13, 'Reference to non-existent node or label "clk"'],
  'unresolved-path': [
    6,
    13,
    `Reference to non-existent node or label "/soc/serial@2000"; /soc has no child 'serial@2000'; did you mean 'serial@1000'?`,
  ],
};

function fail(name: string): DtsError {
  const file = `${dir}/${name}.dts`;
  try {
    parseDts(readFileSync(file, 'utf8'), undefined, { file, readInclude: () => undefined });
  } catch (e) {
    if (e instanceof DtsError) return e;
    throw e;
  }
  throw new Error(`${file} compiled, but dtc refuses it`);
}

/** dtc's first complaint: [line, column, message] */
function dtcSays(name: string): [number, number, string] | undefined {
  const err = readFileSync(`${dir}/${name}.err`, 'utf8');
  const m =
    /^(?:(?:Error|Lexical error): )?[^ :]+\.dts:(\d+)\.(\d+)(?:-[\d.]+)?:? (?:ERROR \(\w+\): )?(?:\/[^:]*?: )?(?:\/[^:]*?:\S*: )?(.*)$/m.exec(
      err,
    );
  if (!m) return undefined;
  return [Number(m[1]), Number(m[2]), m[3]!];
}

describe('inputs dtc refuses', () => {
  const names = readdirSync(dir)
    .filter((f) => f.endsWith('.dts'))
    .map((f) => f.slice(0, -4));

  it('has an expectation for every must-fail fixture', () => {
    expect(names.sort()).toEqual(Object.keys(expected).sort());
  });

  for (const name of names) {
    it(name, () => {
      const e = fail(name);
      const [line, column, message] = expected[name]!;
      expect(e.file).toBe(`${dir}/${name}.dts`);
      expect([e.line, e.column]).toEqual([line, column]);
      if (typeof message === 'string') expect(e.message.startsWith(message)).toBe(true);
      else expect(e.message).toMatch(message);
      expect(e.format()).toBe(`${dir}/${name}.dts:${line}:${column}: error: ${e.message}`);
      // the same complaint as dtc, on the same line unless dtc points at the enclosing node
      const dtc = dtcSays(name);
      if (dtc) {
        const words = dtc[2].replace(/\s+$/, '');
        expect(e.message).toContain(words.startsWith('syntax error') ? 'syntax error' : words);
        if (!/non-existent/.test(words)) expect(e.line).toBe(dtc[0]);
      } else {
        expect(readFileSync(`${dir}/${name}.err`, 'utf8')).toContain(e.message.split(';')[0]!);
      }
    });
  }
});

describe("dtc's parser stack (10000 entries)", () => {
  const nested = (n: number) =>
    `/dts-v1/;\n/ {\n${Array.from({ length: n }, (_, i) => `n${i} {\n`).join('')}${'};\n'.repeat(n)}};\n`;
  const siblings = (n: number) => `/dts-v1/;\n/ {\n${Array.from({ length: n }, (_, i) => `n${i} { };\n`).join('')}};\n`;
  const at = (text: string) => {
    try {
      parseDts(text, undefined, { file: 'big.dts' });
      return 'ok';
    } catch (e) {
      return (e as DtsError).format();
    }
  };

  it('takes nodes nested 3330 deep and refuses 3331, where dtc 1.6.1 does', () => {
    expect(at(nested(3330))).toBe('ok');
    expect(at(nested(3331))).toMatch(/^big\.dts:3334:1: error: memory exhausted/);
  });

  it('takes 9988 sibling nodes and refuses 9989 (subnodes are right-recursive in dtc)', () => {
    expect(at(siblings(9988))).toBe('ok');
    expect(at(siblings(9989))).toMatch(/^big\.dts:9991:10: error: memory exhausted/);
  });

  it('refuses expressions nested absurdly deep instead of overflowing the stack', () => {
    const deep = `/dts-v1/;\n/ { x = <${'('.repeat(5000)}1${')'.repeat(5000)}>; };\n`;
    expect(at(deep)).toMatch(/memory exhausted \(expression nested more than 256 deep\)/);
    expect(at(`/dts-v1/;\n/ { x = <(${'-'.repeat(5000)}1)>; };\n`)).toMatch(/memory exhausted/);
  });
});
