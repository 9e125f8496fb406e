// What `dtmap check` makes of its arguments as a new user gives them: a lone `.dtsi`, a folder of
// an in-tree kernel build (board.dts beside board.dtb).
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tempDir } from '../helpers.js';
import { boardRoots, throughBoards } from '../../src/app/files.js';

const BIN = resolve('bin/dtmap.cjs');
const run = (args: string[], cwd = process.cwd()) => {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    cwd,
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const KERNEL = resolve('fixtures/lsp/linux'); // a small kernel tree: rk3399 boards and their .dtsi
const ROCKCHIP = 'arch/arm64/boot/dts/rockchip';
const files = (json: string) => (JSON.parse(json) as { files: { file: string }[] }).files.map((f) => f.file);

describe('a lone .dtsi', () => {
  it('is checked through the boards that include it, named on one note line', () => {
    const r = run(['check', '--format', 'json', `${ROCKCHIP}/rk3399-base.dtsi`], KERNEL);
    expect(files(r.out)).toEqual([`${ROCKCHIP}/rk3399-evb.dts`, `${ROCKCHIP}/rk3399-firefly.dts`]);
    expect(r.err).toBe(
      `dtmap: note: ${ROCKCHIP}/rk3399-base.dtsi is not a tree of its own: checked through the 2 boards in arch/arm64/boot/dts that include it: rk3399-evb.dts, rk3399-firefly.dts\n`,
    );
    expect(r.code).toBe(1); // firefly's msi-map gap, written in the .dtsi
  });

  it('through other .dtsi files too, each board once beside the boards given', () => {
    const r = run(
      [
        'check',
        '--format',
        'json',
        `${ROCKCHIP}/rk3399-firefly.dts`,
        `${ROCKCHIP}/rk3399.dtsi`,
        `${ROCKCHIP}/rk3399-base.dtsi`,
      ],
      KERNEL,
    );
    expect(files(r.out)).toEqual([`${ROCKCHIP}/rk3399-firefly.dts`, `${ROCKCHIP}/rk3399-evb.dts`]);
  });

  it('outside a kernel tree: the boards under the working directory', () => {
    expect(boardRoots('sub/a.dtsi', resolve('fixtures/cpp'))).toEqual(['.']);
    expect(boardRoots(`${KERNEL}/${ROCKCHIP}/rk3399.dtsi`, '/')).toEqual([`${KERNEL.slice(1)}/arch/arm64/boot/dts`]);
    const notes: string[] = [];
    expect(throughBoards(['sub/a.dtsi'], (n) => notes.push(n), resolve('fixtures/cpp'))).toEqual(['include.dts']);
    expect(notes).toEqual([
      'sub/a.dtsi is not a tree of its own: checked through the board in the working directory that includes it: include.dts',
    ]);
  });

  it('that no board includes: said so, nothing checked, exit 0', () => {
    const dir = tempDir('dtmap-dtsi-');
    copyFileSync(`${KERNEL}/${ROCKCHIP}/rk3399.dtsi`, join(dir, 'alone.dtsi'));
    const r = run(['check', 'alone.dtsi'], dir);
    expect(r.err).toBe(
      'dtmap: note: alone.dtsi is not a tree of its own, and no board (.dts) in the working directory includes it: nothing to check for it\n',
    );
    expect(r.out).toMatch(/^✔ 0 files/);
    expect(r.code).toBe(0);
  });

  it('that does not exist: the usual one line, exit 2', () => {
    const r = run(['check', 'missing.dtsi']);
    expect(r.err).toMatch(/^dtmap: error: .*missing\.dtsi.*\n$/);
    expect(r.code).toBe(2);
  });
});

describe('a folder holding board.dts and board.dtb (an in-tree kernel build)', () => {
  it('checks the source once; -v says the blob was left out', () => {
    const dir = tempDir('dtmap-intree-');
    mkdirSync(join(dir, 'vendor'));
    for (const ext of ['dts', 'dtb'])
      copyFileSync(`fixtures/rules/msi-gap-error.${ext}`, join(dir, 'vendor', `board.${ext}`));
    copyFileSync('fixtures/qemu/virt-virtio-iommu.dtb', join(dir, 'vendor', 'qemu.dtb')); // no source beside it: kept
    const r = run(['check', '--format', 'json', '-v', '.'], dir);
    expect(files(r.out)).toEqual(['vendor/board.dts', 'vendor/qemu.dtb']);
    expect(r.err).toBe(
      'dtmap: note: vendor/board.dtb left out: vendor/board.dts beside it is its source, checked once\n',
    );
    const glob = run(['check', '--format', 'json', 'vendor/*'], dir);
    expect(files(glob.out)).toEqual(['vendor/board.dts', 'vendor/qemu.dtb']);
    expect(glob.err).toBe(''); // without -v, no note
    // named one by one, both are checked: the user asked for them
    expect(files(run(['check', '--format', 'json', 'vendor/board.dts', 'vendor/board.dtb'], dir).out)).toHaveLength(2);
  });
});
