// The DTS parser against dtc: every fixture in fixtures/dts is compiled by dtmap and written
// as a blob, which must be byte-identical to what dtc 1.6.1 wrote (scripts/build-dts-fixtures.sh),
// with and without -@.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parseDts } from '../../src/dts/parse.js';
import type { ParseDtsOptions } from '../../src/dts/parse.js';
import { writeDtb } from '../../src/dtb/write.js';

const dir = 'fixtures/dts';
const fixtures = readdirSync(dir)
  .filter((f) => f.endsWith('.dts'))
  .map((f) => f.slice(0, -4));

/** Resolves /include/ and /incbin/ the way dtc does for these fixtures: next to the includer. */
function fixtureOptions(file: string, symbols = false): ParseDtsOptions {
  const find = (name: string, from: string) => {
    const p = path.join(path.dirname(from), name);
    return existsSync(p) ? p : undefined;
  };
  return {
    file,
    symbols,
    readInclude: (name, from) => {
      const p = find(name, from);
      return p ? { text: readFileSync(p, 'utf8'), file: p } : undefined;
    },
    readBinary: (name, from) => {
      const p = find(name, from);
      return p ? new Uint8Array(readFileSync(p)) : undefined;
    },
  };
}

function compileFixture(name: string, symbols = false) {
  const file = `${dir}/${name}.dts`;
  return parseDts(readFileSync(file, 'utf8'), undefined, fixtureOptions(file, symbols));
}

describe('DTS fixtures compile byte-identical to dtc', () => {
  it('has fixtures', () => expect(fixtures.length).toBeGreaterThan(25));

  for (const name of fixtures) {
    it(`${name}.dts`, () => {
      const expected = new Uint8Array(readFileSync(`${dir}/${name}.dtb`));
      expect(Buffer.from(writeDtb(compileFixture(name), { bootCpuidPhys: 0 }))).toEqual(Buffer.from(expected));
    });
    it(`${name}.dts with -@`, () => {
      const expected = new Uint8Array(readFileSync(`${dir}/${name}.sym.dtb`));
      expect(Buffer.from(writeDtb(compileFixture(name, true), { bootCpuidPhys: 0 }))).toEqual(Buffer.from(expected));
    });
  }
});

describe('what the tree keeps besides the bytes', () => {
  it('guesses boot_cpuid_phys from the first CPU, as dtc does without -b', () => {
    const tree = compileFixture('boot-cpu');
    expect(tree.bootCpuidPhys).toBe(0x100);
    const blob = writeDtb(tree);
    expect(new DataView(blob.buffer).getUint32(28)).toBe(0x100);
    expect(compileFixture('basic').bootCpuidPhys).toBe(0);
  });

  it('keeps labels on nodes, properties and memory reservations', () => {
    const tree = compileFixture('labels');
    const a = tree.byPath('/node-a')!;
    expect(a.labels).toEqual(['a', 'b']);
    expect(a.prop('prop')!.labels).toEqual(['p1', 'p2']);
    expect(tree.byLabel('b')).toBe(a);
    const mr = compileFixture('memreserve').memreserves;
    expect(mr.map((m) => [m.address, m.size])).toEqual([
      [0x10000000n, 0x4000n],
      [0x100000000n, 0x1000n],
      [0n, 0x1000n],
      [0x61n, 0x10n],
    ]);
    expect(mr[1]!.labels).toEqual(['first', 'second']);
  });

  it('marks labels and references inside values at their byte offsets', () => {
    const tree = compileFixture('labels');
    const prop = tree.byPath('/node-a')!.prop('prop')!;
    expect(prop.markers).toEqual([
      { offset: 0, kind: 'label', name: 'start' },
      { offset: 0, kind: 'label', name: 'c1' },
      { offset: 4, kind: 'label', name: 'c2' },
      { offset: 8, kind: 'label', name: 'c3' },
      { offset: 8, kind: 'label', name: 'mid' },
      { offset: 8, kind: 'label', name: 's1' },
      { offset: 12, kind: 'label', name: 's2' },
      { offset: 12, kind: 'label', name: 'b1' },
      { offset: 13, kind: 'label', name: 'b2' },
      { offset: 14, kind: 'label', name: 'b3' },
      { offset: 14, kind: 'label', name: 'end' },
    ]);
    const refs = compileFixture('references').byPath('/consumer')!.prop('mixed')!;
    expect(refs.markers).toEqual([
      { offset: 7, kind: 'path', name: 'gpio' },
      { offset: 18, kind: 'phandle', name: 'intc' },
      { offset: 28, kind: 'path', name: '/consumer' },
    ]);
    expect(refs.strings().slice(0, 2)).toEqual(['before', '/gpio@2000']);
  });

  it('allocates phandles as dtc does: explicit ones first, then the lowest free value', () => {
    const tree = compileFixture('phandles');
    const ph = (p: string) => tree.byPath(p)!.prop('phandle')?.u32();
    expect(ph('/explicit-one')).toBe(1);
    expect(tree.byPath('/explicit-three')!.prop('phandle')).toBeUndefined();
    expect(tree.byPath('/explicit-three')!.prop('linux,phandle')!.u32()).toBe(3);
    expect(ph('/self-ref')).toBe(2);
    expect(ph('/node-c')).toBe(4);
    expect(ph('/node-a')).toBe(6);
    expect(ph('/node-b')).toBe(7);
    expect(tree.byPath('/users')!.prop('second')!.cells()).toEqual([6, 1, 7, 4, 3]);
  });

  it('builds __symbols__ and the overlay fixup nodes', () => {
    const sym = compileFixture('symbols', true).byPath('/__symbols__')!;
    expect(sym.props.map((p) => [p.name, p.string()])).toEqual([
      ['top', '/first'],
      ['inner', '/second/child'],
      ['a', '/second/child'],
    ]);
    const overlay = compileFixture('plugin');
    expect(overlay.byPath('/fragment@0')!.prop('target-path')!.string()).toBe('/soc');
    expect(overlay.byPath('/__fixups__')!.prop('external')!.strings()).toEqual([
      '/fragment@0/__overlay__/new-node:target-ref:0',
      '/fragment@0/__overlay__/new-node:two:0',
      '/fragment@1:target:0',
    ]);
  });
});
