// CI features of `dtmap check`: machine formats, -o, rule control, config files, baselines, batches.
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.js';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, readdirSync, copyFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';

const BIN = resolve('bin/dtmap.cjs');
const run = (args: string[], cwd = process.cwd()) => {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    cwd,
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const VIRTIO = resolve('fixtures/qemu/virt-virtio-iommu.dtb');
const MSI_GAP = resolve('fixtures/rules/msi-gap-error.dtb');
const ODD = resolve('fixtures/rules/map-length-odd.dtb');
const tmp = () => tempDir('dtmap-ci-');

describe('formats', () => {
  it('SARIF validates against the official 2.1.0 schema, every result with a location', () => {
    const r = run(['check', '--format', 'sarif', VIRTIO, MSI_GAP, ODD]);
    expect(r.code).toBe(1);
    const log = JSON.parse(r.out);
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    const validate = ajv.compile(JSON.parse(readFileSync('test/fixtures/sarif/sarif-schema-2.1.0.json', 'utf8')));
    expect(validate(log), JSON.stringify(validate.errors)).toBe(true);
    const results = log.runs[0].results;
    expect(results.length).toBeGreaterThanOrEqual(3);
    for (const res of results) {
      expect(res.locations[0].physicalLocation.artifactLocation.uri).toMatch(/^fixtures\//);
      expect(log.runs[0].tool.driver.rules[res.ruleIndex].id).toBe(res.ruleId);
    }
    expect(results.map((x: { ruleId: string; level: string }) => `${x.ruleId}:${x.level}`)).toContain(
      'msi-map-gap:error',
    );
    expect(results.map((x: { ruleId: string; level: string }) => `${x.ruleId}:${x.level}`)).toContain(
      'iommu-map-gap:note',
    );
  });

  it('github workflow commands and gcc lines', () => {
    const gh = run(['check', '--format', 'github', VIRTIO, MSI_GAP]).out.trim().split('\n');
    expect(gh[0]).toBe(
      '::notice file=fixtures/qemu/virt-virtio-iommu.dtb,title=iommu-map-gap::/pcie@10000000: iommu-map: ' +
        "RID 00:02.0 is left out of iommu-map on purpose: it is the IOMMU's own function (/pcie@10000000/virtio_iommu@2,0), which does not translate its own DMA",
    );
    expect(gh.some((l) => l.startsWith('::error file=fixtures/rules/msi-gap-error.dtb,title=msi-map-gap::'))).toBe(
      true,
    );
    const gcc = run(['check', '--format', 'gcc', VIRTIO]).out.trim();
    expect(gcc).toMatch(
      /^fixtures\/qemu\/virt-virtio-iommu\.dtb: note: \/pcie@10000000: iommu-map: RID 00:02\.0 .* \[iommu-map-gap\]$/,
    );
  });

  it('-o writes the report to a file and keeps the exit code', () => {
    const dir = tmp();
    const out = join(dir, 'report.json');
    const r = run(['check', '--format', 'json', '-o', out, MSI_GAP]);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(JSON.parse(readFileSync(out, 'utf8')).summary.errors).toBeGreaterThan(0);
    expect(readdirSync(dir)).toEqual(['report.json']); // no temporary file left behind
  });
});

describe('rule control', () => {
  it('--rule changes or drops a rule; unknown rules are usage errors with a suggestion', () => {
    expect(run(['check', MSI_GAP]).code).toBe(1);
    expect(run(['check', '--rule', 'msi-map-gap=warning', MSI_GAP]).code).toBe(0);
    expect(run(['check', '--rule', 'msi-map-gap=warning', '--strict', MSI_GAP]).code).toBe(1);
    expect(run(['check', '--rule', 'msi-map-gap=warning', '--max-warnings', '0', MSI_GAP]).code).toBe(1);
    expect(run(['check', '--rule', 'msi-map-gap=warning', '--max-warnings', '5', MSI_GAP]).code).toBe(0);
    const off = JSON.parse(run(['check', '--format', 'json', '--rule', 'iommu-map-gap=off', VIRTIO]).out);
    expect(off.files[0].diagnostics).toEqual([]);
    const bad = run(['check', '--rule', 'msi-map-gaps=off', VIRTIO]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('unknown rule "msi-map-gaps"; did you mean "msi-map-gap"?');
    expect(run(['check', '--rule', 'msi-map-gap=fatal', VIRTIO]).err).toContain('bad severity "fatal"');
  });

  it('--quiet shows errors only', () => {
    const r = run(['check', '--quiet', VIRTIO]);
    expect(r.out).not.toContain('iommu-map-gap');
  });

  it('.dtmaprc.json found upwards, and package.json "dtmap"', () => {
    const dir = tmp();
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, '.dtmaprc.json'), JSON.stringify({ rules: { 'msi-map-gap': 'info' } }));
    expect(run(['check', MSI_GAP], join(dir, 'sub')).code).toBe(0);
    const dir2 = tmp();
    writeFileSync(
      join(dir2, 'package.json'),
      JSON.stringify({ name: 'x', dtmap: { rules: { 'msi-map-gap': 'off' } } }),
    );
    expect(
      JSON.parse(run(['check', '--format', 'json', MSI_GAP], dir2).out).files[0].diagnostics.filter(
        (d: { rule: string }) => d.rule === 'msi-map-gap',
      ),
    ).toEqual([]);
    writeFileSync(join(dir2, 'bad.json'), JSON.stringify({ rulez: {} }));
    const r = run(['check', '--config', 'bad.json', MSI_GAP], dir2);
    expect(r.code).toBe(1); // a warning; the run goes on without the key
    expect(r.err).toContain('unknown key "rulez" ignored; did you mean "rules"?');
  });
});

describe('baselines', () => {
  it('a baseline written today makes the next run pass; a new finding still fails; stale entries are listed', () => {
    const dir = tmp();
    copyFileSync(MSI_GAP, join(dir, 'board.dtb'));
    copyFileSync(VIRTIO, join(dir, 'virt.dtb'));
    // writing a baseline records the findings: exit 0
    expect(run(['check', '--write-baseline', 'base.json', 'board.dtb', 'virt.dtb'], dir).code).toBe(0);
    const base = JSON.parse(readFileSync(join(dir, 'base.json'), 'utf8'));
    expect(base.version).toBe(1);
    expect(base.findings[0]).toEqual(
      expect.objectContaining({ file: 'board.dtb', rule: expect.any(String), rids: expect.any(Array) }),
    );
    const again = run(['check', '--baseline', 'base.json', 'board.dtb', 'virt.dtb'], dir);
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/finding(s)? suppressed by base\.json/);
    // a board whose finding changes: the new one is reported, the old entry is stale
    copyFileSync(ODD, join(dir, 'board.dtb'));
    const changed = run(['check', '--baseline', 'base.json', 'board.dtb', 'virt.dtb'], dir);
    expect(changed.code).toBe(1);
    expect(changed.out).toContain('map-length');
    expect(changed.out).toMatch(/no longer occur/);
  });
});

