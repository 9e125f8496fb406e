// The cases of issue 9 (sections 1 and 2) as fixtures in fixtures/context/, built by
// scripts/build-fixtures.sh fixtures/context: the exact findings (rule, severity, node, RIDs) of
// each, on both kernel forms, and what the messages must say. The RID lists are derived here
// from the maps' text, one ID at a time, independently of the engine's interval code.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { readDtb } from '../../src/dtb/read.js';
import { check, type Diagnostic } from '../../src/checks/index.js';

const load = (name: string) => readDtb(readFileSync(`fixtures/context/${name}.dtb`), `${name}.dtb`);
const run = (name: string, kernel: 'classic' | 'mainline' = 'classic') => check(load(name), { kernel });
const key = (d: Pick<Diagnostic, 'rule' | 'severity' | 'node' | 'rids'>) =>
  `${d.rule} ${d.severity} ${d.node} ${JSON.stringify(d.rids)}`;

/** Merged inclusive ranges of the IDs in 0..last for which `pred` holds. */
function ranges(pred: (rid: number) => boolean, last = 0xffff): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let r = 0; r <= last; r++) {
    if (!pred(r)) continue;
    const prev = out[out.length - 1];
    if (prev && prev[1] === r - 1) prev[1] = r;
    else out.push([r, r]);
  }
  return out;
}

type Want = Array<Pick<Diagnostic, 'rule' | 'severity' | 'node' | 'rids'>>;

// i.MX95: iommu-map reads RID & 0x1ff and covers 0x0 and 0x100-0x106; msi-map reads the whole RID.
const imxIommu = (r: number) => (r & 0x1ff) === 0 || ((r & 0x1ff) >= 0x100 && (r & 0x1ff) <= 0x106);
const imxMsi = (r: number) => r === 0 || (r >= 0x100 && r <= 0x106);

const cases: Record<string, Want> = {
  'sm8550-before': [
    {
      rule: 'msi-map-gap',
      severity: 'error',
      node: '/soc@0/pcie@1c00000',
      rids: ranges((r) => r !== 0 && r !== 0x100),
    },
    {
      rule: 'map-consistency',
      severity: 'warning',
      node: '/soc@0/pcie@1c00000',
      rids: [
        [0, 0],
        [0x100, 0x100],
      ],
    },
    {
      rule: 'iommu-map-gap',
      severity: 'info',
      node: '/soc@0/pcie@1c00000',
      rids: ranges((r) => r !== 0 && r !== 0x100),
    },
  ],
  'sm8550-after': [
    {
      rule: 'msi-map-gap',
      severity: 'error',
      node: '/soc@0/pcie@1c00000',
      rids: ranges((r) => r !== 0 && r !== 0x100),
    },
    {
      rule: 'iommu-map-gap',
      severity: 'info',
      node: '/soc@0/pcie@1c00000',
      rids: ranges((r) => r !== 0 && r !== 0x100),
    },
  ],
  'imx95-pcie0': [
    { rule: 'msi-map-gap', severity: 'error', node: '/soc/pcie@4c300000', rids: ranges((r) => !imxMsi(r)) },
    // RIDs one map translates whose two masked IDs differ (r & 0x1ff != r)
    {
      rule: 'map-consistency',
      severity: 'warning',
      node: '/soc/pcie@4c300000',
      rids: ranges((r) => (imxIommu(r) || imxMsi(r)) && (r & 0x1ff) !== r),
    },
    { rule: 'iommu-map-gap', severity: 'info', node: '/soc/pcie@4c300000', rids: ranges((r) => !imxIommu(r)) },
  ],
  'apple-t8103-j457-broken': [
    { rule: 'map-target', severity: 'warning', node: '/soc/pcie@690000000', rids: [[0x200, 0x2ff]] },
    { rule: 'iommu-map-gap', severity: 'info', node: '/soc/pcie@690000000', rids: [[0, 0xff]] },
  ],
  'apple-t8103-j457-fixed': [
    {
      rule: 'iommu-map-gap',
      severity: 'info',
      node: '/soc/pcie@690000000',
      rids: [
        [0, 0xff],
        [0x300, 0x3ff],
      ],
    },
  ],
  'firecracker-gicv2': [{ rule: 'map-phandle', severity: 'error', node: '/pci@70000000', rids: [[0, 0xff]] }],
};

describe.each(Object.keys(cases))('%s', (name) => {
  for (const kernel of ['classic', 'mainline'] as const)
    it(`${kernel}: exactly the expected findings`, () => {
      expect(run(name, kernel).map(key).sort()).toEqual(cases[name]!.map(key).sort());
    });

  it('the committed DTB is its DTS compiled as build-fixtures.sh does (-@ -b 0)', async () => {
    const { readDts } = await import('../../src/dts/index.js');
    const { writeDtb } = await import('../../src/dtb/write.js');
    const bytes = writeDtb(readDts(`fixtures/context/${name}.dts`, { symbols: true }), { bootCpuidPhys: 0 });
    expect(Buffer.compare(Buffer.from(bytes), readFileSync(`fixtures/context/${name}.dtb`))).toBe(0);
  });

  it('DTS input gives the DTB findings', async () => {
    const { readDts } = await import('../../src/dts/index.js');
    const fromDts = check(readDts(`fixtures/context/${name}.dts`)).map(({ span: _s, location: _l, ...d }) => d);
    expect(fromDts).toEqual(run(name));
  });
});

