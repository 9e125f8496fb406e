// The bundled CLI, run as users run it, on the QEMU DTBs.
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.js';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const run = (...args: string[]) => {
  const r = spawnSync(process.execPath, ['bin/dtmap.cjs', ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const VIRTIO = 'fixtures/qemu/virt-virtio-iommu.dtb';

describe('dtmap check', () => {
  it('explains the virtio-iommu gap at 00:02.0 as the IOMMU own function and exits 0', () => {
    const r = run('check', VIRTIO);
    expect(r.code).toBe(0);
    expect(r.out).toContain('iommu-map-gap');
    expect(r.out).toContain("RID 00:02.0 is left out of iommu-map on purpose: it is the IOMMU's own function");
    expect(r.out).not.toMatch(/\x1b\[/); // NO_COLOR
  });

  it('JSON follows the contract', () => {
    const r = run('check', '--format', 'json', VIRTIO, 'fixtures/qemu/virt-smmuv3-its.dtb');
    const j = JSON.parse(r.out);
    expect(j.version).toBe(1);
    expect(j.files).toHaveLength(2);
    const [virtio, smmu] = j.files;
    expect(virtio.error).toBeNull();
    expect(virtio.maps.map((m: { property: string }) => m.property)).toEqual(['iommu-map', 'msi-map']);
    expect(virtio.maps[0]).toMatchObject({
      node: '/pcie@10000000',
      status: 'okay',
      mask: 0xffffffff,
      busRange: [0, 255],
    });
    expect(virtio.maps[0].entries[1]).toMatchObject({
      ridBase: 0x11,
      target: '/pcie@10000000/virtio_iommu@2,0',
      outBase: 0x11,
      out: [0x11],
      length: 0xffef,
    });
    expect(virtio.diagnostics).toEqual([
      expect.objectContaining({
        rule: 'iommu-map-gap',
        severity: 'info',
        node: '/pcie@10000000',
        property: 'iommu-map',
        rids: [[0x10, 0x10]],
        entry: null,
      }),
    ]);
    expect(smmu.diagnostics).toEqual([]);
    expect(j.summary).toEqual({ errors: 0, warnings: 0, infos: 1 });
  });

  it('unreadable input: one line naming the file, exit 2, others still checked', () => {
    const dir = tempDir('dtmap-');
    const bad = join(dir, 'bad.dtb');
    writeFileSync(bad, readFileSync(VIRTIO).subarray(0, 1000));
    const r = run('check', bad, VIRTIO);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/bad\.dtb: truncated: totalsize is \d+ bytes, file has 1000/);
    expect(r.out).toContain('virt-virtio-iommu.dtb');
    expect(run('check', join(dir, 'missing.dtb')).err).toMatch(/missing\.dtb: no such file/);
  });

  it('usage errors exit 2', () => {
    expect(run('check').code).toBe(2);
    expect(run('check', '--kernel', 'bogus', VIRTIO).code).toBe(2);
  });
});

describe('dtmap query', () => {
  it('says which MSI domain a RID in an msi-map gap inherits: the bridge above it, or the host bridge msi-parent', () => {
    const p = run('query', 'fixtures/rules/msi-gap-behind-port.dtb', '01:00.0', '02:00.0').out;
    expect(p).toContain(
      "  msi domain   inherits /msi-controller@fee20000 from its bus's bridge 00:00.0 /pcie@f8000000/pci@0,0, DeviceID = RID",
    );
    expect(p).toContain(
      "  msi domain   inherits /msi-controller@fee20000 from its bus's bridge 00:00.0 /pcie@f8000000/pci@0,0 (the bus itself is not described), DeviceID = RID",
    );
    const parent = (kernel: string) =>
      run('query', '--kernel', kernel, 'fixtures/rules/msi-gap-parent-warning.dtb', '00:02.0').out;
    expect(parent('classic')).toContain(
      "  msi domain   inherits /msi-controller@6020000 from the host bridge's msi-parent, DeviceID = RID (kernels before the October 2024 of_msi_get_domain() change: none)",
    );
    expect(parent('mainline')).toContain(
      "  msi domain   inherits /msi-controller@6020000 from the host bridge's msi-parent, DeviceID = RID\n",
    );
    const j = JSON.parse(
      run('query', '--format', 'json', 'fixtures/rules/msi-gap-port-unmapped.dtb', '0x300', '0x100').out,
    );
    expect(j[0].msiDomain).toEqual({
      via: 'bridge',
      bridge: '/pcie@f8000000/pci@0,0',
      domain: null,
      olderKernels: null,
    });
    expect(j[1].msiDomain).toBeUndefined(); // 01:00.0 is mapped
  });

  it('bypass at the IOMMU function, with the kernel log line', () => {
    const r = run('query', '--format', 'json', VIRTIO, '00:02.0');
    const [row] = JSON.parse(r.out);
    expect(row.rid).toBe(0x10);
    expect(row.iommu).toMatchObject({
      status: 'bypass',
      id: 0x10,
      entry: null,
      errno: null,
      log: 'OF: /pcie@10000000: no iommu-map translation for id 0x10 on (null)',
    });
    expect(row.msi).toMatchObject({ status: 'translated', target: '/intc@8000000/its@8080000', id: 0x10, entry: 0 });
    expect(r.code).toBe(0);
  });

  it('accepts hex, decimal, BDF and ranges; pretty output merges a range', () => {
    const j = JSON.parse(run('query', '--format', 'json', VIRTIO, '0x11', '18', '00:03.0-00:03.1').out);
    expect(j.map((x: { rid: number }) => x.rid)).toEqual([0x11, 18, 0x18, 0x19]);
    expect(j[0].iommu).toMatchObject({ status: 'translated', entry: 1, id: 0x11 });
    const p = run('query', VIRTIO, '00:00.0-ff:1f.7').out;
    expect(p.split('\n').filter((l) => l.startsWith('/pcie'))).toEqual([
      '/pcie@10000000  RID 00:00.0 (0x0) - 00:01.7 (0xf)',
      '/pcie@10000000  RID 00:02.0 (0x10)',
      '/pcie@10000000  RID 00:02.1 (0x11) - ff:1f.7 (0xffff)',
    ]);
  });

  it('bad RIDs and labels in a label-less DTB are usage errors', () => {
    expect(run('query', VIRTIO, '00:20.0').code).toBe(2);
    const r = run('query', '--node', 'pcie', VIRTIO, '0');
    expect(r.code).toBe(2);
    expect(r.err).toContain('no labels');
  });
});

describe('dtmap map and diff with -I', () => {
  it('map -I DIR board.dts and diff -I DIR: the include folder is read, not an unknown option', () => {
    const dir = tempDir('dtmap-');
    mkdirSync(join(dir, 'inc'));
    writeFileSync(
      join(dir, 'inc', 'soc.dtsi'),
      `/ { #address-cells = <1>; #size-cells = <1>; smmu: iommu@1000 { reg = <0x1000 0x100>; #iommu-cells = <1>; };
  pcie@2000 { device_type = "pci"; reg = <0x2000 0x100>; bus-range = <0 1>; #address-cells = <3>; #size-cells = <2>;
    iommu-map = <0 &smmu 0 LEN>; }; };\n`,
    );
    const board = join(dir, 'board.dts');
    writeFileSync(board, '/dts-v1/;\n#include "soc.dtsi"\n');
    const map = run('map', '-I', join(dir, 'inc'), '-D', 'LEN=0x200', board);
    expect(map.err).toBe('');
    expect(map.code).toBe(0);
    expect(map.out).toContain('iommu-map  00:00.0-01:1f.7 -> StreamID 0x0-0x1ff');
    const diff = run('diff', '-I', join(dir, 'inc'), '-D', 'LEN=0x200', board, board);
    expect(diff.code).toBe(0);
    expect(diff.out).toContain('= no change: 1 node translates every RID the same way');
  });
});

describe('malformed DTBs through the CLI', () => {
  it('truncations at every 1/16th and byte flips: exit 2, one line per bad file, never a stack trace', () => {
    const dir = tempDir('dtmap-fuzz-');
    const good = readFileSync('fixtures/qemu/virt-smmuv3-its.dtb');
    const used = good.readUInt32BE(12) + good.readUInt32BE(32);
    const files: string[] = [];
    for (let k = 0; k < 16; k++) {
      const f = join(dir, `cut${k}.dtb`);
      writeFileSync(f, good.subarray(0, Math.floor((used * k) / 16)));
      files.push(f);
    }
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let k = 0; k < 40; k++) {
      const b = Buffer.from(good.subarray(0, used));
      for (let i = 0; i < 3; i++) b[Math.floor(rand() * 64)] ^= 1 << Math.floor(rand() * 8); // flips in the header
      b[Math.floor(rand() * used)] ^= 0xff;
      const f = join(dir, `flip${k}.dtb`);
      writeFileSync(f, b);
      files.push(f);
    }
    const r = spawnSync(process.execPath, ['bin/dtmap.cjs', 'check', '--jobs', '1', ...files], {
      encoding: 'utf8',
      timeout: 30000,
      env: { ...process.env, NO_COLOR: '1' },
    });
    expect(r.status).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(16);
    for (const l of lines) expect(l).toMatch(/^dtmap: error: \S+\.dtb: .*\(at byte offset 0x[0-9a-f]+\)$/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
