// The vocabulary (src/words.ts): how IDs read, and the forms a described PCI device takes in a
// rule's message, query's device line, the picture's legend and marks, and the LSP hover.
import { describe, expect, it } from 'vitest';
import { buildMachine } from '../src/machine/machine.js';
import {
  bdf,
  count,
  deviceAt,
  deviceHeading,
  deviceLabel,
  deviceLegend,
  deviceLine,
  deviceList,
  hex,
  idRange,
  ridList,
  ridRange,
} from '../src/words.js';
import { node, tree } from './helpers.js';

describe('IDs', () => {
  it('RIDs as bus:device.function, other IDs as hex', () => {
    expect(bdf(0x1f0f)).toBe('1f:01.7');
    expect(hex(255)).toBe('0xff');
    expect(ridRange([0x100, 0x1ff])).toBe('01:00.0-01:1f.7');
    expect(ridRange([0x100, 0x100])).toBe('01:00.0');
    expect(ridRange([0xffff, 0x10000])).toBe('ff:1f.7-0x10000');
    expect(idRange(1, 1)).toBe('0x1');
    expect(idRange(1, 2)).toBe('0x1-0x2');
    expect(count(1, 'RID')).toBe('1 RID');
    expect(count(2, 'RID')).toBe('2 RIDs');
  });

  it('lists: up to `max`, then "and N more"', () => {
    const five: Array<[number, number]> = [0, 1, 2, 3, 4].map((b) => [b << 8, b << 8]);
    expect(ridList(five)).toBe('00:00.0, 01:00.0, 02:00.0, 03:00.0 and 1 more');
    expect(ridList(five, 5)).toBe('00:00.0, 01:00.0, 02:00.0, 03:00.0, 04:00.0');
  });
});

describe('a described device', () => {
  // The NIC is written at 02:00.0 behind the second root port; the first port is disabled and
  // takes no bus number, so Linux numbers the NIC 01:00.0.
  const port = (name: string, reg: number, props: Record<string, string>, children: ReturnType<typeof node>[] = []) =>
    node(name, { device_type: 'pci', reg: [reg, 0, 0, 0, 0], ...props }, children);
  const machine = buildMachine(
    tree([
      node('smmu', { phandle: [1], '#iommu-cells': [1] }),
      node('pcie@0', { device_type: 'pci', 'bus-range': [0, 2], 'iommu-map': [0, 1, 0, 0x300] }, [
        port('pci@0,0', 0x0, { status: 'disabled' }),
        port('pci@1,0', 0x800, {}, [node('nic@0,0', { reg: [0x20000, 0, 0, 0, 0], status: 'disabled' })]),
      ]),
    ]),
    'classic',
  );
  const bridge = machine.bridges[0]!;
  const [rootPort, nic] = bridge.devices;

  it('is enumerated once, on the bridge', () => {
    expect(bridge.devices.map((d) => [d.node.path, bdf(d.rid), bdf(d.written)])).toEqual([
      ['/pcie@0/pci@1,0', '00:01.0', '00:01.0'],
      ['/pcie@0/pci@1,0/nic@0,0', '01:00.0', '02:00.0'],
    ]);
  });

  it("in a rule's message: path first, and why Linux numbers it otherwise", () => {
    expect(deviceLabel(rootPort!, bridge)).toBe('/pcie@0/pci@1,0 (00:01.0)');
    expect(deviceLabel(nic!, bridge)).toBe(
      '/pcie@0/pci@1,0/nic@0,0 (01:00.0: its reg names 02:00.0, but Linux numbers buses depth first, and the disabled root port pci@0,0 takes no bus number)',
    );
    expect(deviceList([rootPort!, rootPort!, rootPort!, rootPort!, rootPort!], bridge)).toBe(
      `${Array(4).fill('/pcie@0/pci@1,0 (00:01.0)').join(', ')} and 1 more`,
    );
  });

  it("in query's device line: BDF first, the reg's BDF and (disabled) painted", () => {
    expect(deviceAt(rootPort!)).toBe('00:01.0 /pcie@0/pci@1,0');
    expect(deviceLine(rootPort!)).toBe('00:01.0 /pcie@0/pci@1,0');
    expect(deviceLine(nic!, { renumbered: (s) => `<${s}>`, disabled: (s) => `[${s}]` })).toBe(
      '01:00.0 /pcie@0/pci@1,0/nic@0,0< (its reg names 02:00.0; Linux numbers buses depth first)>[ (disabled)]',
    );
  });

  it('in the picture: the name in the legend, the path on a device mark', () => {
    expect(deviceLegend(nic!)).toBe('01:00.0 nic@0,0 (reg 02:00.0)');
    expect(deviceLegend(rootPort!)).toBe('00:01.0 pci@1,0');
    expect(deviceAt(nic!)).toBe('01:00.0 /pcie@0/pci@1,0/nic@0,0');
  });

  it("in the language server's hover", () => {
    expect(deviceHeading(nic!, bridge.node, 'classic')).toBe(
      '**PCI device** `/pcie@0/pci@1,0/nic@0,0`: RID 01:00.0 (0x100) on `/pcie@0` (classic kernel); its `reg` names 02:00.0, but Linux numbers buses depth first',
    );
    expect(deviceHeading(rootPort!, bridge.node, 'mainline')).toBe(
      '**PCI device** `/pcie@0/pci@1,0`: RID 00:01.0 (0x8) on `/pcie@0` (mainline kernel)',
    );
  });
});
