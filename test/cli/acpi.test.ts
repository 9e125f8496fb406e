// The commands on ACPI input, in process: query (one RID, --all, JSON), check, map and diff on the
// tables QEMU 7.2 wrote (fixtures/acpi/qemu) and a laptop's IORT (fixtures/acpi/laptops).
import { describe, expect, it } from 'vitest';
import { register as registerQuery } from '../../src/cli/commands/query.js';
import { register as registerMap } from '../../src/cli/commands/map.js';
import { register as registerDiff } from '../../src/cli/commands/diff.js';
import { checkFile } from '../../src/app/check-file.js';
import { InputError } from '../../src/app/input.js';
import { copyFileSync, writeFileSync } from 'node:fs';
import { loadConfig } from '../../src/app/config.js';
import { join } from 'node:path';
import { inProcess, tempDir } from '../helpers.js';
import { expandInputs } from '../../src/app/files.js';
import { isAcpiDir } from '../../src/app/acpi.js';

const QEMU = 'fixtures/acpi/qemu';
const T14S = 'fixtures/acpi/laptops/lenovo-thinkpad-t14s.dat';

const { run, out } = inProcess(registerQuery, registerMap, registerDiff);

describe('query on ACPI input', () => {
  it("RID 0x100 of QEMU's off-by-one table: the kernel's two lines, the second mapping", async () => {
    expect(await run('query', `${QEMU}/off-by-one-its.IORT`, '01:00.0', '--format', 'json')).toBe(0);
    const [r] = JSON.parse(out());
    expect(r).toMatchObject({ node: 'root-complex@0xa0', segment: 0, rid: 0x100 });
    expect(r.iommu).toMatchObject({ status: 'bypass', id: 0x100, via: [{ node: 'its-group@0x30', entry: 1 }] });
    expect(r.msi).toMatchObject({ status: 'translated', target: 'its-group@0x30', id: 0x100, entry: 1 });
    expect(r.msi.log).toBe(
      'ACPI: IORT: [Firmware Bug]: [map IORT+0xd8] conflicting mapping for input ID 0x100\nACPI: IORT: [Firmware Bug]: applying workaround.',
    );
  });

  it('segment:bus:dev.fn picks the root complex of the segment (X Elite: SID = segment << 16 | RID)', async () => {
    expect(await run('query', T14S, '0004:01:00.0')).toBe(0);
    expect(out()).toBe(
      [
        'root-complex@0x570  RID 0004:01:00.0 (0x100)',
        '  StreamID  -> smmu-v3@0x1435 StreamID 0x40100 [mapping 0]',
        '  DeviceID  -> smmu-v3@0x1435 0x40100 -> its-group@0x148d DeviceID 0xc0100 [mapping 0]',
        '',
      ].join('\n'),
    );
  });

  it('--all: every segment as compact ranges', async () => {
    expect(await run('query', `${QEMU}/off-by-one-smmu.IORT`, '--all', '--map', 'iommu')).toBe(0);
    expect(out().split('\n').slice(0, 4)).toEqual([
      'segment 0 (root-complex@0xa0)',
      '  StreamID  00:00.0-00:1f.7  -> smmu-v3@0x48 StreamID 0x0-0xff [mapping 0]',
      '  StreamID  01:00.0          -> smmu-v3@0x48 StreamID 0x100 [mapping 1]',
      '  StreamID  01:00.1-02:1f.7  -> smmu-v3@0x48 StreamID 0x101-0x2ff [mapping 1]',
    ]);
  });

  it('a VIOT alone: StreamIDs from its ranges, no DeviceIDs (not a failure)', async () => {
    expect(await run('query', `${QEMU}/virtio-iommu.VIOT`, '00:02.0', '--format', 'json')).toBe(0);
    const [r] = JSON.parse(out());
    expect(r.iommu).toMatchObject({ status: 'translated', target: 'virtio-iommu-pci@0x30', id: 0x10 });
    expect(r.msi.status).toBe('no-map');
  });

  it("a tables directory: the IORT's DeviceIDs, the VIOT's StreamIDs, the virtio-iommu itself untranslated", async () => {
    const dir = tempDir('acpi-tables');
    copyFileSync(`${QEMU}/virtio-iommu.IORT`, join(dir, 'IORT'));
    copyFileSync(`${QEMU}/virtio-iommu.VIOT`, join(dir, 'VIOT'));
    expect(await run('query', dir, '00:01.0', '00:02.0', '--format', 'json')).toBe(0);
    const [self, net] = JSON.parse(out());
    expect([self.iommu.status, self.iommu.errno, self.msi.target]).toEqual(['error', 'EINVAL', 'its-group@0x30']);
    expect([net.iommu.target, net.iommu.id, net.msi.id]).toEqual(['virtio-iommu-pci@0x30', 0x10, 0x10]);
  });

  it('a RID that reaches no ITS exits 1', async () => {
    const t = 'fixtures/acpi/laptops/lenovo-yoga-c630.bin'; // no mapping takes a 16-bit RID
    expect(await run('query', t, '01:00.0', '--format', 'json')).toBe(1);
    expect(JSON.parse(out())[0].msi.status).toBe('bypass');
  });
});

