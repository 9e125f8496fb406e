// readDts: the built-in preprocessor, then the parser, as `cpp | dtc` (fixtures/dts/cpp).
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.js';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DtsError, PreprocessError, compileDts, readDts } from '../../src/dts/index.js';
import { writeDtb } from '../../src/dtb/write.js';

const dir = 'fixtures/dts/cpp';

describe('readDts', () => {
  it('compiles a board with #include, macros and /include/ byte-identical to cpp | dtc', () => {
    const tree = readDts(`${dir}/board.dts`, { includeDirs: [`${dir}/include`] });
    expect(Buffer.from(writeDtb(tree, { bootCpuidPhys: 0 }))).toEqual(readFileSync(`${dir}/board.dtb`));
  });

  it('points spans into the file each line came from', () => {
    const { tree, files } = compileDts(`${dir}/board.dts`, { includeDirs: [`${dir}/include`] });
    const uart = tree.byLabel('uart0')!;
    expect(uart.span).toMatchObject({ line: 10, column: 9 });
    expect(uart.span!.file.endsWith('soc.dtsi')).toBe(true);
    const clocks = uart.prop('clocks')!;
    expect(clocks.span).toMatchObject({ line: 10, column: 2 });
    expect(clocks.span!.file.endsWith('board.dts')).toBe(true);
    expect(tree.byPath('/extra')!.prop('raw-prop')!.span!.file.endsWith('extra.dtsi')).toBe(true);
    expect(files.some((f) => f.endsWith('irq.h'))).toBe(true);
    expect(files.some((f) => f.endsWith('extra.dtsi'))).toBe(true);
  });

  it('reports an undefined macro where it was used', () => {
    const tmp = tempDir('dtmap-dts-');
    const file = path.join(tmp, 'bad.dts');
    writeFileSync(file, '/dts-v1/;\n\n/ {\n\tinterrupts = <GIC_SPI 1 4>;\n};\n');
    expect(() => readDts(file)).toThrow(DtsError);
    try {
      readDts(file);
    } catch (e) {
      expect((e as DtsError).format()).toBe(
        `${file}:4:16: error: syntax error: unexpected 'GIC_SPI' (an undefined macro or a missing #include?)`,
      );
    }
  });

  it('lets preprocessor errors through as PreprocessError', () => {
    const tmp = tempDir('dtmap-dts-');
    const file = path.join(tmp, 'bad.dts');
    writeFileSync(file, '/dts-v1/;\n#include <missing.h>\n/ { };\n');
    expect(() => readDts(file)).toThrow(PreprocessError);
  });
});
