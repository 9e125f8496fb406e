// The map and diff commands as commander wires them (main.ts registers them), in process.
import { describe, expect, it } from 'vitest';
import { inProcess, tempDir } from '../helpers.js';
import chalk from 'chalk';
import { CommanderError } from 'commander';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadTree, InputError } from '../../src/app/input.js';
import { register as registerMap } from '../../src/cli/commands/map.js';
import { register as registerDiff } from '../../src/cli/commands/diff.js';
import { runTable } from '../../src/cli/commands/table.js';

const VIRTIO = 'fixtures/qemu/virt-virtio-iommu.dtb';
const SMMU = 'fixtures/qemu/virt-smmuv3-its.dtb';

const { run, out } = inProcess(registerMap, registerDiff);

describe('dtmap map', () => {
  it('text to standard output, exit 0', async () => {
    expect(await run('map', VIRTIO)).toBe(0);
    expect(out()).toContain('  iommu-map  |.AAAA');
    expect(out()).toContain('  .  iommu-map gap: 00:02.0 (1 RID)');
  });

  it('--width and --node', async () => {
    await run('map', '--width', '100', '--node', '/pcie@10000000', VIRTIO);
    const bar = out()
      .split('\n')
      .find((l) => l.startsWith('  iommu-map  |'))!;
    expect(bar.length).toBeLessThanOrEqual(100);
    expect(bar.length).toBeGreaterThan(80);
  });

  it('-o writes atomically (no temporary file left) and without colour', async () => {
    chalk.level = 1;
    const dir = tempDir('dtmap-map-');
    writeFileSync(join(dir, 'old.txt'), 'old');
    for (const [format, name] of [
      ['svg', 'm.svg'],
      ['html', 'm.html'],
      ['text', 'old.txt'],
    ]) {
      expect(await run('map', '--format', format!, '-o', join(dir, name!), VIRTIO)).toBe(0);
    }
    expect(out()).toBe('');
    expect(readdirSync(dir).sort()).toEqual(['m.html', 'm.svg', 'old.txt']);
    expect(readFileSync(join(dir, 'm.svg'), 'utf8')).toMatch(/^<svg /);
    expect(readFileSync(join(dir, 'm.html'), 'utf8')).toMatch(/^<!doctype html>/);
    const text = readFileSync(join(dir, 'old.txt'), 'utf8');
    expect(text).toContain('iommu-map gap: 00:02.0');
    expect(text).not.toMatch(/\x1b\[/);
  });

  it('-o into a folder that does not exist: a one-line input error', async () => {
    await expect(run('map', '--format', 'svg', '-o', '/nonexistent-dir/x.svg', VIRTIO)).rejects.toThrow(
      /x\.svg: cannot write: ENOENT/,
    );
  });

  it('usage errors: bad width, bad format, node without maps', async () => {
    await expect(run('map', '--width', '10', VIRTIO)).rejects.toBeInstanceOf(CommanderError);
    await expect(run('map', '--format', 'png', VIRTIO)).rejects.toBeInstanceOf(CommanderError);
    await expect(run('map', '--node', '/intc@8000000', VIRTIO)).rejects.toThrow(/carries no iommu-map or msi-map/);
    await expect(run('map', 'missing.dtb')).rejects.toThrow(/missing\.dtb: no such file/);
  });
});

describe('dtmap diff', () => {
  it('smmuv3 -> virtio-iommu, pretty', async () => {
    expect(await run('diff', SMMU, VIRTIO)).toBe(0);
    expect(out()).toBe(
      [
        SMMU,
        `-> ${VIRTIO}`,
        '(classic kernel, Linux 5.3-7.1)',
        '/pcie@10000000  bus 00-ff',
        '  iommu-map  00:00.0-00:01.7  target changed (16 RIDs)',
        '      old  -> /smmuv3@9050000 StreamID 0x0-0xf',
        '      new  -> /pcie@10000000/virtio_iommu@2,0 StreamID 0x0-0xf',
        '  iommu-map  00:02.0  outcome changed (1 RID)',
        '      old  -> /smmuv3@9050000 StreamID 0x10',
        '      new  gap: bypass (no IOMMU, untranslated DMA)',
        '  iommu-map  00:02.1-ff:1f.7  target changed (65519 RIDs)',
        '      old  -> /smmuv3@9050000 StreamID 0x11-0xffff',
        '      new  -> /pcie@10000000/virtio_iommu@2,0 StreamID 0x11-0xffff',
        '  msi-map    unchanged',
        '~ 3 changed ranges on 1 of 1 node',
        '',
      ].join('\n'),
    );
  });

  it('--fail-on-change: 1 when something changed, 0 when nothing did', async () => {
    expect(await run('diff', '--fail-on-change', SMMU, VIRTIO)).toBe(1);
    expect(await run('diff', '--fail-on-change', VIRTIO, VIRTIO)).toBe(0);
    expect(out()).toContain('= no change: 1 node translates every RID the same way');
  });

  it('JSON', async () => {
    await run('diff', '--format', 'json', '--kernel', 'mainline', SMMU, VIRTIO);
    const j = JSON.parse(out());
    expect(j).toMatchObject({
      version: 1,
      old: SMMU,
      new: VIRTIO,
      kernel: 'mainline',
      changed: true,
      onlyOld: [],
      onlyNew: [],
    });
    expect(j.nodes[0].busRange).toEqual({ old: [0, 255], new: [0, 255] });
    expect(j.nodes[0].changes[1]).toEqual({
      map: 'iommu-map',
      first: 16,
      last: 16,
      change: 'status',
      old: { status: 'translated', target: '/smmuv3@9050000', idFirst: 16, idLast: 16, errno: null },
      new: { status: 'bypass', target: null, idFirst: 16, idLast: 16, errno: null },
    });
  });

  it('an unreadable side is an input error', async () => {
    await expect(run('diff', VIRTIO, 'missing.dtb')).rejects.toBeInstanceOf(InputError);
  });
});

describe('map and diff take the input settings check takes', () => {
  // a board whose host bridge is in a .dtsi found only through -I (or the configuration's include)
  const SOC = `/ { #address-cells = <1>; #size-cells = <1>;
  smmu: iommu@1000 { reg = <0x1000 0x100>; #iommu-cells = <1>; };
  pcie: pcie@2000 { device_type = "pci"; reg = <0x2000 0x100>; bus-range = <0 1>;
    #address-cells = <3>; #size-cells = <2>; iommu-map = <0 &smmu 0 LEN>; }; };\n`;
  function project(): string {
    const dir = tempDir('dtmap-settings-');
    mkdirSync(join(dir, 'inc'));
    writeFileSync(join(dir, 'inc', 'soc.dtsi'), SOC);
    writeFileSync(join(dir, 'old.dts'), '/dts-v1/;\n#define LEN 0x200\n#include "soc.dtsi"\n');
    writeFileSync(join(dir, 'new.dts'), '/dts-v1/;\n#define LEN 0x100\n#include "soc.dtsi"\n');
    writeFileSync(join(dir, 'board.dts'), '/dts-v1/;\n#include "soc.dtsi"\n');
    return dir;
  }

  it('map -I DIR board.dts reads the include; without -I it is an input error', async () => {
    const dir = project();
    await expect(run('map', join(dir, 'old.dts'))).rejects.toThrow(/soc\.dtsi/);
    expect(await run('map', '-I', join(dir, 'inc'), join(dir, 'old.dts'))).toBe(0);
    expect(out()).toContain('/pcie@2000  bus 00-01');
    expect(out()).toContain('  A  /iommu@1000 (smmu)  IOMMU');
  });

  it('map -D defines a macro for the board', async () => {
    const dir = project();
    expect(await run('map', '-I', join(dir, 'inc'), '-D', 'LEN=0x100', join(dir, 'board.dts'))).toBe(0);
    expect(out()).toContain('iommu-map  00:00.0-00:1f.7 -> StreamID 0x0-0xff');
  });

  it('map --config: the configuration names the include folder and the defines', async () => {
    const dir = project();
    const config = join(dir, 'dtmap.json');
    writeFileSync(config, JSON.stringify({ include: ['inc'], define: { LEN: '0x200' } }));
    expect(await run('map', '--config', config, join(dir, 'board.dts'))).toBe(0);
    expect(out()).toContain('iommu-map  00:00.0-01:1f.7 -> StreamID 0x0-0x1ff');
  });

  it('map --overlay applies the overlay first', async () => {
    const base = 'fixtures/overlay/base.dtb';
    await expect(run('map', '--node', 'pcie1', base)).rejects.toThrow(/no such node or label/);
    expect(await run('map', '--node', 'pcie1', '--overlay', 'fixtures/overlay/add-pcie.dtbo', base)).toBe(0);
    expect(out()).toContain('/soc/pcie@40000000');
  });

  it('diff -I DIR old.dts new.dts compares the two boards', async () => {
    const dir = project();
    await expect(run('diff', join(dir, 'old.dts'), join(dir, 'new.dts'))).rejects.toBeInstanceOf(InputError);
    expect(
      await run('diff', '--fail-on-change', '-I', join(dir, 'inc'), join(dir, 'old.dts'), join(dir, 'new.dts')),
    ).toBe(1);
    expect(out()).toContain('  iommu-map  01:00.0-01:1f.7  outcome changed (256 RIDs)');
    expect(out()).toContain('      new  gap: bypass (no IOMMU, untranslated DMA)');
  });

  it('diff -D applies to both trees', async () => {
    const dir = project();
    const board = join(dir, 'board.dts');
    expect(await run('diff', '-I', join(dir, 'inc'), '-D', 'LEN=0x200', '--fail-on-change', board, board)).toBe(0);
    expect(out()).toContain('= no change: 1 node translates every RID the same way');
  });
});

describe('query --all (runTable)', () => {
  it('writes the table and returns the query exit code', async () => {
    expect(runTable(await loadTree(VIRTIO), { kernel: 'classic', format: 'pretty' })).toBe(0);
    expect(out()).toContain('    00:02.0          gap: bypass, no IOMMU (untranslated DMA)');
  });
});
