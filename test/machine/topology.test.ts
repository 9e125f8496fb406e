// The PCI topology as Linux numbers it (src/machine/topology.ts, after drivers/pci/probe.c).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { readDtb } from '../../src/dtb/read.js';
import { enumerate, type PciFunction } from '../../src/machine/topology.js';
import { node, tree } from '../helpers.js';

const reg = (bus: number, dev: number, fn = 0) => [(bus << 16) | (dev << 11) | (fn << 8), 0, 0, 0, 0];
const port = (
  name: string,
  r: number[],
  children: ReturnType<typeof node>[] = [],
  extra: Record<string, number[] | string> = {},
) => node(name, { device_type: 'pci', reg: r, ...extra }, children);
const byName = (fns: PciFunction[]) => new Map(fns.map((f) => [f.node.path, f]));
/** enumerate() on a host bridge placed under a root node, so that paths read /pcie@0/... */
const enumerateHost = (host: ReturnType<typeof node>) => enumerate(tree([host]).root.children[0]!);

describe('enumerate', () => {
  it('numbers buses depth first: a bridge behind the first port takes its bus before the second port', () => {
    const host = node('pcie@0', { device_type: 'pci', 'bus-range': [0, 0xff] }, [
      port('pci@1,0', reg(0, 1), [port('pci@0,0', reg(1, 0), [node('nic@0,0', { reg: reg(2, 0) })])]),
      port('pci@0,0', reg(0, 0), [node('wifi@0,0', { reg: reg(1, 0) }), node('bt@0,1', { reg: reg(1, 0, 1) })]),
    ]);
    const f = byName(enumerateHost(host));
    // devfn order, not tree order: pci@0,0 first (bus 01), then pci@1,0 (bus 02) and its bridge (bus 03)
    expect(f.get('/pcie@0/pci@0,0')).toMatchObject({ rid: 0x0, secondary: 1, subordinate: 1 });
    expect(f.get('/pcie@0/pci@0,0/wifi@0,0')!.rid).toBe(0x100);
    expect(f.get('/pcie@0/pci@0,0/bt@0,1')!.rid).toBe(0x101);
    expect(f.get('/pcie@0/pci@1,0')).toMatchObject({ rid: 0x8, secondary: 2, subordinate: 3 });
    expect(f.get('/pcie@0/pci@1,0/pci@0,0')).toMatchObject({ rid: 0x200, secondary: 3, subordinate: 3 });
    const nic = f.get('/pcie@0/pci@1,0/pci@0,0/nic@0,0')!;
    expect([nic.rid, nic.written]).toEqual([0x300, 0x200]); // reg said bus 02; Linux gives 03
  });

  it('the root bus is the first bus of bus-range', () => {
    const host = node('pcie@0', { device_type: 'pci', 'bus-range': [0x10, 0x1f] }, [
      port('pci@0,0', reg(0x10, 0), [node('ep@0,0', { reg: reg(0x11, 0) })]),
    ]);
    expect(enumerate(host).map((f) => f.rid)).toEqual([0x1000, 0x1100]);
  });

  it('a disabled root port takes no bus number; a disabled endpoint is still enumerated', () => {
    const host = node('pcie@0', { device_type: 'pci', 'bus-range': [0, 3] }, [
      port('pci@0,0', reg(0, 0)),
      port('pci@1,0', reg(0, 1), [node('x@0,0', { reg: reg(2, 0) })], { status: 'disabled' }),
      port('pci@2,0', reg(0, 2), [node('nic@0,0', { reg: reg(3, 0), status: 'disabled' })]),
    ]);
    const f = byName(enumerateHost(host));
    expect(f.get('/pcie@0/pci@1,0')).toMatchObject({ rid: undefined, absent: 'disabled root port' });
    expect(f.get('/pcie@0/pci@1,0/x@0,0')).toMatchObject({ rid: undefined, absent: 'behind a disabled root port' });
    expect(f.get('/pcie@0/pci@2,0')).toMatchObject({ secondary: 2 });
    expect(f.get('/pcie@0/pci@2,0/nic@0,0')).toMatchObject({ rid: 0x200, enabled: false });
  });

  it('no bus number left in bus-range: the devices behind the bridge are not enumerated', () => {
    const host = node('pcie@0', { device_type: 'pci', 'bus-range': [0, 1] }, [
      port('pci@0,0', reg(0, 0)),
      port('pci@1,0', reg(0, 1), [node('ep@0,0', { reg: reg(2, 0) })]),
    ]);
    const f = byName(enumerateHost(host));
    expect([f.get('/pcie@0/pci@1,0')!.rid, f.get('/pcie@0/pci@1,0')!.secondary]).toEqual([0x8, undefined]);
    expect(f.get('/pcie@0/pci@1,0/ep@0,0')).toMatchObject({
      rid: undefined,
      absent: 'no bus number left in bus-range',
    });
  });

  it('children of an endpoint and nodes without a 3-cell reg are not PCI functions', () => {
    const host = node('pcie@0', { device_type: 'pci' }, [
      node('ep@0,0', { reg: reg(0, 0) }, [node('port@1', { reg: [1] })]),
      node('interrupt-controller', { '#interrupt-cells': [1] }),
    ]);
    expect(enumerate(host).map((f) => f.node.name)).toEqual(['ep@0,0']);
  });

  it('t8103-j457: before the fix port02 (reg bus 03) is bus 02; after it, reg and Linux agree', () => {
    for (const [name, written] of [
      ['broken', 0x300],
      ['fixed', 0x200],
    ] as const) {
      const tree = readDtb(readFileSync(`fixtures/context/apple-t8103-j457-${name}.dtb`), name);
      const f = byName(enumerate(tree.byPath('/soc/pcie@690000000')!));
      expect(f.get('/soc/pcie@690000000/pci@0,0')).toMatchObject({ secondary: 1, declared: [1, 1] });
      expect(f.get('/soc/pcie@690000000/pci@0,0/bluetooth@0,1')!.rid).toBe(0x101);
      expect(f.get('/soc/pcie@690000000/pci@1,0')!.absent).toBe('disabled root port');
      expect(f.get('/soc/pcie@690000000/pci@2,0')).toMatchObject({
        secondary: 2,
        declared: [written >> 8, written >> 8],
      });
      expect(f.get('/soc/pcie@690000000/pci@2,0/ethernet@0,0')).toMatchObject({ rid: 0x200, written });
    }
  });
});