describe('what the messages say', () => {
  const one = (name: string, rule: string) => run(name).find((d) => d.rule === rule)!.message;

  it('sm8550 before the fix: both RIDs with their IDs, no relation', () => {
    const m = one('sm8550-before', 'map-consistency');
    expect(m).toContain('follow no single relation (neither equal nor a constant offset apart)');
    expect(m).toContain('00:00.0 DeviceID 0x1401 / StreamID 0x1400 (+0x1)');
    expect(m).toContain('01:00.0 DeviceID 0x1400 / StreamID 0x1401 (-0x1)');
  });

  it('i.MX95: the masks, the bits they differ in, and what one RID becomes in each map', () => {
    const m = one('imx95-pcie0', 'map-consistency');
    expect(m).toContain('iommu-map-mask 0x1ff and no msi-map-mask (0xffffffff) differ in bits 0xfe00');
    expect(m).toContain('02:00.0 reaches iommu-map as 0x0 (StreamID 0x10) but msi-map as 0x200 (a gap: no entry)');
    expect(run('imx95-pcie0').find((d) => d.rule === 'map-consistency')!.property).toBe('iommu-map-mask');
    // the RID the kernel complained about is in the msi-map gap
    const gap = run('imx95-pcie0').find((d) => d.rule === 'msi-map-gap')!;
    expect(gap.rids.some(([a, b]) => a <= 0x300 && 0x300 <= b)).toBe(true);
  });

  it('t8103-j457: the NIC at the BDF Linux gives it, the one its reg names, and why', () => {
    const m = one('apple-t8103-j457-broken', 'map-target');
    expect(m).toMatch(
      /^RIDs 02:00\.0-02:1f\.7 get no IOMMU: their target \/soc\/iommu@682008000 \(entry 1\) is disabled/,
    );
    expect(m).toContain(
      '/soc/pcie@690000000/pci@2,0/ethernet@0,0 (02:00.0: its reg names 03:00.0, but Linux numbers buses depth first, and the disabled root port pci@1,0 takes no bus number)',
    );
  });

  it('Firecracker on GICv2: one error that says every device loses MSI, with the kernel line', () => {
    const all = run('firecracker-gicv2');
    expect(all.filter((d) => d.severity === 'error')).toHaveLength(1);
    expect(all[0]!.message).toMatch(
      /^entry 0's RIDs \(00:00\.0-00:1f\.7\) fail with -ENODEV: they get no MSI domain, so MSI\/MSI-X allocation fails\. /,
    );
    expect(all[0]!.message).toContain(
      'the fallback msi-parent <0x3> matches no node either (the kernel prints "OF: /pci@70000000: could not find phandle 3")',
    );
  });
});

describe('map-consistency on small trees', async () => {
  const { node, tree } = await import('../helpers.js');
  const smmu = node('smmu', { phandle: [1], '#iommu-cells': [1] });
  const its = node('its', { phandle: [2], 'msi-controller': true });
  const notIommu = node('dma', { phandle: [3] });
  const bridge = (props: Record<string, number[]>) =>
    tree([smmu, its, notIommu, node('pcie@0', { device_type: 'pci', 'bus-range': [0, 0xff], ...props })]);
  const consistency = (props: Record<string, number[]>) =>
    check(bridge(props)).filter((d) => d.rule === 'map-consistency');

  it('quiet when a map is absent, or the iommu-map reaches no IOMMU', () => {
    expect(consistency({ 'msi-map': [0, 2, 0x1400, 0x10000] })).toEqual([]);
    expect(consistency({ 'msi-map': [0, 2, 0x1400, 0x10000], 'iommu-map': [0, 3, 0, 0x10000] })).toEqual([]);
  });

  it('quiet when every RID follows one constant offset, even one that is not 0', () => {
    expect(
      consistency({
        'msi-map': [0, 2, 0x5980, 0x100, 0x100, 2, 0x5a80, 0x100],
        'iommu-map': [0, 1, 0x1c00, 0x100, 0x100, 1, 0x1d00, 0x100],
      }),
    ).toEqual([]);
  });

  it('a majority offset is the relation: the RIDs that break it are reported', () => {
    // 0x0-0xfeff: DeviceID = StreamID + 0x10; bus ff: + 0x20
    const [d] = consistency({
      'msi-map': [0, 2, 0x10, 0xff00, 0xff00, 2, 0xff20, 0x100],
      'iommu-map': [0, 1, 0, 0x10000],
    });
    expect(d).toMatchObject({ severity: 'warning', rids: [[0xff00, 0xffff]] });
    expect(d!.message).toContain(
      "256 RIDs (ff:00.0-ff:1f.7) break the bridge's relation DeviceID = StreamID +0x10 that most of its RIDs follow: one of the two maps is likely wrong. ",
    );
  });

  it('the same mask on both maps is no mask finding; masks that differ only above the RID bits are none either', () => {
    expect(
      consistency({
        'msi-map': [0, 2, 0, 0x100],
        'msi-map-mask': [0xff00],
        'iommu-map': [0, 1, 0, 0x100],
        'iommu-map-mask': [0xff00],
      }),
    ).toEqual([]);
    // iommu-map-mask 0xffff differs from no mask only in bits 16-31, which no RID has
    expect(consistency({ 'msi-map': [0, 2, 0, 1], 'iommu-map': [0, 1, 0, 1], 'iommu-map-mask': [0xffff] })).toEqual([]);
  });
});

