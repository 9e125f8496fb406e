// Where things were written: every node and property carries the span of its name, every cell
// inside < > the span of its literal, expression or reference; through /include/ and cpp line
// markers too.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Span } from '../../src/tree/model.js';
import { DtsError, parseDts } from '../../src/dts/parse.js';

/** A fixture of fixtures/dts, with /include/ resolved next to the including file. */
function compileFixture(name: string) {
  const file = `fixtures/dts/${name}.dts`;
  return parseDts(readFileSync(file, 'utf8'), undefined, {
    file,
    readInclude: (n, from) => {
      const p = path.join(path.dirname(from), n);
      return existsSync(p) ? { text: readFileSync(p, 'utf8'), file: p } : undefined;
    },
  });
}

const text = `/dts-v1/;

/ {
\tbus: pcie@10000000 {
\t\tdevice_type = "pci";
\t\tiommu-map = <0x0 &smmu 0x0 0x10000>,
\t\t            <(0x10 + 0x10)  &smmu 0x20 0x1>;
\t};

\tsmmu: iommu@2000 { #iommu-cells = <1>; };
};

&bus {
\tstatus = "okay";
\tdevice_type = "pci";
};
`;

const at = (s: Span | undefined) => (s ? `${s.line}:${s.column}` : undefined);

describe('spans', () => {
  const tree = parseDts(text, undefined, { file: 'board.dts' });
  const bus = tree.byPath('/pcie@10000000')!;

  it('puts nodes and properties where their names are written', () => {
    expect(tree.root.span).toEqual({ file: 'board.dts', line: 3, column: 1 });
    expect(at(bus.span)).toBe('4:7');
    expect(at(bus.prop('iommu-map')!.span)).toBe('6:3');
    expect(at(tree.byPath('/iommu@2000')!.prop('#iommu-cells')!.span)).toBe('10:21');
  });

  it('keeps the span of the latest definition of a property, the first of a node', () => {
    expect(at(bus.prop('device_type')!.span)).toBe('15:2');
    expect(at(bus.prop('status')!.span)).toBe('14:2');
    expect(at(bus.span)).toBe('4:7');
  });

  it('gives each cell of an array its own span', () => {
    const map = bus.prop('iommu-map')!;
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((i) => at(map.cellSpan(i)))).toEqual([
      '6:16',
      '6:20',
      '6:26',
      '6:30',
      '7:16',
      '7:31',
      '7:37',
      '7:42',
    ]);
    expect(map.cellSpans!.size).toBe(8);
    expect([...map.cellSpans!.keys()]).toEqual([0, 4, 8, 12, 16, 20, 24, 28]);
    expect(map.cellSpan(8)).toBe(map.span);
  });

  it('uses the locate function it is given (the preprocessor source map)', () => {
    const t = parseDts(
      text,
      (offset) => ({ file: 'mapped.dtsi', line: 1000 + offset, column: 1, includedFrom: ['board.dts:3'] }),
      {
        file: 'board.dts',
      },
    );
    const p = t.byPath('/pcie@10000000')!.prop('iommu-map')!;
    expect(p.span).toEqual({
      file: 'mapped.dtsi',
      line: 1000 + text.indexOf('iommu-map'),
      column: 1,
      includedFrom: ['board.dts:3'],
    });
  });

  it('follows /include/ into the included file, with the include chain', () => {
    const tree = compileFixture('include');
    const prop = tree.byPath('/included')!.prop('prop-from-file')!;
    expect(prop.span).toEqual({
      file: 'fixtures/dts/include-props.dtsi',
      line: 1,
      column: 2,
      includedFrom: ['fixtures/dts/include.dts:10'],
    });
    expect(at(prop.cellSpan(2))).toBe('1:24');
    expect(tree.byPath('/from-include')!.span!.file).toBe('fixtures/dts/include-inc.dtsi');
  });

  it('honours cpp line markers (# N "file") as dtc does', () => {
    const tree = compileFixture('line-directives');
    expect(tree.byPath('/soc')!.span).toMatchObject({
      file: 'arch/arm64/boot/dts/vendor/soc.dtsi',
      line: 20,
      column: 2,
    });
    expect(tree.byPath('/soc')!.prop('compatible')!.span).toMatchObject({ line: 21, column: 3 });
    expect(tree.byPath('/board')!.span).toMatchObject({ file: 'board.dts', line: 7, column: 2 });
    expect(tree.root.prop('model')!.span).toMatchObject({ file: 'board.dts', line: 2, column: 2 });
  });

  it('reports errors inside an /include/d file there', () => {
    try {
      parseDts('/dts-v1/;\n/include/ "bad.dtsi"\n/ { };\n', undefined, {
        file: 'main.dts',
        readInclude: () => ({ text: '/ {\n\tx = <1 2;\n};\n', file: 'bad.dtsi' }),
      });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DtsError);
      expect((e as DtsError).format()).toBe("bad.dtsi:2:10: error: syntax error: unexpected ';'");
      expect((e as DtsError).includedFrom).toEqual(['main.dts:2']);
    }
  });

  it('reads the fixture the include test uses', () => {
    expect(readFileSync('fixtures/dts/include-props.dtsi', 'utf8').startsWith('\tprop-from-file')).toBe(true);
  });
});
