// Outputs never replace an input (by device and inode: links count), and numeric options are
// checked: issue 14.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readDtb } from '../../src/dtb/read.js';
import { writeLiveTree } from '../live/write.js';

const BIN = resolve('bin/dtmap.cjs');
const VIRTIO = resolve('fixtures/qemu/virt-virtio-iommu.dtb');
const OVERLAY = resolve('fixtures/overlay');
let dir: string;
const run = (...args: string[]) => {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    cwd: dir,
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

/** Every file of the test folder with its content, to prove that nothing was written. */
function snapshot(): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(join(dir, d), { withFileTypes: true })) {
      const p = d ? `${d}/${e.name}` : e.name;
      if (e.isDirectory()) walk(p);
      else out[p] = readFileSync(join(dir, p), 'latin1');
    }
  };
  walk('');
  return out;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dtmap-out-'));
  copyFileSync(VIRTIO, join(dir, 'a.dtb'));
  symlinkSync('a.dtb', join(dir, 'sym.dtb'));
  linkSync(join(dir, 'a.dtb'), join(dir, 'hard.dtb'));
  writeFileSync(join(dir, 'soc.dtsi'), '/ { compatible = "vendor,soc"; };\n');
  for (const b of ['b1', 'b2', 'b3', 'b4'])
    writeFileSync(join(dir, `${b}.dts`), `/dts-v1/;\n#include "soc.dtsi"\n/ { model = "${b}"; };\n`);
  // a board whose .dtsi fails in the preprocessor, and one whose .dtsi fails in the parser
  writeFileSync(join(dir, 'cpp-bad.dtsi'), '#if\n');
  writeFileSync(join(dir, 'cpp-bad.dts'), '/dts-v1/;\n#include "cpp-bad.dtsi"\n');
  writeFileSync(join(dir, 'dtc-bad.dtsi'), '/ { x = <1; };\n');
  writeFileSync(join(dir, 'dtc-bad.dts'), '/dts-v1/;\n#include "dtc-bad.dtsi"\n');
  writeFileSync(join(dir, 'config.json'), '{"rules": {}}\n');
  writeFileSync(join(dir, 'base.json'), '{"version": 1, "findings": []}\n');
  copyFileSync(join(OVERLAY, 'base.dtb'), join(dir, 'ov-base.dtb'));
  copyFileSync(join(OVERLAY, 'add-pcie.dtbo'), join(dir, 'add.dtbo'));
  mkdirSync(join(dir, 'rc'));
  writeFileSync(join(dir, 'rc', '.dtmaprc.json'), '{}\n');
  writeLiveTree(readDtb(readFileSync(VIRTIO)), join(dir, 'live'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('an output that is also an input: one line, exit 2, nothing written', () => {
  const cases: Array<[string, string[], string, string, string | (() => string)]> = [
    // [what, arguments, option, output, the input it is]
    ['check -o onto its DTB', ['check', 'a.dtb', '-o', 'a.dtb'], '-o', 'a.dtb', 'a.dtb'],
    ['check -o onto a symlink to the DTB', ['check', 'a.dtb', '-o', 'sym.dtb'], '-o', 'sym.dtb', 'a.dtb'],
    ['check -o onto a hard link to the DTB', ['check', 'a.dtb', '-o', 'hard.dtb'], '-o', 'hard.dtb', 'a.dtb'],
    ['check of a symlink, -o onto its target', ['check', 'sym.dtb', '-o', 'a.dtb'], '-o', 'a.dtb', 'sym.dtb'],
    ['check -o onto the .dtsi a board includes', ['check', 'b1.dts', '-o', 'soc.dtsi'], '-o', 'soc.dtsi', 'soc.dtsi'],
    [
      'the same on two threads (pipeline)',
      ['check', '--jobs', '2', 'b1.dts', 'b2.dts', 'b3.dts', 'b4.dts', '-o', 'soc.dtsi'],
      '-o',
      'soc.dtsi',
      'soc.dtsi',
    ],
    [
      'the same on three worker threads',
      ['check', '--jobs', '3', 'b1.dts', 'b2.dts', 'b3.dts', 'b4.dts', '-o', 'soc.dtsi'],
      '-o',
      'soc.dtsi',
      'soc.dtsi',
    ],
    [
      'a .dtsi that fails in the preprocessor',
      ['check', 'cpp-bad.dts', '-o', 'cpp-bad.dtsi'],
      '-o',
      'cpp-bad.dtsi',
      'cpp-bad.dtsi',
    ],
    [
      'a .dtsi that fails in the parser',
      ['check', 'dtc-bad.dts', '-o', 'dtc-bad.dtsi'],
      '-o',
      'dtc-bad.dtsi',
      'dtc-bad.dtsi',
    ],
    [
      '--write-baseline onto an input',
      ['check', 'a.dtb', '--write-baseline', 'hard.dtb'],
      '--write-baseline',
      'hard.dtb',
      'a.dtb',
    ],
    [
      '--write-baseline onto the baseline read',
      ['check', 'a.dtb', '--baseline', 'base.json', '--write-baseline', 'base.json'],
      '--write-baseline',
      'base.json',
      'base.json',
    ],
    [
      '-o onto the configuration',
      ['check', 'a.dtb', '--config', 'config.json', '-o', 'config.json'],
      '-o',
      'config.json',
      () => join(dir, 'config.json'),
    ], // --config: named in full
    [
      '-o onto an overlay',
      ['check', 'ov-base.dtb', '--overlay', 'add.dtbo', '-o', 'add.dtbo'],
      '-o',
      'add.dtbo',
      'add.dtbo',
    ],
    [
      '-o inside a live tree, even a new file',
      ['check', '--live', 'live', '-o', 'live/report.txt'],
      '-o',
      'live/report.txt',
      'live',
    ],
    ['map -o onto an included .dtsi', ['map', 'b1.dts', '-o', 'soc.dtsi'], '-o', 'soc.dtsi', 'soc.dtsi'],
    ['map -o onto a hard link to the DTB', ['map', 'a.dtb', '-o', 'hard.dtb'], '-o', 'hard.dtb', 'a.dtb'],
    ['compile -o onto its own source', ['compile', 'b1.dts', '-o', 'b1.dts'], '-o', 'b1.dts', 'b1.dts'],
    ['compile -o onto the .dtsi it includes', ['compile', 'b2.dts', '-o', 'soc.dtsi'], '-o', 'soc.dtsi', 'soc.dtsi'],
  ];
  for (const [what, args, option, out, input] of cases)
    it(what, () => {
      const before = snapshot();
      const r = run(...args);
      expect(r.code).toBe(2);
      expect(r.err).toBe(
        `dtmap: error: ${option} ${out} is also an input (${typeof input === 'string' ? input : input()}); nothing written\n`,
      );
      expect(r.out).toBe('');
      expect(snapshot()).toEqual(before);
    });

  it('-o and --write-baseline on one file', () => {
    const r = run('check', 'a.dtb', '--write-baseline', 'same.json', '-o', 'same.json');
    expect(r.code).toBe(2);
    expect(r.err).toBe('dtmap: error: -o same.json is also the --write-baseline file; nothing written\n');
    expect(readdirSync(dir)).not.toContain('same.json');
  });

  it('.dtmaprc.json found upwards is an input too', () => {
    const r = spawnSync(process.execPath, [BIN, 'check', '../a.dtb', '-o', '.dtmaprc.json'], {
      encoding: 'utf8',
      cwd: join(dir, 'rc'),
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      `dtmap: error: -o .dtmaprc.json is also an input (${join(dir, 'rc', '.dtmaprc.json')}); nothing written\n`,
    );
  });

  it('an output that is not an input is written, new or replaced', () => {
    expect(run('check', 'a.dtb', '-o', 'new.txt').code).toBe(0);
    expect(readFileSync(join(dir, 'new.txt'), 'utf8')).toContain('iommu-map-gap');
    writeFileSync(join(dir, 'old.txt'), 'old');
    expect(run('check', 'b1.dts', '--format', 'json', '-o', 'old.txt').code).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'old.txt'), 'utf8')).files[0].file).toBe('b1.dts');
    expect(run('compile', 'b1.dts', '-o', 'b1.dtb').code).toBe(0);
    expect(run('map', 'a.dtb', '-o', 'map.txt').code).toBe(0);
    expect(run('check', 'a.dtb', '--write-baseline', 'new-base.json').code).toBe(0);
    for (const f of ['new.txt', 'old.txt', 'b1.dtb', 'map.txt', 'new-base.json']) rmSync(join(dir, f));
  });
});

