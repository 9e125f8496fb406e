// --reader through the bundled CLI: check, query (and --all), map and diff; --kernel as its alias.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';

const run = (...args: string[]) => {
  const r = spawnSync(process.execPath, ['bin/dtmap.cjs', ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const SM8250 = 'fixtures/readers/sm8250-five-cell.dtb';
const GAP = 'fixtures/readers/gap-bus2.dtb';

describe('--reader', () => {
  it('check: the default is linux-classic; --kernel mainline is --reader linux-mainline', () => {
    const json = (...a: string[]) =>
      JSON.parse(run('check', '--format', 'json', ...a, SM8250).out).files[0].diagnostics.map(
        (d: { rule: string; message: string }) => `${d.rule}: ${d.message}`,
      );
    expect(json()).toEqual(json('--reader', 'linux-classic'));
    expect(json('--kernel', 'mainline')).toEqual(json('--reader', 'linux-mainline'));
    expect(json('--kernel', 'mainline')).not.toEqual(json());
  });

  it('check --reader all: the sm8250 5-cell rows on every reader, exit 1 (map-length on classic)', () => {
    const r = run('check', '--reader', 'all', SM8250);
    expect(r.code).toBe(1);
    expect(r.out).toContain(
      '2 RIDs (00:00.0, 01:00.0) translate differently by linux-classic, xen, freebsd, u-boot / linux-mainline / pcie-qcom',
    );
    expect(r.out).toContain('pcie-qcom: BDF 0x1: SID 0x1 is 0xffffe401');
  });

  it('query: one block per reader, JSON rows name their reader', () => {
    const rows = JSON.parse(run('query', '--format', 'json', '--reader', 'linux-classic,freebsd', GAP, '02:00.0').out);
    expect(
      rows.map((r: { reader: string; msi: { status: string; errno: string | null } }) => [
        r.reader,
        r.msi.status,
        r.msi.errno,
      ]),
    ).toEqual([
      ['linux-classic', 'bypass', null],
      ['freebsd', 'error', 'ENOENT'],
    ]);
    expect(run('query', '--reader', 'xen', GAP, '02:00.0').out).toContain('not read by xen');
    expect(run('query', '--all', '--reader', 'xen', GAP).out).toMatch(/02:00\.0-02:1f\.7\s+error -ENODEV/);
  });

  it('map and diff take readers too; map --format svg takes one', () => {
    expect(run('map', '--reader', 'pcie-qcom', SM8250).out).toContain('RID space (Qualcomm PCIe BDF-to-SID table');
    expect(run('map', '--reader', 'pcie-qcom', '--format', 'svg', SM8250).out).toContain('data-reader="pcie-qcom"');
    expect(run('map', '--reader', 'all', '--format', 'svg', SM8250).code).toBe(2);
    const d = JSON.parse(run('diff', '--format', 'json', '--reader', 'xen', GAP, GAP).out);
    expect(d).toMatchObject({ reader: 'xen', changed: false });
  });

  it('an unknown reader is a usage error naming the known ones', () => {
    const r = run('check', '--reader', 'linux', GAP);
    expect(r.code).toBe(2);
    expect(r.err.trim()).toBe(
      "dtmap: error: --reader: unknown reader 'linux' (known: linux-classic, linux-mainline, xen, freebsd, u-boot, pcie-qcom, pci-imx6, all)",
    );
  });
});
