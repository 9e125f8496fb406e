import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
  chmodSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readDtb } from '../../src/dtb/read.js';
import { isLiveTree, LiveTreeError, readLiveTree } from '../../src/live/read.js';
import type { Tree } from '../../src/tree/model.js';
import { writeLiveTree } from './write.js';

const blob = (path: string) => new Uint8Array(readFileSync(path));
const DTC_FS_FIXTURE = 'test/live/fixtures/virt-virtio-iommu.fs.dtb';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'dtmap-live-'));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});
let n = 0;
const fresh = () => join(tmp, `t${n++}`);

/** Every node path and every property (name and bytes), in tree order. */
function dump(t: Tree): string[] {
  const out: string[] = [];
  for (const node of t.root.walk()) {
    out.push(node.path);
    for (const p of node.props) out.push(`  ${p.name} = ${Buffer.from(p.value).toString('hex')}`);
  }
  return out;
}

/** dtc -s order: properties and subnodes by name, strcmp(). */
function sorted(t: Tree): Tree {
  const cmp = (a: { name: string }, b: { name: string }) =>
    Buffer.compare(Buffer.from(a.name, 'latin1'), Buffer.from(b.name, 'latin1'));
  for (const node of t.root.walk()) {
    node.props.sort(cmp);
    node.children.sort(cmp);
  }
  return t;
}

function errorOf(f: () => void): LiveTreeError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(LiveTreeError);
    return e as LiveTreeError;
  }
  throw new Error('no error');
}

describe('readLiveTree reads back what writeLiveTree wrote from a DTB', () => {
  const blobs = [
    'fixtures/qemu/virt-virtio-iommu.dtb',
    'fixtures/qemu/virt-smmuv3-its.dtb',
    'fixtures/qemu/virt-gicv2.dtb',
    'fixtures/overlay/add-pcie.expected.dtb',
  ];
  for (const file of blobs)
    it(`${file}: same tree as readDtb, sorted as dtc -s sorts`, () => {
      const dir = fresh();
      writeLiveTree(readDtb(blob(file), file), dir);
      const live = readLiveTree(dir);
      expect(dump(live)).toEqual(dump(sorted(readDtb(blob(file), file))));
      expect(live.source).toBe(dir);
    });

  it('the maps still resolve: phandles and labels work on the live tree', () => {
    const dir = fresh();
    writeLiveTree(readDtb(blob('fixtures/overlay/add-pcie.expected.dtb')), dir, { kernelNames: true });
    const t = readLiveTree(dir);
    const map = t.byPath('/soc/pcie@40000000')!.prop('iommu-map')!.cells();
    expect(t.byPhandle(map[1]!)!.path).toBe('/soc/iommu@9050000');
    expect(t.byLabel('pcie1')!.path).toBe('/soc/pcie@40000000');
  });
});

describe('the name property the kernel adds (dtc -I fs drops it when it is redundant)', () => {
  it('is dropped when it is the node name without the unit address, root included', () => {
    const dir = fresh();
    writeLiveTree(readDtb(blob('fixtures/qemu/virt-virtio-iommu.dtb')), dir, { kernelNames: true });
    expect(readFileSync(join(dir, 'pcie@10000000', 'name'), 'latin1')).toBe('pcie\0');
    expect(dump(readLiveTree(dir))).toEqual(dump(sorted(readDtb(blob('fixtures/qemu/virt-virtio-iommu.dtb')))));
  });

  it('is kept when it says something else', () => {
    const dir = fresh();
    mkdirSync(join(dir, 'uart@1000'), { recursive: true });
    writeFileSync(join(dir, 'compatible'), 'x\0');
    writeFileSync(join(dir, 'uart@1000', 'name'), 'serial\0');
    writeFileSync(join(dir, 'name'), 'root\0');
    const t = readLiveTree(dir);
    expect(t.root.prop('name')!.string()).toBe('root');
    expect(t.byPath('/uart@1000')!.prop('name')!.string()).toBe('serial');
  });

  it('matches dtc -I fs -s on the same directory (committed output of Debian dtc 1.6.1)', () => {
    const dir = fresh();
    writeLiveTree(readDtb(blob('fixtures/qemu/virt-virtio-iommu.dtb')), dir, { kernelNames: true });
    if (process.env.DTMAP_WRITE_FIXTURES) {
      mkdirSync('test/live/fixtures', { recursive: true });
      execFileSync('dtc', ['-q', '-I', 'fs', '-O', 'dtb', '-s', '-o', DTC_FS_FIXTURE, dir]);
    }
    expect(dump(readLiveTree(dir))).toEqual(dump(readDtb(blob(DTC_FS_FIXTURE))));
  });

  it.skipIf(!existsSync('/usr/bin/dtc'))('matches dtc -I fs -s run now (when dtc is installed)', () => {
    const dir = fresh();
    writeLiveTree(readDtb(blob('fixtures/overlay/modify.expected.dtb')), dir, { kernelNames: true });
    const out = join(tmp, 'dtc-now.dtb');
    execFileSync('/usr/bin/dtc', ['-q', '-I', 'fs', '-O', 'dtb', '-s', '-o', out, dir]);
    expect(dump(readLiveTree(dir))).toEqual(dump(readDtb(blob(out))));
  });
});

