import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { readDtb } from '../../src/dtb/read.js';
import { applyOverlay, OverlayError } from '../../src/overlay/apply.js';
import { Property, type Tree } from '../../src/tree/model.js';
import { cellsValue, node, tree } from '../helpers.js';

const dir = 'fixtures/overlay';
const load = (name: string) => readDtb(new Uint8Array(readFileSync(`${dir}/${name}`)), name);

/** Every node path and every property (name and bytes), in tree order. */
function dump(t: Tree): string[] {
  const out: string[] = [];
  for (const n of t.root.walk()) {
    out.push(n.path);
    for (const p of n.props) out.push(`  ${p.name} = ${Buffer.from(p.value).toString('hex')}`);
  }
  return out;
}

function applied(...overlays: string[]): Tree {
  return appliedTo('base.dtb', ...overlays);
}

function appliedTo(baseName: string, ...overlays: string[]): Tree {
  const base = load(baseName);
  for (const o of overlays) applyOverlay(base, load(o), o);
  return base;
}

function errorOf(f: () => void): OverlayError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(OverlayError);
    return e as OverlayError;
  }
  throw new Error('no error');
}

describe('applyOverlay matches fdtoverlay (fixtures/overlay, expected blobs written by fdtoverlay)', () => {
  const cases: Array<[string, string, string[]]> = [
    ['add-pcie', 'base.dtb', ['add-pcie.dtbo']],
    ['target-path', 'base.dtb', ['target-path.dtbo']],
    ['modify', 'base.dtb', ['modify.dtbo']],
    ['stack', 'base.dtb', ['add-pcie.dtbo', 'stack.dtbo']],
    ['quirks', 'base.dtb', ['quirks.dtbo']],
    ['quirks-both', 'base-both.dtb', ['quirks.dtbo']],
    ['qemu-path', '../qemu/virt-virtio-iommu.dtb', ['qemu-path.dtbo']],
    ['phandle-conflict', 'base.dtb', ['phandle-conflict.dtbo']],
  ];
  for (const [name, baseName, overlays] of cases)
    it(`${name}: same nodes in order, same properties and bytes`, () => {
      expect(dump(appliedTo(baseName, ...overlays))).toEqual(dump(load(`${name}.expected.dtb`)));
    });
});

