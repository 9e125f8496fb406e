// One machine described twice, by its devicetree and by its ACPI IORT/VIOT: which RIDs the two
// send to another IOMMU or ITS, or give other IDs. Host bridges pair with PCI segments by
// `linux,pci-domain` (of_get_pci_domain_nr()) and segment number; targets pair by what both can
// name: an IOMMU by its base address (the DT node's first `reg` address, the IORT SMMU's base),
// the GIC ITS when each side has one, a virtio-iommu by its PCI function.
import type { Node, Tree } from '../tree/model.js';
import { busRange, MAP_KINDS, type KernelForm } from '../map/map.js';
import { hostBridgeNodes } from './machine.js';
import { mapPieces, rangeChanges, type NodeDiff, type TreeDiff } from '../map/diff.js';
import { kernelReader, type Reader } from '../map/readers/index.js';
import { acpiPieces, type AcpiMachine, type AcpiSegment, type AcpiTarget } from '../acpi/machine.js';
import { nodeName } from '../acpi/tables.js';
import { bdf } from '../words.js';

/** The first address of a node's `reg`, as its parent's `#address-cells` give it (no `ranges`
 *  translation: SoC trees and QEMU's map their buses 1:1). */
function regBase(node: Node): bigint | undefined {
  const reg = node.prop('reg')?.cells();
  const cells = node.parent?.prop('#address-cells')?.u32(0) ?? 2;
  if (!reg || reg.length < cells || cells < 1 || cells > 2) return undefined;
  return reg.slice(0, cells).reduce((a, c) => (a << 32n) | BigInt(c), 0n);
}

const isIts = (n: Node) =>
  !!n.prop('msi-controller') && /gic-v3-its/.test((n.prop('compatible')?.strings() ?? []).join(' '));

/** Names both sides give a target: an IOMMU by base address, "GIC ITS", a virtio-iommu by BDF. */
function namers(tree: Tree, m: AcpiMachine) {
  const itsNodes = [...tree.root.walk()].filter(isIts);
  const itsGroups = m.iort?.nodes.filter((n) => n.type === 0) ?? [];
  const oneIts = itsNodes.length === 1 && itsGroups.length === 1;
  const dt = (n: Node): string => {
    if (oneIts && isIts(n)) return 'GIC ITS';
    if (/virtio,pci-iommu|pci1af4,1057/.test((n.prop('compatible')?.strings() ?? []).join(' '))) {
      const rid = n.prop('reg')?.u32(0);
      if (rid !== undefined) return `virtio-iommu ${bdf((rid >>> 8) & 0xffff)}`;
    }
    const base = n.prop('#iommu-cells') ? regBase(n) : undefined;
    return base !== undefined ? `IOMMU @0x${base.toString(16)}` : n.path;
  };
  const acpi = (t: AcpiTarget): string => ('its' in t && t.its && oneIts ? 'GIC ITS' : acpiName(t));
  return { dt, acpi };
}

/** A segment as the diff names it: its number and the root complex Linux takes for it. */
const segmentName = (s: AcpiSegment): string =>
  `segment ${s.segment}${s.rootComplex ? ` (IORT/${nodeName(s.rootComplex)})` : ''}`;

/** The PCI domain a host bridge asks for (`linux,pci-domain`), if any. */
const domainOf = (n: Node): number | undefined => n.prop('linux,pci-domain')?.u32(0);

/**
 * The devicetree `tree` against the ACPI machine `m`, RID by RID, in diff's terms (old: the DT,
 * new: the ACPI tables). A lone host bridge without `linux,pci-domain` pairs with a lone segment.
 */
export function diffFirmware(
  tree: Tree,
  m: AcpiMachine,
  form: KernelForm,
  reader: Reader = kernelReader(form),
): TreeDiff {
  // every host bridge, with maps or without (a bridge without maps gives no IOMMU, DeviceID = RID)
  const bridges = hostBridgeNodes(tree.root);
  const names = namers(tree, m);
  const paired = new Map<Node, number>();
  for (const b of bridges) {
    const d = domainOf(b);
    if (d !== undefined && m.segments.some((s) => s.segment === d)) paired.set(b, d);
  }
  const free = bridges.filter((b) => !paired.has(b));
  const freeSegs = m.segments.filter((s) => ![...paired.values()].includes(s.segment));
  if (free.length === 1 && freeSegs.length === 1 && domainOf(free[0]!) === undefined)
    paired.set(free[0]!, freeSegs[0]!.segment);
  const nodes: NodeDiff[] = [];
  for (const [b, segment] of paired) {
    const [lo, hi] = [0, 0xffff];
    // RIDs outside the DT's bus-range are `outside` on the DT side
    const changes = MAP_KINDS.flatMap((map) =>
      rangeChanges(
        map,
        mapPieces(tree, b, map, reader, lo, hi, names.dt),
        acpiPieces(m, segment, map, lo, hi, names.acpi),
      ),
    );
    nodes.push({
      node: `${b.path} = ${segmentName(m.segments.find((s) => s.segment === segment)!)}`,
      pci: true,
      domain: [lo, hi],
      busRange: { old: busRange(b), new: [0, 0xff] },
      changes,
    });
  }
  const onlyOld = bridges.filter((b) => !paired.has(b)).map((b) => b.path);
  const onlyNew = m.segments.filter((s) => ![...paired.values()].includes(s.segment)).map(segmentName);
  const changed = onlyOld.length > 0 || onlyNew.length > 0 || nodes.some((n) => n.changes.length > 0);
  return { form, reader: reader.name, onlyOld, onlyNew, nodes, changed };
}

/** An IORT or VIOT target as two tables of one machine both name it. */
const acpiName = (t: AcpiTarget): string => {
  if ('smmuV3' in t && t.smmuV3) return `IOMMU @0x${t.smmuV3.base.toString(16)}`;
  if ('smmu' in t && t.smmu) return `IOMMU @0x${t.smmu.base.toString(16)}`;
  if ('its' in t && t.its) return `ITS group ${t.its.identifiers.join(',')}`;
  if ('virtioPci' in t && t.virtioPci) return `virtio-iommu ${bdf(t.virtioPci.bdf)}`;
  return nodeName(t);
};

/** Two ACPI descriptions (old and new firmware), segment by segment. */
export function diffAcpi(a: AcpiMachine, b: AcpiMachine): TreeDiff {
  const segs = [...new Set([...a.segments, ...b.segments].map((s) => s.segment))].sort((x, y) => x - y);
  const has = (m: AcpiMachine, seg: number) => m.segments.some((s) => s.segment === seg);
  const nodes: NodeDiff[] = [];
  for (const segment of segs.filter((s) => has(a, s) && has(b, s))) {
    const changes = MAP_KINDS.flatMap((map) =>
      rangeChanges(
        map,
        acpiPieces(a, segment, map, 0, 0xffff, acpiName),
        acpiPieces(b, segment, map, 0, 0xffff, acpiName),
      ),
    );
    nodes.push({
      node: `segment ${segment}`,
      pci: true,
      domain: [0, 0xffff],
      busRange: { old: [0, 0xff], new: [0, 0xff] },
      changes,
    });
  }
  const onlyOld = segs.filter((s) => has(a, s) && !has(b, s)).map((s) => `segment ${s}`);
  const onlyNew = segs.filter((s) => !has(a, s) && has(b, s)).map((s) => `segment ${s}`);
  const changed = onlyOld.length > 0 || onlyNew.length > 0 || nodes.some((n) => n.changes.length > 0);
  return { form: 'classic', reader: 'linux-classic', onlyOld, onlyNew, nodes, changed };
}