describe('numeric options take integers in range', () => {
  const bad: Array<[string[], string]> = [
    [
      ['check', '--jobs', '0', 'a.dtb'],
      "option '-j, --jobs <n>' argument '0' is invalid. expected an integer from 1 to 256",
    ],
    [['check', '--jobs', '-1', 'a.dtb'], "option '-j, --jobs <n>' argument '-1' is invalid"],
    [['check', '--jobs', '1.5', 'a.dtb'], "argument '1.5' is invalid"],
    [['check', '--jobs', 'two', 'a.dtb'], "argument 'two' is invalid"],
    [['check', '--jobs', '257', 'a.dtb'], "argument '257' is invalid. expected an integer from 1 to 256"],
    [
      ['check', '--max-warnings', '-1', 'a.dtb'],
      "option '--max-warnings <n>' argument '-1' is invalid. expected an integer of at least 0",
    ],
    [['check', '--max-warnings', '', 'a.dtb'], "argument '' is invalid"],
    [['check', '--max-warnings', '1e3', 'a.dtb'], "argument '1e3' is invalid"],
    [
      ['map', '--width', '30', 'a.dtb'],
      "option '--width <columns>' argument '30' is invalid. expected an integer from 31 to 1000",
    ],
    [['map', '--width', '1001', 'a.dtb'], "argument '1001' is invalid"],
    [
      ['compile', '-b', '0x100000000', 'b1.dts', '-o', 'x.dtb'],
      "option '-b, --boot-cpu <n>' argument '0x100000000' is invalid. expected an integer from 0 to 4294967295",
    ],
  ];
  for (const [args, message] of bad)
    it(args.join(' '), () => {
      const r = run(...args);
      expect(r.code).toBe(2);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).toContain(message);
    });

  it('values in range are taken', () => {
    expect(run('check', '--jobs', '256', '--max-warnings', '0', 'a.dtb').code).toBe(0);
    expect(run('map', '--width', '31', 'a.dtb').code).toBe(0);
    expect(run('compile', '-b', '0x10', 'b1.dts', '-o', 'b1.dtb').code).toBe(0);
    expect(readDtb(readFileSync(join(dir, 'b1.dtb'))).bootCpuidPhys).toBe(0x10);
    rmSync(join(dir, 'b1.dtb'));
  });
});
