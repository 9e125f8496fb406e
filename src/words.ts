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
  iommu: { gets: 'no IOMMU', dma: 'untranslated DMA' },
  msi: { gets: 'no MSI domain from the map' },
};

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