describe('check on ACPI input', () => {
  it("QEMU's tables: the touching rows and the buses no SMMU translates", async () => {
    const r = await checkFile(`${QEMU}/smmuv3.IORT`, { kernel: 'classic', rules: {} });
    expect(r.error).toBeNull();
    expect(r.diagnostics.map((d) => [d.rule, d.severity, d.property, d.rids])).toEqual([
      ['iort-overlap', 'warning', 'mappings[2]', [[0x200, 0x200]]],
      ['iort-overlap', 'warning', 'mappings[3]', [[0x8200, 0x8200]]],
      [
        'iort-no-iommu',
        'info',
        null,
        [
          [0x200, 0x7fff],
          [0x8200, 0xffff],
        ],
      ],
    ]);
    expect(r.maps.map((m) => [m.node, m.entries.length])).toEqual([['IORT/root-complex@0xa0', 4]]);
  });

  it('a directory of tables (/sys/firmware/acpi/tables) is one input', async () => {
    const dir = tempDir('acpi-tables');
    copyFileSync(`${QEMU}/virtio-iommu.IORT`, join(dir, 'IORT'));
    copyFileSync(`${QEMU}/virtio-iommu.VIOT`, join(dir, 'VIOT'));
    expect(expandInputs([dir], { isOneInput: isAcpiDir })).toEqual([dir]);
    const r = await checkFile(dir, { kernel: 'classic', rules: {} });
    expect([r.error, r.diagnostics, r.maps.map((m) => m.node)]).toEqual([null, [], ['IORT/root-complex@0x48']]);
  });

  it("the configuration's `ignore` leaves a finding out by rule and node (tables carry no comments)", async () => {
    const dir = tempDir('acpi-ignore');
    const config = join(dir, '.dtmaprc.json');
    const ignore = [{ rule: 'iort-overlap', node: 'IORT/root-complex@0xa0', file: 'smmuv3.IORT', reason: 'QEMU 7.2' }];
    writeFileSync(config, JSON.stringify({ ignore }));
    const opts = { kernel: 'classic' as const, rules: {}, ignore: loadConfig(config).ignore };
    const r = await checkFile(`${QEMU}/smmuv3.IORT`, opts);
    expect(r.diagnostics.map((d) => d.rule)).toEqual(['iort-no-iommu']);
    // another file: the entry names smmuv3.IORT only
    const other = await checkFile(`${QEMU}/pxb-bypass.IORT`, opts);
    expect(other.diagnostics.map((d) => d.rule)).toContain('iort-overlap');
    writeFileSync(config, JSON.stringify({ ignore: [{ rule: 'iort-overlaps', node: 'x' }] }));
    expect(() => loadConfig(config)).toThrow(
      /ignore\[0\]\.rule: unknown rule "iort-overlaps"; did you mean "iort-overlap"\?/,
    );
  });

  it('the mangled laptop table is one line naming the file and the offset', async () => {
    const r = await checkFile('fixtures/acpi/laptops/microsoft-surface-pro-12-in.dat', {
      kernel: 'classic',
      rules: {},
    });
    expect(r.error).toMatch(
      /^fixtures\/acpi\/laptops\/microsoft-surface-pro-12-in\.dat: IORT: offset 0x4: .*UTF-8-mangled/,
    );
  });
});

