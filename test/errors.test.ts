// SourceError, the one error of every front end, and its one line (the bug classes the fuzz run
// found: a message that quotes source text stays one printable line).
import { afterAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SourceError, oneLine } from '../src/errors.js';
import { readDts } from '../src/dts/index.js';
import { readDtb } from '../src/dtb/read.js';
import { readLiveTree } from '../src/live/read.js';
import { applyOverlay } from '../src/overlay/apply.js';
import { LimitError, checkFileSize } from '../src/limits.js';
import { Tree, Node } from '../src/tree/model.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dtmap-errors-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The one line the CLI prints for a DTS file that fails. */
function errorLine(text: string): string {
  const p = path.join(dir, `t${Math.random().toString(36).slice(2)}.dts`);
  fs.writeFileSync(p, text);
  try {
    readDts(p);
  } catch (e) {
    if (e instanceof SourceError) return e.format().slice(p.length);
    throw e;
  }
  throw new Error('no error');
}

describe('one-line errors (found by the fuzz run)', () => {
  it('a syntax error that quotes a string with newlines stays on one line', () => {
    expect(errorLine('/dts-v1/;\n/ { p = "a" "b\nc"; };\n')).toBe(':2:13: error: syntax error: unexpected \'"b\\nc"\'');
  });

  it('a /include/ name with a newline in it stays on one line', () => {
    expect(errorLine('/dts-v1/;\n/include/ "x\ny"\n')).toBe(
      ':2:1: error: Couldn\'t open "x\\ny": No such file or directory',
    );
  });

  it('a quoted token of megabytes is cut', () => {
    const line = errorLine('/dts-v1/;\n/ { p = "a" "' + 'b'.repeat(1 << 20) + '"; };\n');
    expect(line.length).toBeLessThan(600);
    expect(line).toMatch(/bbb\.\.\.$/);
  });

  it('oneLine escapes every control character', () => {
    expect(oneLine('a\r\n\x00\x1b\tb')).toBe('a\\r\\n\\x00\\x1b\tb');
  });
});

/** What `f` throws. */
function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('no error');
}

describe('SourceError', () => {
  it('in source text: file:line:col: error: message, with the include chain', () => {
    const e = new SourceError({ file: 'soc.dtsi', line: 3, column: 7, includedFrom: ['board.dts:2'] }, 'bad\nthing');
    expect([e.file, e.line, e.column, e.includedFrom]).toEqual(['soc.dtsi', 3, 7, ['board.dts:2']]);
    expect(e.format()).toBe('soc.dtsi:3:7: error: bad\\nthing');
  });

  it('with no line: the message, which names the file', () => {
    const e = new SourceError({ file: 'b.dtb' }, 'b.dtb: bad magic');
    expect(e.includedFrom).toEqual([]);
    expect(e.format()).toBe('b.dtb: bad magic');
  });

  it('is what every front end and limit throws for bad input', () => {
    const dts = path.join(dir, 'bad.dts');
    fs.writeFileSync(dts, '/dts-v1/;\n/ { p = <1>\n};\n');
    const cpp = path.join(dir, 'bad-cpp.dts');
    fs.writeFileSync(cpp, '#if\n#endif\n');
    const overlay = new Tree(new Node(''), 'o.dtbo');
    const errors = [
      thrown(() => readDts(dts)),
      thrown(() => readDts(cpp)),
      thrown(() => readDtb(new Uint8Array(8), 'x.dtb')),
      thrown(() => readLiveTree(path.join(dir, 'bad.dts'))),
      thrown(() => applyOverlay(new Tree(new Node(''), 'base.dtb'), overlay, 'o.dtbo')),
      thrown(() => checkFileSize(2 ** 40, 'huge.dtb')),
    ];
    expect(errors.map((e) => (e instanceof SourceError ? e.name : String(e)))).toEqual([
      'DtsError',
      'PreprocessError',
      'DtbError',
      'LiveTreeError',
      'OverlayError',
      'LimitError',
    ]);
    expect((errors[0] as SourceError).format()).toBe(`${dts}:3:1: error: syntax error: unexpected '}'`);
    expect((errors[5] as LimitError).format()).toBe(
      "huge.dtb:1:1: error: file of 1099511627776 bytes is larger than 64 MiB (dtmap's limit)",
    );
  });
});