describe('order and entries', () => {
  it('sorts by name byte by byte whatever order the files were made in (# and upper case first)', () => {
    const dir = fresh();
    mkdirSync(dir);
    for (const name of ['zz', 'model', 'Beta', '#size-cells', 'compatible', '#address-cells'])
      writeFileSync(join(dir, name), '');
    for (const name of ['zeta@1', 'alpha', 'Alpha@0', 'alpha@0']) mkdirSync(join(dir, name));
    const t = readLiveTree(dir);
    expect(t.root.props.map((p) => p.name)).toEqual([
      '#address-cells',
      '#size-cells',
      'Beta',
      'compatible',
      'model',
      'zz',
    ]);
    expect(t.root.children.map((c) => c.name)).toEqual(['Alpha@0', 'alpha', 'alpha@0', 'zeta@1']);
  });

  it('follows symlinks to files and folders, as dtc stat()s them', () => {
    const dir = fresh();
    mkdirSync(join(dir, 'real'), { recursive: true });
    writeFileSync(join(dir, 'real', 'reg'), Buffer.from([0, 0, 0, 1]));
    symlinkSync('real', join(dir, 'link'));
    symlinkSync(join('real', 'reg'), join(dir, 'reg-link'));
    const t = readLiveTree(dir);
    expect(t.byPath('/link')!.prop('reg')!.u32()).toBe(1);
    expect(t.root.prop('reg-link')!.u32()).toBe(1);
  });

  it('follows a symlinked top folder (/proc/device-tree is one)', () => {
    const dir = fresh();
    writeLiveTree(readDtb(blob('fixtures/qemu/virt-gicv2.dtb')), dir);
    const link = `${dir}-link`;
    symlinkSync(dir, link);
    expect(isLiveTree(link)).toBe(true);
    expect(dump(readLiveTree(link))).toEqual(dump(readLiveTree(dir)));
  });

  it.skipIf(process.platform === 'win32')('skips FIFOs (neither file nor folder), as dtc does', () => {
    const dir = fresh();
    mkdirSync(dir);
    writeFileSync(join(dir, 'compatible'), 'x\0');
    execFileSync('mkfifo', [join(dir, 'pipe')]);
    expect(readLiveTree(dir).root.props.map((p) => p.name)).toEqual(['compatible']);
  });

  it.skipIf(process.getuid?.() === 0)('skips a file it may not read, with a warning', () => {
    const dir = fresh();
    mkdirSync(dir);
    writeFileSync(join(dir, 'compatible'), 'x\0');
    writeFileSync(join(dir, 'security-key'), 'k');
    chmodSync(join(dir, 'security-key'), 0);
    const warnings: string[] = [];
    const t = readLiveTree(dir, { onWarning: (m) => warnings.push(m) });
    expect(t.root.props.map((p) => p.name)).toEqual(['compatible']);
    expect(warnings).toEqual([expect.stringMatching(/security-key: cannot be read \(EACCES\)/)]);
  });

  it('guesses boot_cpuid_phys as dtc does: the one-cell reg of the first /cpus child', () => {
    const dir = fresh();
    mkdirSync(join(dir, 'cpus', 'cpu@2'), { recursive: true });
    mkdirSync(join(dir, 'cpus', 'cpu@3'), { recursive: true });
    writeFileSync(join(dir, 'cpus', 'cpu@2', 'reg'), Buffer.from([0, 0, 0, 2]));
    expect(readLiveTree(dir).bootCpuidPhys).toBe(2);
  });
});

