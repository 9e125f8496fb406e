// Inputs beyond a plain file: overlays, live trees (/proc/device-tree form) and stdin.
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.js';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readDtb } from '../../src/dtb/read.js';
import { writeLiveTree } from '../live/write.js';

const run = (args: string[], input?: Buffer) => {
  const r = spawnSync(process.execPath, ['bin/dtmap.cjs', ...args], {
    encoding: 'utf8',
    input,
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

describe('inputs', () => {
  it('--overlay adds a host bridge whose maps reach the base SMMU and ITS by label', () => {
    const j = JSON.parse(
      run([
        'query',
        '--format',
        'json',
        '--node',
        'pcie1',
        'fixtures/overlay/base.dtb',
        '--overlay',
        'fixtures/overlay/add-pcie.dtbo',
        '01:00.0',
      ]).out,
    );
    expect(j[0].node).toBe('/soc/pcie@40000000');
    expect(j[0].iommu).toMatchObject({
      status: 'translated',
      target: '/soc/iommu@9050000',
      targetLabel: 'smmu',
      id: 0x10100,
    });
    expect(j[0].msi).toMatchObject({ status: 'translated', targetLabel: 'its', id: 0x10100 });
    const c = JSON.parse(
      run(['check', '--format', 'json', 'fixtures/overlay/base.dtb', '--overlay', 'fixtures/overlay/add-pcie.dtbo'])
        .out,
    );
    expect(c.files[0].maps.map((m: { node: string }) => m.node)).toContain('/soc/pcie@40000000');
  });

  it('a failed overlay is one line naming the fragment, exit 2', () => {
    const r = run(['check', 'fixtures/overlay/base.dtb', '--overlay', 'fixtures/overlay/fail-missing-label.dtbo']);
    expect(r.code).toBe(2);
    expect(r.err.trim()).toBe(
      'dtmap: error: fixtures/overlay/fail-missing-label.dtbo: fragment@0: target label "pcie9" not in the base\'s __symbols__',
    );
  });

  it('a live tree directory checks like its DTB', () => {
    const dir = tempDir('dtmap-live-');
    const dtb = 'fixtures/qemu/virt-virtio-iommu.dtb';
    writeLiveTree(readDtb(readFileSync(dtb)), join(dir, 'device-tree'));
    const live = JSON.parse(run(['check', '--format', 'json', join(dir, 'device-tree')]).out).files[0];
    const blob = JSON.parse(run(['check', '--format', 'json', dtb]).out).files[0];
    expect(live.error).toBeNull();
    expect(live.diagnostics).toEqual(blob.diagnostics);
    expect(live.maps).toEqual(blob.maps);
  });

  it('- reads a DTB from stdin', () => {
    const r = run(['query', '--format', 'json', '-', '0x10'], readFileSync('fixtures/qemu/virt-virtio-iommu.dtb'));
    expect(JSON.parse(r.out)[0].iommu.status).toBe('bypass');
  });
});

describe('DTS errors', () => {
  it('one dtc-like line file:line:col: error: message, exit 2; unresolved labels suggest near matches', () => {
    const dir = tempDir('dtmap-dts-');
    const bad = join(dir, 'bad.dts');
    writeFileSync(bad, '/dts-v1/;\n/ {\n\tfoo = <&nolabel>;\n\tmylabel: n {};\n};\n');
    const r = run(['check', bad]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      `${bad}:3:9: error: Reference to non-existent node or label "nolabel"; did you mean 'mylabel'?\n`,
    );
  });
});

describe('dtmap compile', () => {
  it('writes the same bytes as Debian dtc (-@ -b 0) for the rule fixtures', () => {
    const dir = tempDir('dtmap-compile-');
    for (const name of ['wrap-rid', 'msi-gap-parent-warning', 'target-disabled-some', 'placeholder-layerscape']) {
      const out = join(dir, `${name}.dtb`);
      const r = run(['compile', `fixtures/rules/${name}.dts`, '-@', '-b', '0', '-o', out]);
      expect(r.code).toBe(0);
      expect(Buffer.compare(readFileSync(out), readFileSync(`fixtures/rules/${name}.dtb`))).toBe(0);
    }
  });
});
