// dtmap audit on a fake sysfs tree: the snapshot read in Node and by the collect script under
// sh, the verdicts, --save and a saved snapshot, the exit codes, bad snapshots.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { register } from '../../src/cli/commands/audit.js';
import { InputError } from '../../src/app/input.js';
import {
  audit,
  auditFails,
  blobBytes,
  COLLECT_SCRIPT,
  parseSnapshot,
  readSnapshot,
  type Snapshot,
} from '../../src/audit/index.js';
import { inProcess, tempDir } from '../helpers.js';

const { run, out, clear } = inProcess(register);

interface FakeFunction {
  name: string;
  parent?: string;
  cls: string;
  driver?: string;
  group?: [string, string];
  msi?: number;
}

/** A file system as sysfs and procfs show a booted QEMU virt machine (QEMU's own DTB). */
function fakeRoot(fns: FakeFunction[], cmdline: string): string {
  const root = tempDir('dtmap-audit-');
  const file = (p: string, text: string) => {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), text);
  };
  mkdirSync(join(root, 'sys/firmware'), { recursive: true });
  copyFileSync('fixtures/qemu/virt-smmuv3-its.dtb', join(root, 'sys/firmware/fdt'));
  file('proc/cmdline', cmdline + '\n');
  file('proc/sys/kernel/osrelease', '6.1.0-57-arm64\n');
  mkdirSync(join(root, 'sys/class/iommu/smmu3.0x0000000009050000'), { recursive: true });
  mkdirSync(join(root, 'sys/bus/pci/devices'), { recursive: true });
  for (const f of fns) {
    const path = ['sys/devices/platform/4010000000.pcie/pci0000:00', ...(f.parent ? [f.parent] : []), f.name].join('/');
    const dir = join(root, path);
    file(`${path}/class`, f.cls + '\n');
    file(`${path}/vendor`, '0x1af4\n');
    file(`${path}/device`, '0x1000\n');
    mkdirSync(join(dir, 'msi_irqs'), { recursive: true });
    for (let i = 0; i < (f.msi ?? 0); i++) file(`${path}/msi_irqs/${40 + i}`, 'msi\n');
    if (f.driver) {
      mkdirSync(join(root, 'sys/bus/pci/drivers', f.driver), { recursive: true });
      symlinkSync(join(root, 'sys/bus/pci/drivers', f.driver), join(dir, 'driver'));
    }
    if (f.group) {
      file(`sys/kernel/iommu_groups/${f.group[0]}/type`, f.group[1] + '\n');
      symlinkSync(join(root, 'sys/kernel/iommu_groups', f.group[0]), join(dir, 'iommu_group'));
    }
    symlinkSync(`../../../${path.replace(/^sys\//, '')}`, join(root, 'sys/bus/pci/devices', f.name));
  }
  return root;
}

const FUNCTIONS: FakeFunction[] = [
  { name: '0000:00:00.0', cls: '0x060000' },
  { name: '0000:00:02.0', cls: '0x020000', driver: 'virtio-pci', group: ['1', 'DMA'], msi: 3 },
  { name: '0000:00:03.0', cls: '0x090000', driver: 'virtio-pci', msi: 2 },
  { name: '0000:00:05.0', cls: '0x060400', driver: 'pcieport', group: ['2', 'identity'], msi: 1 },
  { name: '0000:01:00.0', parent: '0000:00:05.0', cls: '0x020000', driver: 'virtio-pci', group: ['3', 'DMA-FQ'] },
];
const CMDLINE = 'console=ttyAMA0 dyndbg="file drivers/of/base.c +p" iommu.passthrough=1';

const kinds = (s: Snapshot) =>
  Object.fromEntries(
    audit(s, { file: 'test' }).functions.map((f) => [f.name, f.verdicts.map((v) => `${v.kind}/${v.severity}`)]),
  );