describe('bounds: LiveTreeError naming the path', () => {
  it('a symlink back to an ancestor folder', () => {
    const dir = fresh();
    mkdirSync(join(dir, 'soc', 'bus'), { recursive: true });
    symlinkSync('../..', join(dir, 'soc', 'bus', 'loop'));
    const e = errorOf(() => readLiveTree(dir));
    expect(e.message).toBe(`${join(dir, 'soc', 'bus', 'loop')}: symlink loop: this folder is one of its own ancestors`);
    expect(e.file).toBe(join(dir, 'soc', 'bus', 'loop'));
  });

  it('a symlink to itself (ELOOP) and a broken symlink', () => {
    const dir = fresh();
    mkdirSync(dir);
    symlinkSync('self', join(dir, 'self'));
    expect(errorOf(() => readLiveTree(dir)).message).toBe(`${join(dir, 'self')}: symlink loop`);
    const dir2 = fresh();
    mkdirSync(dir2);
    symlinkSync('nowhere', join(dir2, 'gone'));
    expect(errorOf(() => readLiveTree(dir2)).message).toMatch(/gone: broken symlink/);
  });

  it('nodes nested deeper than 64', () => {
    const dir = fresh();
    const deep = join(dir, ...Array.from({ length: 65 }, (_, i) => `n${i}`));
    mkdirSync(deep, { recursive: true });
    expect(errorOf(() => readLiveTree(dir)).message).toBe(`${deep}: nodes nested deeper than 64`);
    expect(() => readLiveTree(join(dir, 'n0'))).not.toThrow(); // 64 levels below n0 is fine
  });

  it('a property file over 16 MiB', () => {
    const dir = fresh();
    mkdirSync(dir);
    writeFileSync(join(dir, 'big'), '');
    truncateSync(join(dir, 'big'), 16 * 1024 * 1024 + 1); // sparse: costs no disk
    expect(errorOf(() => readLiveTree(dir)).message).toBe(
      `${join(dir, 'big')}: property file is 16777217 bytes, more than the 16777216 byte limit`,
    );
  });

  it('more than the total size', () => {
    const dir = fresh();
    writeLiveTree(readDtb(blob('fixtures/qemu/virt-virtio-iommu.dtb')), dir);
    expect(errorOf(() => readLiveTree(dir, { maxTotalSize: 1000 })).message).toMatch(
      /: the tree holds more than 1000 bytes \(the limit\)$/,
    );
  });

  it('not a directory, or missing', () => {
    expect(errorOf(() => readLiveTree('fixtures/qemu/virt-gicv2.dtb')).message).toBe(
      'fixtures/qemu/virt-gicv2.dtb: not a directory',
    );
    expect(errorOf(() => readLiveTree(join(tmp, 'nope'))).message).toMatch(/nope: broken symlink|nope: .*no such file/);
  });
});

describe('isLiveTree (property files at the top, no *.dts / *.dtb)', () => {
  it('true for a written live tree', () => {
    const dir = fresh();
    writeLiveTree(readDtb(blob('fixtures/qemu/virt-gicv2.dtb')), dir, { kernelNames: true });
    expect(isLiveTree(dir)).toBe(true);
  });

  it('false for a folder of sources or blobs, a file, a folder without root properties, a missing path', () => {
    const dir = fresh();
    mkdirSync(dir);
    writeFileSync(join(dir, 'compatible'), 'x\0');
    writeFileSync(join(dir, 'board.dts'), '/dts-v1/; / { };');
    expect(isLiveTree(dir)).toBe(false);
    expect(isLiveTree('fixtures/qemu')).toBe(false);
    expect(isLiveTree('fixtures/qemu/virt-gicv2.dtb')).toBe(false);
    const empty = fresh();
    mkdirSync(join(empty, 'compatible'), { recursive: true }); // a folder, not a property file
    writeFileSync(join(empty, 'notes'), '');
    expect(isLiveTree(empty)).toBe(false);
    expect(isLiveTree(join(tmp, 'missing'))).toBe(false);
  });
});

describe('a raw blob on stdin (/sys/firmware/fdt) is readDtb on the bytes', () => {
  it('readDtb reads a Buffer read from stdin by the built library', () => {
    const file = 'fixtures/qemu/virt-virtio-iommu.dtb';
    // Read stdin asynchronously: readFileSync(0) on a pipe can fail with EAGAIN.
    const script = `const { readDtb } = await import(${JSON.stringify(resolve('dist/index.js'))});
      const chunks = [];
      for await (const chunk of process.stdin) chunks.push(chunk);
      const t = readDtb(Buffer.concat(chunks), '-');
      console.log(JSON.stringify({ source: t.source, nodes: [...t.root.walk()].length }));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { input: readFileSync(file) });
    expect(r.status, r.stderr.toString()).toBe(0);
    expect(JSON.parse(r.stdout.toString())).toEqual({
      source: '-',
      nodes: [...readDtb(blob(file)).root.walk()].length,
    });
  });

  it('readDtb reads a Buffer that sits at an offset of a larger ArrayBuffer (pooled stdin chunks)', () => {
    const bytes = readFileSync('fixtures/qemu/virt-gicv2.dtb');
    const shifted = Buffer.concat([Buffer.alloc(3), bytes]).subarray(3);
    expect(shifted.byteOffset).not.toBe(0);
    expect(dump(readDtb(shifted, '-'))).toEqual(dump(readDtb(blob('fixtures/qemu/virt-gicv2.dtb'))));
  });
});
