// The vocabulary: how IDs and devices read in messages, the same in rules, query, map, diff and
// the language server. RIDs as bus:device.function, other IDs as hex.
import type { Node } from './tree/model.js';
import type { KernelForm, MapKind } from './map/map.js';
import type { Bridge } from './machine/machine.js';
import type { Described } from './machine/topology.js';

/** What each map gives a RID: an IOMMU StreamID, an MSI DeviceID. */
export const ID_NAME: Record<MapKind, string> = { iommu: 'StreamID', msi: 'DeviceID' };

/** What a RID no entry covers gets (of_map_id()'s bypass, docs/semantics.md: what the device gets):
 *  `gets` in a few words, and for iommu-map what then happens to its DMA. Every message, query
 *  line, map legend and diff row that words a gap builds on these. */
export const GAP: Record<MapKind, { gets: string; dma?: string }> = {
  // the pictures' generic wording; messages and query word the DMA per IOMMU with gapDma()
  iommu: { gets: 'no IOMMU', dma: 'untranslated DMA' },
  msi: { gets: 'no MSI domain from the map' },
};

/** What happens to the DMA of a RID that iommu-map leaves out: Linux gives the device no IOMMU
 *  (direct DMA, physical addresses), but the transactions still reach the IOMMU hardware the
 *  host bridge sits behind, with the StreamID the bridge gives the RID. What that IOMMU does with
 *  a StreamID no master of Linux's holds is its driver's choice (docs/semantics.md, "What a gap
 *  does to DMA"). `verdict` in one word, `dma` in a few ("DMA aborted"), `why` the driver's reason. */
export interface GapDma {
  verdict: 'untranslated' | 'aborted' | 'depends';
  dma: string;
  why: string;
}

const has = (n: Node, re: RegExp) => (n.prop('compatible')?.strings() ?? []).some((c) => re.test(c));

/** The DMA verdict for one IOMMU node, by its compatible. */
export function gapDmaOf(iommu: Node): GapDma {
  if (has(iommu, /^arm,smmu-v3$/))
    return {
      verdict: 'aborted',
      dma: 'DMA aborted',
      // arm_smmu_init_strtab() and arm_smmu_init_initial_stes() (6.12: abort STEs only, the
      // disable_bypass parameter is gone); 6.1: arm_smmu_init_bypass_stes() with disable_bypass = true
      why: 'SMMUv3: no stream table entry of Linux holds the StreamID: an unfilled level-1 descriptor raises C_BAD_STREAMID, a level-2 or linear entry is an abort STE (no event); Linux 6.1 lets it through only with arm_smmu_v3.disable_bypass=0, and only where a level-2 table exists; 6.12 has no such parameter',
    };
  if (
    has(
      iommu,
      /^(arm,(smmu-v1|smmu-v2|mmu-400|mmu-401|mmu-500)|cavium,smmu-v2|nvidia,smmu-500|qcom,([\w-]+-)?smmu-(v2|500))$/,
    )
  )
    return {
      verdict: 'depends',
      dma: 'DMA aborted unless arm-smmu.disable_bypass=0',
      // arm_smmu_device_reset(): sCR0.USFCFG = disable_bypass; arm_smmu_global_fault()
      why: 'arm-smmu (SMMUv1/v2, MMU-500): no stream match entry matches the StreamID; with arm-smmu.disable_bypass (default CONFIG_ARM_SMMU_DISABLE_BYPASS_BY_DEFAULT=y, Debian and defconfig) the SMMU faults it ("Blocked unknown Stream ID"), with arm-smmu.disable_bypass=0 it passes untranslated; a hypervisor that owns the SMMU decides instead',
    };
  if (has(iommu, /^(virtio,pci-iommu|pci1af4,1057)$/))
    return {
      verdict: 'depends',
      dma: "DMA untranslated or faulted, as the virtio-iommu device's bypass setting says",
      // virtio_iommu_config.bypass (VIRTIO_IOMMU_F_BYPASS_CONFIG): the device's setting at reset
      why: "virtio-iommu: the endpoint is attached to no domain; the device lets it through when bypass is on (VIRTIO_IOMMU_F_BYPASS_CONFIG's bypass field as the device sets it at reset: QEMU's boot-bypass, on by default; or VIRTIO_IOMMU_F_BYPASS), else it reports a fault",
    };
  if (has(iommu, /^apple,[\w-]*dart$/))
    return {
      verdict: 'aborted',
      dma: 'DMA aborted',
      // apple_dart_hw_reset(): every stream disabled (TCR cleared), then all streams enabled
      why: "Apple DART: apple_dart_hw_reset() leaves every stream Linux has not attached with translation and bypass off, so its DMA faults; which stream an unmapped RID uses is the PCIe port's RID-to-SID table's (pcie-apple)",
    };
  const compat = iommu.prop('compatible')?.strings()[0];
  return {
    verdict: 'depends',
    dma: `DMA untranslated or aborted, as ${compat ?? iommu.path} decides`,
    why: `what ${compat ?? iommu.path} does with a StreamID no master holds is not modelled`,
  };
}

/** The DMA verdict for a gap of a map whose entries target `iommus`: the one verdict when all agree,
 *  else one per IOMMU ("DMA aborted on /smmu, untranslated on ..."); with no target, undecided. */
export function gapDma(iommus: readonly Node[]): GapDma {
  const uniq = [...new Set(iommus)];
  if (!uniq.length)
    return {
      verdict: 'depends',
      dma: 'DMA untranslated or aborted, as the IOMMU decides',
      why: 'the map names no IOMMU',
    };
  const each = uniq.map(gapDmaOf);
  if (each.every((g) => g.dma === each[0]!.dma)) return each[0]!;
  return {
    verdict: 'depends',
    dma: each.map((g, i) => `${g.dma} on ${uniq[i]!.path}`).join(', '),
    why: each.map((g) => g.why).join('; '),
  };
}