describe('what the merged tree holds', () => {
  it('adds a PCIe host bridge whose iommu-map and msi-map reach the base SMMU and ITS by label', () => {
    const t = applied('add-pcie.dtbo');
    const pcie = t.byPath('/soc/pcie@40000000')!;
    const iommu = pcie.prop('iommu-map')!.cells();
    const msi = pcie.prop('msi-map')!.cells();
    expect(t.byPhandle(iommu[1]!)!.path).toBe('/soc/iommu@9050000');
    expect(t.byPhandle(msi[1]!)!.path).toBe('/soc/interrupt-controller@8000000/msi-controller@8080000');
    expect(iommu).toEqual([0, iommu[1], 0x10000, 0x8000]);
    // the overlay-local phandle moved above the base's highest one, and interrupt-map followed it
    const intc = t.byPath('/soc/pcie@40000000/legacy-interrupt-controller')!;
    const ph = intc.prop('phandle')!.u32()!;
    expect(ph).toBeGreaterThan(
      Math.max(...[...load('base.dtb').root.walk()].map((n) => n.prop('phandle')?.u32() ?? 0)),
    );
    expect(pcie.prop('interrupt-map')!.cells()[4]).toBe(ph);
    // the overlay's label is in the base's __symbols__ at the target path
    expect(t.byLabel('pcie1')).toBe(pcie);
    expect(t.root.child('__symbols__')!.prop('pcie1')!.string()).toBe('/soc/pcie@40000000');
  });

  it('keeps the fragments, __fixups__ and __local_fixups__ out of the base', () => {
    const names = applied('add-pcie.dtbo').root.children.map((c) => c.name);
    expect(names.some((n) => n.startsWith('fragment') || n.includes('fixups'))).toBe(false);
  });

  it('target-path through an alias: the symbol keeps the alias, as libfdt writes it', () => {
    const t = applied('target-path.dtbo');
    expect(t.root.child('__symbols__')!.prop('uart_dev')!.string()).toBe('serial0/bluetooth');
    expect(t.root.child('__symbols__')!.prop('resmem')!.string()).toBe('/reserved-memory');
    expect(t.byPath('/soc/serial@9000000/bluetooth')).toBeDefined();
  });

  it('modify: replaced properties keep their place, new ones are inserted first (reversed), new nodes first', () => {
    const pcie = applied('modify.dtbo').byPath('/soc/pcie@4010000000')!;
    expect(pcie.props.map((p) => p.name).slice(0, 3)).toEqual(['msi-parent', 'dma-coherent', 'compatible']);
    expect(pcie.prop('status')!.string()).toBe('okay');
    expect(pcie.children.map((c) => c.name)).toEqual(['storage@3,0', 'wifi@2,0', 'ethernet@1,0']);
  });

  it('phandle conflict: the base node keeps its phandle and the overlay reference follows (libfdt 1.7+)', () => {
    const t = applied('phandle-conflict.dtbo');
    const smmu = t.byPath('/soc/iommu@9050000')!;
    const ph = smmu.prop('phandle')!.u32()!;
    expect(ph).toBe(load('base.dtb').byPath('/soc/iommu@9050000')!.prop('phandle')!.u32());
    expect(t.byPath('/soc/dma@a000000')!.prop('iommus')!.cells()).toEqual([ph, 5]);
    expect(t.byPhandle(t.byPath('/soc/pcie@4010000000')!.prop('iommu-map')!.cells()[1]!)).toBe(smmu);
  });

  it('leaves the overlay tree as it was', () => {
    const ov = load('add-pcie.dtbo');
    const before = dump(ov);
    applyOverlay(load('base.dtb'), ov, 'add-pcie.dtbo');
    expect(dump(ov)).toEqual(before);
  });

  it('drops cached lookups (phandles, labels) of the base', () => {
    const base = load('base.dtb');
    expect(base.byLabel('pcie1')).toBeUndefined();
    applyOverlay(base, load('add-pcie.dtbo'), 'add-pcie.dtbo');
    expect(base.byLabel('pcie1')!.path).toBe('/soc/pcie@40000000');
  });
});