describe('batch', () => {
  it('directories and globs expand in a stable order; --jobs 1 and 2 give the same output', () => {
    const j1 = run(['check', '--format', 'json', '--jobs', '1', 'fixtures/rules']);
    const j2 = run(['check', '--format', 'json', '--jobs', '2', 'fixtures/rules']);
    expect(j1.out).toBe(j2.out);
    const files = JSON.parse(j1.out).files.map((f: { file: string }) => f.file);
    expect(files.length).toBeGreaterThan(10);
    expect(files).toEqual([...files].sort());
    const glob = JSON.parse(run(['check', '--format', 'json', 'fixtures/q*/**/virt-*.dtb']).out).files.map(
      (f: { file: string }) => f.file,
    );
    expect(glob).toEqual([
      'fixtures/qemu/virt-gicv2.dtb',
      'fixtures/qemu/virt-smmuv3-its.dtb',
      'fixtures/qemu/virt-virtio-iommu.dtb',
    ]);
    expect(run(['check', 'fixtures/**/*.nothing']).code).toBe(2);
  });

  it('summary line counts files and findings', () => {
    const r = run(['check', 'fixtures/qemu']);
    expect(r.out).toMatch(/3 files \(3 with maps, 3 nodes with maps\): 0 errors, 0 warnings, 1 info in [\d.]+ s/);
  });

  it('dtmap rules lists every rule', () => {
    const rules = JSON.parse(run(['rules', '--format', 'json']).out);
    expect(rules.map((r: { id: string }) => r.id)).toContain('map-portability');
    expect(run(['rules']).out).toMatch(/^map-length\s+error\s+/);
  });
});