describe('map and diff on ACPI input', () => {
  it('map draws each segment with its StreamID and DeviceID rows', async () => {
    expect(await run('map', `${QEMU}/pxb-bypass.IORT`, '--width', '80')).toBe(0);
    expect(out()).toContain("RID space (Linux's IORT walk, iort_node_map_id())");
    expect(out()).toContain('       IORT StreamIDs  c0:00.0-c1:1f.7 -> StreamID 0xc000-0xc1ff');
    await expect(run('map', `${QEMU}/pxb-bypass.IORT`, '--format', 'html')).rejects.toThrow(InputError);
  });

  it("diff: QEMU's devicetree maps every RID to the SMMU, its IORT only the buses in use", async () => {
    // fixtures/acpi/diff/qemu-smmuv3.dtb: dumpdtb of the machine whose IORT is smmuv3.IORT
    expect(await run('diff', 'fixtures/acpi/diff/qemu-smmuv3.dtb', `${QEMU}/smmuv3.IORT`, '--format', 'json')).toBe(0);
    const d = JSON.parse(out());
    expect(d.nodes.map((n: { node: string }) => n.node)).toEqual([
      '/pcie@10000000 = segment 0 (IORT/root-complex@0xa0)',
    ]);
    expect(
      d.nodes[0].changes.map(
        (c: { map: string; first: number; last: number; old: { target: string }; new: { status: string } }) => [
          c.map,
          c.first,
          c.last,
          c.old.target,
          c.new.status,
        ],
      ),
    ).toEqual([
      ['iommu-map', 0x200, 0x7fff, 'IOMMU @0x9050000', 'bypass'],
      ['iommu-map', 0x8200, 0xffff, 'IOMMU @0x9050000', 'bypass'],
    ]);
  });

  it("diff: the X13s's Linux 6.12 devicetree and its IORT agree on DeviceIDs; only the IORT has the SMMUv3", async () => {
    const dtb = 'fixtures/acpi/diff/sc8280xp-lenovo-thinkpad-x13s.dtb';
    expect(await run('diff', dtb, 'fixtures/acpi/laptops/lenovo-thinkpad-x13s.dat', '--format', 'json')).toBe(0);
    const d = JSON.parse(out());
    // host bridges pair with segments by linux,pci-domain; segments 0 and 1 have no DT bridge
    expect(d.onlyNew).toEqual(['segment 0 (IORT/root-complex@0x5b8)', 'segment 1 (IORT/root-complex@0x5f0)']);
    expect(d.nodes).toHaveLength(5);
    for (const n of d.nodes) {
      const segment = Number(/segment (\d)/.exec(n.node)![1]);
      expect(n.changes).toEqual([
        {
          map: 'iommu-map',
          first: 0,
          last: 0xffff,
          change: 'status',
          old: { status: 'no-map', target: null, idFirst: 0, idLast: 0xffff, errno: null },
          new: {
            status: 'translated',
            target: 'IOMMU @0x14f80000',
            idFirst: segment << 16,
            idLast: (segment << 16) | 0xffff,
            errno: null,
          },
        },
      ]);
    }
  });

  it('diff: two ACPI tables of one machine, segment by segment', async () => {
    expect(await run('diff', `${QEMU}/off-by-one-its.IORT`, `${QEMU}/off-by-one-smmu.IORT`, '--format', 'json')).toBe(
      0,
    );
    const d = JSON.parse(out());
    expect(d.changed).toBe(true);
    // RIDs 0x100-0x2ff now reach the SMMU; their DeviceIDs stay (the SMMU's row passes them on)
    expect(
      d.nodes[0].changes.map((c: { map: string; first: number; last: number }) => [c.map, c.first, c.last]),
    ).toEqual([['iommu-map', 0x100, 0x2ff]]);
  });
});