describe('failures: one OverlayError naming the overlay and the fragment, the base untouched', () => {
  const cases: Array<[string, string, RegExp]> = [
    [
      'fail-missing-label.dtbo',
      'base.dtb',
      /^fail-missing-label\.dtbo: fragment@0: target label "pcie9" not in the base's __symbols__$/,
    ],
    [
      'fail-missing-ref.dtbo',
      'base.dtb',
      /^fail-missing-ref\.dtbo: fragment@0: label "smmu9" \(used by \/fragment@0\/__overlay__\/pcie@50000000 iommu-map\) not in the base's __symbols__$/,
    ],
    [
      'fail-missing-target-path.dtbo',
      'base.dtb',
      /^fail-missing-target-path\.dtbo: fragment@0: target-path "\/soc\/pcie@50000000" is no node of the base$/,
    ],
    [
      'fail-missing-target-phandle.dtbo',
      'base.dtb',
      /^fail-missing-target-phandle\.dtbo: fragment@0: target phandle 0x7777 is no node of the base$/,
    ],
    [
      'fail-no-target.dtbo',
      'base.dtb',
      /^fail-no-target\.dtbo: fragment@0: has __overlay__ but neither target nor target-path$/,
    ],
    [
      'add-pcie.dtbo',
      'base-nosymbols.dtb',
      /^add-pcie\.dtbo: fragment@0: target label "soc" cannot be resolved: the base has no __symbols__ \(compile it with dtc -@\)$/,
    ],
  ];
  for (const [overlay, baseName, message] of cases)
    it(`${overlay} on ${baseName} (fdtoverlay fails too)`, () => {
      const base = load(baseName);
      const before = dump(base);
      const e = errorOf(() => applyOverlay(base, load(overlay), overlay));
      expect(e.message).toMatch(message);
      expect(e.message).not.toContain('\n');
      expect(e.file).toBe(overlay);
      expect(dump(base)).toEqual(before);
      // the fixture folder keeps what fdtoverlay said
      const log = overlay.replace(/\.dtbo$/, baseName === 'base.dtb' ? '' : `.on-${baseName.replace(/\.dtb$/, '')}`);
      expect(readFileSync(`${dir}/${log}.fdtoverlay.txt`, 'utf8')).toMatch(/Failed to apply/);
    });

  it('a failure in a later fragment leaves the earlier fragments unapplied', () => {
    const base = load('base.dtb');
    const before = dump(base);
    const ov = tree([
      node('fragment@0', { 'target-path': '/soc' }, [node('__overlay__', { added: 'yes' })]),
      node('fragment@1', { 'target-path': '/nowhere' }, [node('__overlay__', { added: 'no' })]),
    ]);
    expect(() => applyOverlay(base, ov, 'two.dtbo')).toThrow(
      /^two\.dtbo: fragment@1: target-path "\/nowhere" is no node of the base$/,
    );
    expect(dump(base)).toEqual(before);
  });

  it('an alias target-path whose alias the base lacks', () => {
    const ov = tree([node('fragment@0', { 'target-path': 'uart7/x' }, [node('__overlay__', { a: [1] })])]);
    expect(() => applyOverlay(load('base.dtb'), ov, 'o.dtbo')).toThrow(
      /fragment@0: target-path "uart7\/x": no alias "uart7" in the base's \/aliases/,
    );
  });

  it('a blob with no fragment is not an overlay', () => {
    expect(() => applyOverlay(load('base.dtb'), load('base.dtb'), 'base.dtb')).toThrow(
      /^base\.dtb: no fragment with an __overlay__ node: not an overlay/,
    );
  });

  it('malformed __fixups__ and __local_fixups__ entries', () => {
    const frag = () => node('fragment@0', { target: [0xffffffff] }, [node('__overlay__', { ref: [0, 0] })]);
    const bad = (extra: ReturnType<typeof node>) => () =>
      applyOverlay(load('base.dtb'), tree([frag(), extra]), 'o.dtbo');
    expect(bad(node('__fixups__', { smmu: '/fragment@0/__overlay__:ref' }))).toThrow(
      /__fixups__: smmu: malformed entry "\/fragment@0\/__overlay__:ref"/,
    );
    expect(bad(node('__fixups__', { smmu: '/fragment@0/__overlay__:ref:8' }))).toThrow(/offset 8 is past the 8-byte/);
    expect(bad(node('__fixups__', { smmu: '/fragment@0/__overlay__:nope:0' }))).toThrow(/has no property nope/);
    expect(bad(node('__local_fixups__', {}, [node('fragment@0', {}, [node('__overlay__', { ref: [6] })])]))).toThrow(
      /__local_fixups__: \/fragment@0\/__overlay__:ref: offset 6 is past the 8-byte value/,
    );
    expect(bad(node('__local_fixups__', {}, [node('fragment@9', {})]))).toThrow(
      /__local_fixups__: \/fragment@9: no such node in the overlay/,
    );
    // a resolvable fixup still leaves target = 0xffffffff, which libfdt rejects
    expect(bad(node('__fixups__', { smmu: '/fragment@0/__overlay__:ref:4' }))).toThrow(
      /fragment@0: target is phandle 0xffffffff/,
    );
  });

  it('a phandle that would pass 0xfffffffe after renumbering', () => {
    const base = tree([node('a', { phandle: [0xfffffff0] })]);
    const ov = tree([
      node('fragment@0', { 'target-path': '/' }, [node('__overlay__', {}, [node('b', { phandle: [0x20] })])]),
    ]);
    expect(() => applyOverlay(base, ov, 'o.dtbo')).toThrow(
      /fragment@0: \/fragment@0\/__overlay__\/b: phandle 0x20 moved above the base's highest phandle 0xfffffff0 passes 0xfffffffe/,
    );
  });
});