describe('the snapshot', () => {
  it('reads every PCI function, its bridge, driver, group and type, MSI count; the FDT; the command line', () => {
    const s = readSnapshot(fakeRoot(FUNCTIONS, CMDLINE));
    expect(s.acpi).toBe(false);
    expect(s.cmdline).toBe(CMDLINE);
    expect(s.kernel).toBe('6.1.0-57-arm64');
    expect(s.iommus).toEqual(['smmu3.0x0000000009050000']);
    expect(Buffer.from(blobBytes(s.fdt!)).equals(readFileSync('fixtures/qemu/virt-smmuv3-its.dtb'))).toBe(true);
    expect(s.pci.map((f) => [f.name, f.parent, f.driver, f.iommuGroup, f.groupType, f.msiIrqs])).toEqual([
      ['0000:00:00.0', null, null, null, null, 0],
      ['0000:00:02.0', null, 'virtio-pci', '1', 'DMA', 3],
      ['0000:00:03.0', null, 'virtio-pci', null, null, 2],
      ['0000:00:05.0', null, 'pcieport', '2', 'identity', 1],
      ['0000:01:00.0', '0000:00:05.0', 'virtio-pci', '3', 'DMA-FQ', 0],
    ]);
  });

  for (const shell of ['sh', 'busybox']) {
    it(`the collect script under ${shell} writes the snapshot Node reads`, (ctx) => {
      const argv = shell === 'busybox' ? ['busybox', 'sh'] : ['sh'];
      try {
        execFileSync(argv[0]!, [...argv.slice(1), '-c', 'true'], { stdio: 'ignore' });
      } catch {
        ctx.skip();
      }
      const root = fakeRoot(FUNCTIONS, CMDLINE);
      const script = join(root, 'audit.sh');
      writeFileSync(script, COLLECT_SCRIPT);
      const file = join(root, 'snapshot.json');
      execFileSync(argv[0]!, [...argv.slice(1), script, file, root]);
      const fromScript = parseSnapshot(readFileSync(file, 'utf8'), file);
      const fromNode = readSnapshot(root);
      expect(Buffer.from(blobBytes(fromScript.fdt!)).equals(Buffer.from(blobBytes(fromNode.fdt!)))).toBe(true);
      expect({ ...fromScript, fdt: null }).toEqual({ ...fromNode, fdt: null });
      expect(kinds(fromScript)).toEqual(kinds(fromNode));
    });
  }

  it('the collect script is POSIX sh: no bash-isms', () => {
    expect(COLLECT_SCRIPT).toMatch(/^#!\/bin\/sh\n/);
    expect(COLLECT_SCRIPT).not.toMatch(
      /\[\[|\bfunction \w+ *[({]|\$\{[^}]*\/\/|<<<|\blocal\b|\bdeclare\b|\bbase64\b|\$'/,
    );
  });
});

describe('the verdicts', () => {
  it('QEMU identity maps: DMA groups isolated, an identity group not explained, a driver without a group an error', () => {
    const s = readSnapshot(fakeRoot(FUNCTIONS, CMDLINE));
    expect(kinds(s)).toEqual({
      '0000:00:00.0': ['no-driver/info'],
      '0000:00:02.0': ['isolated/info'],
      '0000:00:03.0': ['not-explained/error'],
      '0000:00:05.0': ['not-explained/warning'],
      '0000:01:00.0': ['isolated/info'],
    });
    const r = audit(s, { file: 'test' });
    const f = (name: string) => r.functions.find((x) => x.name === name)!;
    expect(f('0000:00:05.0').verdicts[0]!.text).toMatch(
      /identity domain.*iommu\.passthrough=1 on the kernel command line/,
    );
    expect(f('0000:00:02.0').iommu).toMatchObject({ status: 'translated', id: 0x10, target: '/smmuv3@9050000' });
    expect(f('0000:01:00.0').msi).toMatchObject({
      status: 'translated',
      id: 0x100,
      domain: '/intc@8000000/its@8080000',
    });
    expect(f('0000:00:02.0').iommu.rows).toEqual(['iommu-map entry 0: <0x0 /smmuv3@9050000 0x0 0x10000>']);
    expect(auditFails(r)).toBe(true);
  });

  it('without iommu.passthrough=1 an identity domain is the default type', () => {
    const s = readSnapshot(fakeRoot(FUNCTIONS.slice(3, 4), 'console=ttyAMA0'));
    expect(audit(s, { file: 'test' }).functions[0]!.verdicts[0]!.text).toMatch(/the default domain type/);
  });

  it('a StreamID held by another function: no IOMMU, an error', () => {
    const s = readSnapshot(fakeRoot(FUNCTIONS.slice(1, 3), ''));
    s.pci[1]!.name = '0000:00:02.0';
    s.pci[0]!.name = '0000:00:02.0';
    // two functions with one RID: the second is refused the StreamID the first holds
    const r = audit(s, { file: 'test' });
    expect(r.functions.map((f) => f.verdicts[0]!.kind)).toEqual(['isolated', 'no-iommu']);
    expect(r.functions[1]!.verdicts[0]!.severity).toBe('error');
  });
});

describe('dtmap audit', () => {
  it('--root: the report of a file system, exit 1 for the error; --format json', async () => {
    const root = fakeRoot(FUNCTIONS, CMDLINE);
    expect(await run('audit', '--root', root)).toBe(1);
    expect(out()).toMatch(/^audit: 5 PCI functions, devicetree description, Linux 6.1.0-57-arm64\n/);
    expect(out()).toContain('0000:00:02.0  RID 0x10  class 0x020000 1af4:1000  driver virtio-pci');
    expect(out()).toMatch(/\n2 isolated, 2 not explained, 1 no driver; 1 error\n$/);
    clear();
    expect(await run('audit', '--root', root, '--format', 'json')).toBe(1);
    expect(JSON.parse(out()).functions).toHaveLength(5);
  });

  it('--save writes the snapshot; audit FILE gives the same report', async () => {
    const root = fakeRoot(FUNCTIONS, CMDLINE);
    const file = join(root, 'saved.json');
    expect(await run('audit', '--root', root, '--save', file)).toBe(0);
    expect(out()).toBe('');
    expect(JSON.parse(readFileSync(file, 'utf8')).fdt.base64).toMatch(/^0A3\+7Q/);
    await run('audit', '--root', root);
    const direct = out().replace(/^audit: .*\n/, '');
    clear();
    expect(await run('audit', file)).toBe(1);
    expect(out().replace(/^audit: .*\n/, '')).toBe(direct);
  });

  it('--collect-script prints the script', async () => {
    expect(await run('audit', '--collect-script')).toBe(0);
    expect(out()).toBe(COLLECT_SCRIPT);
  });

  it('a bad snapshot is one line naming the file', async () => {
    const dir = tempDir('dtmap-audit-');
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"dtmapAudit": 1, "kernel": null');
    await expect(run('audit', bad)).rejects.toThrow(InputError);
    await expect(run('audit', bad)).rejects.toThrow(/bad\.json: not JSON/);
    writeFileSync(bad, JSON.stringify({ dtmapAudit: 1, kernel: null, cmdline: null, acpi: false, fdt: { hex: 'zz' } }));
    await expect(run('audit', bad)).rejects.toThrow(/bad\.json: not a dtmap audit snapshot: "fdt" is not a blob/);
    writeFileSync(
      bad,
      JSON.stringify({
        dtmapAudit: 1,
        kernel: null,
        cmdline: null,
        acpi: false,
        fdt: { hex: 'd00dfeed00' },
        deviceTree: null,
        tables: {},
        iommus: [],
        pci: [],
      }),
    );
    await expect(run('audit', bad)).rejects.toThrow(/^\S+bad\.json:\/sys\/firmware\/fdt: truncated header/);
  });
});
