// The comparison behind `npm run test:kernel`, on a boot recorded from it (fixtures/kernel-test/:
// the `gap` variant's DTS and the console of Linux 6.1 booting it), and the initramfs helpers.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// @ts-expect-error plain ESM script without types
import { compare, filteredMsiLookup, parseConsole } from '../../scripts/test-kernel/compare.mjs';
// @ts-expect-error plain ESM script without types
import { cpio, moduleOrder } from '../../scripts/test-kernel/setup.mjs';
// @ts-expect-error plain ESM script without types
import { DEVICES } from '../../scripts/test-kernel/variants.mjs';

const FIX = resolve('fixtures/kernel-test');
const BRIDGE = '/pcie@10000000';
const TARGETS = { iommu: '/smmuv3@9050000', msi: '/intc@8000000/its@8080000' };
const dir = mkdtempSync(join(tmpdir(), 'dtmap-kernel-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const dtmap = (args: string[]): string => {
  try {
    return execFileSync(process.execPath, ['bin/dtmap.cjs', ...args], { encoding: 'utf8' });
  } catch (err) {
    const e = err as { status?: number; stdout?: string };
    if (e.status === 1 && e.stdout) return e.stdout; // findings: the output is complete
    throw err;
  }
};

interface Row {
  bdf: string;
  agree: boolean;
  why: string[];
  msis: string;
  group: string;
  msi: { dtmap: string; kernel: string };
  msiNote?: string;
}

/** The comparison of one recorded variant: rows for its console text (changed or as recorded). */
async function recordedVariant(name: string): Promise<{ recorded: string; rows: (console: string) => Row[] }> {
  const dtb = join(dir, `${name}.dtb`);
  dtmap(['compile', join(FIX, `${name}.dts`), '-o', dtb]);
  const maps = JSON.parse(dtmap(['check', '--format', 'json', dtb])).files[0].maps;
  const rids = DEVICES.map((d: { rid: number }) => String(d.rid));
  const query = JSON.parse(dtmap(['query', '--node', BRIDGE, '--format', 'json', dtb, ...rids]));
  const lib = await import(pathToFileURL(resolve('dist/index.js')).href);
  const lookup = filteredMsiLookup(lib, readFileSync(dtb), dtb, BRIDGE, TARGETS.msi);
  const recorded = readFileSync(join(FIX, `${name}.console.txt`), 'utf8');
  return { recorded, rows: (text) => compare(DEVICES, query, maps, parseConsole(text), TARGETS, lookup) };
}

describe('kernel comparison on a recorded boot (gap variant)', () => {
  let recorded = '';
  let rows: (console: string) => Row[];
  beforeAll(async () => {
    ({ recorded, rows } = await recordedVariant('gap'));
  });

  it('agrees with the kernel for every device', () => {
    const result = rows(recorded);
    expect(result.filter((r) => !r.agree)).toEqual([]);
    expect(result.map((r) => r.bdf)).toEqual(DEVICES.map((d: { bdf: string }) => d.bdf));
  });

  it('predicts the bypass lines and groups of the iommu-map gap, and MSIs inherited behind the root port', () => {
    const byBdf = new Map(rows(recorded).map((r) => [r.bdf, r]));
    expect(byBdf.get('00:04.1')!.group).toBe('no/no');
    expect(byBdf.get('00:02.0')!.group).toBe('yes/yes');
    // 01:00.0 is in the msi-map gap but inherits the root port's ITS domain with DeviceID = RID
    expect(byBdf.get('01:00.0')!.msi).toEqual({ dtmap: 'bypass', kernel: 'bypass' });
    expect(byBdf.get('01:00.0')!.msis).toBe('3/3');
    expect(byBdf.get('01:00.0')!.msiNote).toBe("inherits 00:05.0's MSI domain, DeviceID 0x100");
  });

  it('reports a kernel line that dtmap does not predict', () => {
    const changed = recorded.replace('id: 00000010 -> 00000010', 'id: 00000010 -> 00000011');
    expect(changed).not.toBe(recorded);
    const bad = rows(changed).filter((r) => !r.agree);
    expect(bad.map((r) => r.bdf)).toContain('00:02.0');
    expect(bad.flatMap((r) => r.why).join('\n')).toMatch(/kernel printed ".*id: 00000010 -> 00000011"/);
  });

  it('reports an iommu group or MSI count that differs', () => {
    const changed = recorded.replace(/^@@dev 0000:00:04\.0 group=\S* msi=\d+/m, '@@dev 0000:00:04.0 group=7 msi=0');
    const bad = rows(changed).find((r) => r.bdf === '00:04.0')!;
    expect(bad.agree).toBe(false);
    expect(bad.why).toEqual([
      'iommu group: dtmap predicts none, the kernel put it in group 7',
      'MSI: dtmap predicts 3 vectors, the kernel allocated 0',
    ]);
  });

  it('reports a device that did not come up', () => {
    const changed = recorded.replace(/^@@dev 0000:01:00\.0 [^\n]*\n/m, '');
    expect(rows(changed).find((r) => r.bdf === '01:00.0')!.why).toContain('the kernel did not enumerate this device');
  });
});

describe('kernel comparison on recorded boots: StreamID and DeviceID sharing', () => {
  it('fold-functions: the second function loses its StreamID (SMMUv3) and its vectors (shared ITT)', async () => {
    const { recorded, rows } = await recordedVariant('fold-functions');
    const result = rows(recorded);
    expect(result.filter((r) => !r.agree)).toEqual([]);
    const byBdf = new Map(result.map((r) => [r.bdf, r]));
    expect([byBdf.get('00:04.0')!.group, byBdf.get('00:04.0')!.msis]).toEqual(['yes/yes', '3/3']);
    expect([byBdf.get('00:04.1')!.group, byBdf.get('00:04.1')!.msis]).toEqual(['no/no', '0/0']);
    expect(recorded).toMatch(/virtio-pci 0000:00:04\.1: stream 32 already in tree from dev 0000:00:04\.0/);
  });

  it("fallback-collision: a gap device's fallback DeviceID takes the ITT another device maps to", async () => {
    const { recorded, rows } = await recordedVariant('fallback-collision');
    const result = rows(recorded);
    expect(result.filter((r) => !r.agree)).toEqual([]);
    const byBdf = new Map(result.map((r) => [r.bdf, r]));
    expect(byBdf.get('00:04.0')!.msis).toBe('3/3');
    expect(byBdf.get('00:04.0')!.msiNote).toBe("the host bridge's msi-parent MSI domain, DeviceID 0x20");
    expect(byBdf.get('01:00.0')!.msis).toBe('0/0');
  });
});

describe("kernel comparison on a recorded boot: ls1028a's msi-parent = <&its 0>", () => {
  it('6.1.192 takes the msi-parent with its #msi-cells argument as the root bus default, as dtmap predicts', async () => {
    const { recorded, rows } = await recordedVariant('msi-parent-args');
    const result = rows(recorded);
    expect(result.filter((r) => !r.agree)).toEqual([]);
    const byBdf = new Map(result.map((r) => [r.bdf, r]));
    expect(byBdf.get('00:04.0')!.msis).toBe('3/3');
    expect(byBdf.get('00:04.0')!.msiNote).toBe("the host bridge's msi-parent MSI domain, DeviceID 0x20");
    // and dtmap's own finding on that DTB names the fallback (with the older kernels' difference);
    // QEMU's DTB describes no root port, so for buses 01-ff dtmap cannot say which bridge they inherit from: error
    const dtb = join(dir, 'msi-parent-args.dtb');
    const gap = JSON.parse(dtmap(['check', '--format', 'json', dtb])).files[0].diagnostics.filter(
      (d: { rule: string }) => d.rule === 'msi-map-gap',
    );
    expect(gap).toHaveLength(1);
    expect(gap[0].severity).toBe('error');
    expect(gap[0].message).toContain('the tree describes no bridge for buses 01-ff');
    expect(gap[0].message).toContain(
      "on bus 00 they take the bridge's msi-parent /intc@8000000/its@8080000 with DeviceID = RID (no MSI domain on Linux 5.3-6.11)",
    );
    expect(gap[0].message).toContain('Linux 6.12 and the stable kernels');
  });
});

describe('initramfs helpers', () => {
  it('writes newc cpio entries the kernel unpacks (header, name, 4-byte padding)', () => {
    const out: Buffer = cpio([
      { name: 'bin' },
      { name: 'init', mode: 0o100755, data: Buffer.from('#!/bin/sh\n') },
      { name: 'bin/sh', target: 'busybox' },
    ]);
    const names: string[] = [];
    let at = 0;
    while (at < out.length) {
      const header = out.subarray(at, at + 110).toString('latin1');
      expect(header.slice(0, 6)).toBe('070701');
      const field = (i: number) => parseInt(header.slice(6 + 8 * i, 14 + 8 * i), 16);
      const nameSize = field(11);
      const fileSize = field(6);
      const name = out.subarray(at + 110, at + 110 + nameSize - 1).toString('latin1');
      names.push(name);
      at += 110 + nameSize;
      at += (4 - (at % 4)) % 4;
      if (name === 'init') expect(out.subarray(at, at + fileSize).toString()).toBe('#!/bin/sh\n');
      if (name === 'bin/sh') expect(field(1)).toBe(0o120777);
      at += fileSize + ((4 - (fileSize % 4)) % 4);
      if (name === 'TRAILER!!!') break;
    }
    expect(names).toEqual(['bin', 'init', 'bin/sh', 'TRAILER!!!']);
    expect(at).toBe(out.length);
  });

  it('orders modules after their dependencies and leaves out built-in ones', () => {
    const mods = join(dir, 'modules');
    mkdirSync(join(mods, 'kernel'), { recursive: true });
    const ko = (name: string, depends: string) =>
      writeFileSync(join(mods, 'kernel', `${name}.ko`), `\x7fELF...\0license=GPL\0depends=${depends}\0name=${name}\0`);
    ko('virtio_net', 'net_failover');
    ko('net_failover', 'failover');
    ko('failover', '');
    ko('virtio-rng', 'rng_core');
    writeFileSync(
      join(mods, 'modules.order'),
      ['kernel/virtio_net.ko', 'kernel/net_failover.ko', 'kernel/failover.ko', 'kernel/virtio-rng.ko', ''].join('\n'),
    );
    writeFileSync(join(mods, 'modules.builtin'), 'kernel/drivers/char/hw_random/rng-core.ko\n');
    expect(moduleOrder(mods, ['virtio_net', 'virtio_rng'])).toEqual([
      'kernel/failover.ko',
      'kernel/net_failover.ko',
      'kernel/virtio_net.ko',
      'kernel/virtio-rng.ko',
    ]);
    expect(() => moduleOrder(mods, ['nosuch'])).toThrow(/nosuch is neither built in nor in modules.order/);
  });
});