/** gapDma() for one RID, when the tree describes the function there: the IOMMU's own function
 *  (QEMU's virtio-iommu, left out of its own map on purpose) is no master of itself, and its DMA
 *  goes out untranslated. */
export function gapDmaAt(iommus: readonly Node[], device: Node | undefined): GapDma {
  if (device && iommus.includes(device))
    return {
      verdict: 'untranslated',
      dma: "untranslated DMA: it is the IOMMU's own function",
      why: 'an IOMMU does not translate its own DMA',
    };
  return gapDma(iommus);
}

/** The distinct IOMMUs a map's entries name, in entry order. */
export function mapIommus(entries: ReadonlyArray<{ target?: Node }>): Node[] {
  return [...new Set(entries.map((e) => e.target).filter((t): t is Node => !!t))];
}

export function bdf(rid: number): string {
  const bus = (rid >>> 8) & 0xff;
  const dev = (rid >>> 3) & 0x1f;
  const fn = rid & 7;
  return `${bus.toString(16).padStart(2, '0')}:${dev.toString(16).padStart(2, '0')}.${fn}`;
}

export function hex(v: number): string {
  return '0x' + v.toString(16);
}

/** A raw RID range in BDF form: `01:00.0-01:1f.7`, or one BDF. IDs above 0xffff in hex. */
export function ridRange([a, b]: [number, number]): string {
  const one = (v: number) => (v <= 0xffff ? bdf(v) : hex(v));
  return a === b ? one(a) : `${one(a)}-${one(b)}`;
}

/** Up to `max` ranges, then "and N more". */
export function ridList(ranges: Array<[number, number]>, max = 4): string {
  const shown = ranges.slice(0, max).map(ridRange).join(', ');
  return ranges.length > max ? `${shown} and ${ranges.length - max} more` : shown;
}

export function idRange(a: number, b: number): string {
  return a === b ? hex(a) : `${hex(a)}-${hex(b)}`;
}

export function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

// ---- a described PCI device, in each place that names one ------------------------------------

/** What the words read of a device: its node, the RID Linux gives it, the RID its `reg` names. */
export type DeviceRef = Pick<Described, 'node' | 'rid' | 'written'>;

/** In a rule's message: "/soc/pcie@0/pci@2,0/ethernet@0,0 (02:00.0)", and when Linux numbers the
 *  device's bus other than its `reg` says, both BDFs and why (the disabled root ports of `bridge`
 *  that take no bus number). */
export function deviceLabel(d: DeviceRef, bridge: Bridge): string {
  if (d.written === d.rid) return `${d.node.path} (${bdf(d.rid)})`;
  const skipped = bridge.functions.filter((f) => f.absent === 'disabled root port').map((f) => f.node.name);
  const why = skipped.length
    ? `, and the disabled root port${skipped.length > 1 ? 's' : ''} ${skipped.join(', ')} take${skipped.length > 1 ? '' : 's'} no bus number`
    : '';
  return `${d.node.path} (${bdf(d.rid)}: its reg names ${bdf(d.written)}, but Linux numbers buses depth first${why})`;
}

/** Device labels for a rule's message: up to four, then "and N more". */
export function deviceList(devices: readonly DeviceRef[], bridge: Bridge): string {
  const shown = devices
    .slice(0, 4)
    .map((d) => deviceLabel(d, bridge))
    .join(', ');
  return devices.length > 4 ? `${shown} and ${devices.length - 4} more` : shown;
}

/** BDF first, as `query` and a picture's device mark list a device:
 *  "02:00.0 /soc/pcie@0/pci@2,0/ethernet@0,0". */
export function deviceAt(d: Pick<DeviceRef, 'node' | 'rid'>): string {
  return `${bdf(d.rid)} ${d.node.path}`;
}

const plain = (s: string) => s;

/** `query`'s device line: deviceAt(), then the BDF its `reg` names when Linux numbers it otherwise,
 *  and whether it is disabled; `paint` colours those two notes. */
export function deviceLine(d: Described, paint = { renumbered: plain, disabled: plain }): string {
  return `${deviceAt(d)}${d.written !== d.rid ? paint.renumbered(` (its reg names ${bdf(d.written)}; Linux numbers buses depth first)`) : ''}${d.enabled ? '' : paint.disabled(' (disabled)')}`;
}

/** A picture's legend, BDF first with the node's name: "02:00.0 ethernet@0,0 (reg 03:00.0)", the
 *  BDF its `reg` names when Linux numbers it otherwise. */
export function deviceLegend(d: DeviceRef): string {
  return `${bdf(d.rid)} ${d.node.name}${d.written !== d.rid ? ` (reg ${bdf(d.written)})` : ''}`;
}

/** The heading of the language server's hover on a device node, in markdown:
 *  "**PCI device** `/soc/.../ethernet@0,0`: RID 02:00.0 (0x200) on `/soc/pcie@0` (classic kernel)",
 *  and the BDF its `reg` names when Linux numbers it otherwise. */
export function deviceHeading(d: DeviceRef, bridge: Node, form: KernelForm): string {
  return (
    `**PCI device** \`${d.node.path}\`: RID ${bdf(d.rid)} (${hex(d.rid)}) on \`${bridge.path}\` (${form} kernel)` +
    (d.written === d.rid ? '' : `; its \`reg\` names ${bdf(d.written)}, but Linux numbers buses depth first`)
  );
}
