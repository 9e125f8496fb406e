// The terminal picture: readable at 80 columns and without colour, gaps never scaled away.
import { describe, expect, it } from 'vitest';
import chalk from 'chalk';
import { readFileSync } from 'node:fs';
import { readDtb } from '../../src/dtb/read.js';
import { buildPicture } from '../../src/view/model.js';
import { formatText } from '../../src/view/text.js';
import { node, tree, withoutColour } from '../helpers.js';

const load = (f: string) => readDtb(readFileSync(f), f);
const VIRTIO = 'fixtures/qemu/virt-virtio-iommu.dtb';
const strip = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');

withoutColour();

describe('formatText', () => {
  it('virtio-iommu at 80 columns: the one-RID gap at 00:02.0 is marked and named', () => {
    const out = formatText(buildPicture(load(VIRTIO), 'classic'));
    expect(out).toBe(
      [
        'fixtures/qemu/virt-virtio-iommu.dtb  RID space (classic kernel, Linux 5.3-7.1)',
        '',
        '/pcie@10000000  bus 00-ff, 65536 RIDs, 1 column = 1024 RIDs (4 buses)',
        '              00              40              80              c0            ff',
        '  iommu-map  |.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA|',
        '  msi-map    |BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB|',
        '  devices     ^',
        '  A  /pcie@10000000/virtio_iommu@2,0  IOMMU',
        '       iommu-map  00:00.0-00:01.7 -> StreamID 0x0-0xf',
        '       iommu-map  00:02.1-ff:1f.7 -> StreamID 0x11-0xffff',
        '  B  /intc@8000000/its@8080000  MSI controller',
        '       msi-map    00:00.0-ff:1f.7 -> DeviceID 0x0-0xffff',
        '  .  iommu-map gap: 00:02.0 (1 RID)',
        '       no entry matches: the kernel bypasses the IOMMU (untranslated DMA)',
        '       described here: 00:02.0 virtio_iommu@2,0',
        '  ^  described PCI devices: 00:02.0 virtio_iommu@2,0',
        '',
      ].join('\n'),
    );
  });

  it('every line fits the width, and the gap column survives every width', () => {
    const p = buildPicture(load(VIRTIO), 'classic');
    for (const width of [31, 40, 60, 80, 100, 132, 200]) {
      const lines = formatText(p, { width }).split('\n');
      // below 60 columns only a path longer than the line may stick out
      for (const l of lines)
        if (width >= 60 || !/^\s*(\S\s\s)?\S+$/.test(l)) expect(l.length, `${width}: ${l}`).toBeLessThanOrEqual(width);
      const bar = lines.find((l) => l.startsWith('  iommu-map  |'))!;
      expect(
        bar
          .slice(14)
          .split('')
          .filter((c) => c === '.'),
      ).toHaveLength(1);
      expect(bar[14]).toBe('.');
    }
  });

  it('with colour: the same characters, styled (gap in the info style, msi gap in the error style)', () => {
    const p = buildPicture(load(VIRTIO), 'classic');
    const plain = formatText(p);
    chalk.level = 1;
    const coloured = formatText(p);
    expect(coloured).toMatch(/\x1b\[/);
    expect(strip(coloured)).toBe(plain);
    expect(coloured).toContain(chalk.bgGreen(chalk.cyanBright.bold('.'))); // gap mark on A's background: the column is partly translated
  });

  it('msi gap (!), untranslated to a disabled target (x), kernel error (#), absent map', () => {
    const t = tree([
      node('smmu', { phandle: [1], '#iommu-cells': [1] }),
      node('off', { phandle: [2], '#iommu-cells': [1], status: 'disabled' }),
      node('its', { phandle: [3], 'msi-controller': true }),
      node(
        'pcie@0',
        {
          device_type: 'pci',
          'bus-range': [0, 3],
          'iommu-map': [0, 1, 0, 0x200, 0x200, 2, 0x200, 0x200],
          'msi-map': [0, 3, 0, 0x100],
        },
        [
          // Linux numbers the buses: root port 00:00.0 gets bus 01, the bridge behind it bus 02
          node('pci@0', { device_type: 'pci', reg: [0, 0, 0, 0, 0] }, [
            node('pci@0', { device_type: 'pci', reg: [0x10000, 0, 0, 0, 0] }, [
              node('eth@0', { reg: [0x20000, 0, 0, 0, 0] }),
            ]),
          ]),
        ],
      ),
      node('pcie@1', { device_type: 'pci', 'msi-map': [0, 3, 0] }),
    ]);
    const out = formatText(buildPicture(t, 'classic'));
    const lines = out.split('\n');
    expect(lines).toContain('  iommu-map  |AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx|');
    expect(lines).toContain('  msi-map    |CCCCCCCCCCCCCCCC!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!|');
    expect(lines).toContain('  devices     ^               ^               ^');
    expect(out).toContain('  !  msi-map gap: 01:00.0-03:1f.7 (768 RIDs)');
    expect(out).toContain('  x  iommu-map untranslated: 02:00.0-03:1f.7 (512 RIDs)');
    expect(out).toContain('described here: 02:00.0 eth@0');
    expect(out).toContain('  B  /off  IOMMU, disabled: RIDs mapped to it are untranslated (x)');
    expect(lines).toContain('  iommu-map  absent: no IOMMU translation from this node');
    expect(lines).toContain('  msi-map    |################################################################|');
    expect(out).toContain('  #  msi-map kernel error -EINVAL: 00:00.0-ff:1f.7 (65536 RIDs)');
  });

  it('no maps at all', () => {
    expect(formatText(buildPicture(tree([node('x', {})]), 'classic'))).toContain(
      'no iommu-map or msi-map in this tree',
    );
  });

  it('an inverted bus-range has nothing to draw (found by fuzzing: it threw "Invalid array length")', () => {
    const t = tree([
      node('smmu', { phandle: [1], '#iommu-cells': [1] }),
      node('pcie@0', { device_type: 'pci', 'bus-range': [0xff, 0], 'iommu-map': [0, 1, 0, 0x100] }),
    ]);
    expect(formatText(buildPicture(t, 'classic'))).toContain('no iommu-map or msi-map in this tree');
  });
});