describe('libfdt details', () => {
  it('a subnode name without a unit address merges into the first node@unit of that name (fdt_nodename_eq_)', () => {
    const base = tree([node('bus', {}, [node('dev@1', { a: [1] }), node('dev', { b: [2] })])]);
    const ov = tree([
      node('fragment@0', { 'target-path': '/bus' }, [node('__overlay__', {}, [node('dev', { c: [3] })])]),
    ]);
    applyOverlay(base, ov, 'o.dtbo');
    expect(base.byPath('/bus/dev@1')!.props.map((p) => p.name)).toEqual(['c', 'a']);
    expect(base.byPath('/bus/dev')!.props.map((p) => p.name)).toEqual(['b']);
  });

  it('a base without __symbols__ gets one, first under the root, for the overlay labels', () => {
    const base = tree([node('soc', {})]);
    const ov = tree([
      node('fragment@0', { 'target-path': '/soc' }, [node('__overlay__', {}, [node('x', {})])]),
      node('__symbols__', { xl: '/fragment@0/__overlay__/x', whole: '/fragment@0/__overlay__', out: '/fragment@0' }),
    ]);
    applyOverlay(base, ov, 'o.dtbo');
    expect(base.root.children[0]!.name).toBe('__symbols__');
    const sym = base.root.children[0]!;
    // props inserted first: reverse order; `out` (not inside __overlay__) is skipped
    expect(sym.props.map((p) => [p.name, p.string()])).toEqual([
      ['whole', '/soc/'],
      ['xl', '/soc/x'],
    ]);
  });

  it('labels read from DTS source resolve fixups when the base has no __symbols__', () => {
    const smmu = node('iommu@0', { phandle: [1], '#iommu-cells': [1] });
    smmu.labels = ['smmu'];
    const base = tree([smmu]);
    const ov = tree([
      node('fragment@0', { 'target-path': '/' }, [node('__overlay__', {}, [node('dev', { iommus: [0xffffffff, 3] })])]),
      node('__fixups__', { smmu: '/fragment@0/__overlay__/dev:iommus:0' }),
    ]);
    applyOverlay(base, ov, 'o.dtbo');
    expect(base.byPath('/dev')!.prop('iommus')!.cells()).toEqual([1, 3]);
  });

  it('target = <phandle> finds the first node with that phandle; linux,phandle counts', () => {
    const base = tree([node('a', { 'linux,phandle': [5] }), node('b', { phandle: [5] })]);
    const ov = tree([node('fragment@0', { target: [5] }, [node('__overlay__', { hit: 'yes' })])]);
    applyOverlay(base, ov, 'o.dtbo');
    expect(base.byPath('/a')!.prop('hit')).toBeDefined();
    expect(base.byPath('/b')!.prop('hit')).toBeUndefined();
  });

  it('references listed in __local_fixups__ may sit at unaligned offsets', () => {
    const base = tree([node('a', { phandle: [7] })]);
    const v = new Uint8Array([0xaa, ...cellsValue([1])]);
    const ovNode = node('__overlay__', {}, [node('t', { phandle: [1] }), node('u', {})]);
    ovNode.children[1]!.props.push(new Property('ref', v));
    const ov = tree([
      node('fragment@0', { 'target-path': '/' }, [ovNode]),
      node('__local_fixups__', {}, [node('fragment@0', {}, [node('__overlay__', {}, [node('u', { ref: [1] })])])]),
    ]);
    applyOverlay(base, ov, 'o.dtbo');
    expect([...base.byPath('/u')!.prop('ref')!.value]).toEqual([0xaa, 0, 0, 0, 8]);
    expect(base.byPath('/t')!.prop('phandle')!.u32()).toBe(8);
  });
});