describe('query and map show the BDF each described device gets', () => {
  it('query: the device line, and device in JSON with the RID its reg names', async () => {
    const { runQuery, queryPretty, queryJson } = await import('../../src/cli/commands/query.js');
    const chalk = (await import('chalk')).default;
    const level = chalk.level;
    chalk.level = 0;
    try {
      const tree = load('apple-t8103-j457-broken');
      const rows = runQuery(tree, [{ first: 0x200, last: 0x200, text: '02:00.0' }], {
        map: 'iommu',
        kernel: 'classic',
      });
      const text = queryPretty(tree, rows);
      expect(text).toContain(
        '  device       02:00.0 /soc/pcie@690000000/pci@2,0/ethernet@0,0 (its reg names 03:00.0; Linux numbers buses depth first)',
      );
      expect(text).toContain('StreamID 0x1 (target disabled: no IOMMU)');
      expect(JSON.parse(queryJson(tree, rows))[0].device).toEqual({
        node: '/soc/pcie@690000000/pci@2,0/ethernet@0,0',
        regRid: 0x300,
      });
      expect(
        JSON.parse(
          queryJson(
            tree,
            runQuery(tree, [{ first: 0x300, last: 0x300, text: '03:00.0' }], { map: 'iommu', kernel: 'classic' }),
          ),
        )[0].device,
      ).toBeNull();
    } finally {
      chalk.level = level;
    }
  });

  it('map: the legend names the renumbered device with its reg BDF', async () => {
    const { buildPicture } = await import('../../src/view/model.js');
    const { formatText } = await import('../../src/view/text.js');
    const chalk = (await import('chalk')).default;
    const level = chalk.level;
    chalk.level = 0;
    try {
      const out = formatText(buildPicture(load('apple-t8103-j457-broken'), 'classic'), { width: 200 });
      expect(out).toContain('described here: 02:00.0 ethernet@0,0 (reg 03:00.0)');
    } finally {
      chalk.level = level;
    }
  });
});

describe('the gap rules count described devices at the RIDs Linux gives them', async () => {
  const { node, tree } = await import('../helpers.js');
  const port = (
    name: string,
    reg: number,
    props: Record<string, number[] | string>,
    children: ReturnType<typeof node>[] = [],
  ) => node(name, { device_type: 'pci', reg: [reg, 0, 0, 0, 0], ...props }, children);
  // iommu-map covers bus 2 only; the NIC is written at 02:00.0 behind the second port, but the
  // first port is disabled, so Linux numbers the second port's bus 01: a gap.
  const t = (firstPort: 'okay' | 'disabled', nicStatus = 'okay') =>
    tree([
      node('smmu', { phandle: [1], '#iommu-cells': [1] }),
      node('pcie@0', { device_type: 'pci', 'bus-range': [0, 2], 'iommu-map': [0x200, 1, 0, 0x100] }, [
        port('pci@0,0', 0x0, { status: firstPort }),
        port('pci@1,0', 0x800, {}, [node('nic@0,0', { reg: [0x20000, 0, 0, 0, 0], status: nicStatus })]),
      ]),
    ]);
  const gap = (x: ReturnType<typeof t>) => check(x).find((d) => d.rule === 'iommu-map-gap')!;

  it('both ports enabled: the NIC is 02:00.0, covered; the gap has only the root ports (info)', () => {
    expect(gap(t('okay')).severity).toBe('info');
  });

  it('first port disabled: the NIC is 01:00.0, in the gap (warning, with both BDFs)', () => {
    const d = gap(t('disabled'));
    expect(d.severity).toBe('warning');
    expect(d.message).toContain(
      '/pcie@0/pci@1,0/nic@0,0 (01:00.0: its reg names 02:00.0, but Linux numbers buses depth first, and the disabled root port pci@0,0 takes no bus number)',
    );
  });

  it('a disabled NIC in the gap does not raise the severity (it gets no driver)', () => {
    expect(gap(t('disabled', 'disabled')).severity).toBe('info');
  });
});
