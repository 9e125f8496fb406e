// `query --all`: the whole translation table as compact ranges, pretty and JSON.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { readDtb } from '../../src/dtb/read.js';
import { tableFails, tableJson, tablePretty, tableRows } from '../../src/cli/commands/table.js';
import { node, tree, withoutColour } from '../helpers.js';

const load = (f: string) => readDtb(readFileSync(f), f);
const VIRTIO = 'fixtures/qemu/virt-virtio-iommu.dtb';

withoutColour();

describe('query --all', () => {
  it('virtio-iommu, pretty: four ranges, the gap on its own line', () => {
    const rows = tableRows(load(VIRTIO), { kernel: 'classic', format: 'pretty' });
    expect(tablePretty(rows)).toBe(
      [
        '/pcie@10000000  bus 00-ff',
        '  iommu-map',
        '    00:00.0-00:01.7  -> /pcie@10000000/virtio_iommu@2,0 id 0x0-0xf [entry 0]',
        '    00:02.0          gap: bypass, no IOMMU (untranslated DMA)',
        '    00:02.1-ff:1f.7  -> /pcie@10000000/virtio_iommu@2,0 id 0x11-0xffff [entry 1]',
        '  msi-map',
        '    00:00.0-ff:1f.7  -> /intc@8000000/its@8080000 id 0x0-0xffff [entry 0]',
        '',
      ].join('\n'),
    );
    expect(tableFails(rows)).toBe(false);
  });

  it('virtio-iommu, JSON: the documented fields', () => {
    const json = JSON.parse(tableJson(tableRows(load(VIRTIO), { kernel: 'mainline', format: 'json' })));
    expect(json).toEqual([
      {
        node: '/pcie@10000000',
        map: 'iommu-map',
        first: 0,
        last: 0xf,
        status: 'translated',
        target: '/pcie@10000000/virtio_iommu@2,0',
        idFirst: 0,
        idLast: 0xf,
        entry: 0,
        errno: null,
      },
      {
        node: '/pcie@10000000',
        map: 'iommu-map',
        first: 0x10,
        last: 0x10,
        status: 'bypass',
        target: null,
        idFirst: 0x10,
        idLast: 0x10,
        entry: null,
        errno: null,
      },
      {
        node: '/pcie@10000000',
        map: 'iommu-map',
        first: 0x11,
        last: 0xffff,
        status: 'translated',
        target: '/pcie@10000000/virtio_iommu@2,0',
        idFirst: 0x11,
        idLast: 0xffff,
        entry: 1,
        errno: null,
      },
      {
        node: '/pcie@10000000',
        map: 'msi-map',
        first: 0,
        last: 0xffff,
        status: 'translated',
        target: '/intc@8000000/its@8080000',
        idFirst: 0,
        idLast: 0xffff,
        entry: 0,
        errno: null,
      },
    ]);
  });

  it('--map msi and --node by path', () => {
    const rows = tableRows(load(VIRTIO), { kernel: 'classic', format: 'json', map: 'msi', node: '/pcie@10000000' });
    expect(rows.map((r) => [r.map, r.first, r.last])).toEqual([['msi', 0, 0xffff]]);
  });

  it('--node errors: a label in a label-less DTB, a node without maps', () => {
    expect(() => tableRows(load(VIRTIO), { kernel: 'classic', format: 'json', node: 'pcie' })).toThrow(/no labels/);
    expect(() => tableRows(load(VIRTIO), { kernel: 'classic', format: 'json', node: '/intc@8000000' })).toThrow(
      /carries no iommu-map or msi-map/,
    );
    expect(() => tableRows(load(VIRTIO), { kernel: 'classic', format: 'json', node: '/nope' })).toThrow(/no such node/);
  });

  it('every node by default; msi gap, error, folded mask, disabled target, absent map, non-PCI node', () => {
    const t = tree([
      node('smmu', { phandle: [1], '#iommu-cells': [1] }),
      node('off', { phandle: [2], '#iommu-cells': [1], status: 'disabled' }),
      node('its', { phandle: [3], 'msi-controller': true }),
      node('pcie@0', {
        device_type: 'pci',
        'bus-range': [0, 1],
        'iommu-map': [0, 1, 0, 0x100, 0x100, 2, 0, 0x100],
        'iommu-map-mask': [0xfff8],
        'msi-map': [0, 3, 0, 0x100],
      }),
      node('pcie@1', { device_type: 'pci', status: 'disabled', 'msi-map': [0, 3] }),
      node('fsl-mc', { 'msi-map': [0, 3, 0, 0x10000] }),
    ]);
    const rows = tableRows(t, { kernel: 'classic', format: 'pretty' });
    expect(tablePretty(rows)).toBe(
      [
        '/pcie@0  bus 00-01',
        '  iommu-map',
        '    00:00.0-00:1f.7  -> /smmu id 0x0-0xf8 (folded by mask 0xfff8) [entry 0]',
        '    01:00.0-01:1f.7  -> /off id 0x0-0xf8 (target disabled: untranslated) (folded by mask 0xfff8) [entry 1]',
        '  msi-map',
        '    00:00.0-00:1f.7  -> /its id 0x0-0xff [entry 0]',
        '    01:00.0-01:1f.7  gap: no MSI domain from the map',
        '/pcie@1  bus 00-ff (node disabled)',
        '  iommu-map',
        '    00:00.0-ff:1f.7  no iommu-map: no IOMMU (ID passes unchanged)',
        '  msi-map',
        '    00:00.0-ff:1f.7  error -EINVAL',
        '/fsl-mc  not a PCI host bridge: IDs 0x0-0xffff',
        '  iommu-map',
        '    0x0-0xffff  no iommu-map: no IOMMU (ID passes unchanged)',
        '  msi-map',
        '    0x0-0xffff  -> /its id 0x0-0xffff [entry 0]',
        '',
      ].join('\n'),
    );
    expect(tableFails(rows)).toBe(true);
    const json = JSON.parse(tableJson(rows));
    expect(json.find((r: { node: string; map: string }) => r.node === '/pcie@1' && r.map === 'msi-map')).toEqual({
      node: '/pcie@1',
      map: 'msi-map',
      first: 0,
      last: 0xffff,
      status: 'error',
      target: null,
      idFirst: null,
      idLast: null,
      entry: null,
      errno: 'EINVAL',
    });
    expect(
      json.find((r: { node: string; map: string }) => r.node === '/fsl-mc' && r.map === 'iommu-map'),
    ).toMatchObject({ status: 'no-map', idFirst: 0, idLast: 0xffff });
  });
});
