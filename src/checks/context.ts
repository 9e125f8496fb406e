// What every rule reads: the tree, the kernel form, and each node with a map, parsed and with
// its coverage of the RID space computed once.
import type { Node, Span, Tree } from '../tree/model.js';
import {
  busRange,
  isPciBridge,
  MAP_KINDS,
  mapNodes,
  type KernelForm,
  type MapEntry,
  type Coverage,
  type MapKind,
  type ParsedMap,
} from '../map/map.js';
import { coverage } from '../core/coverage.js';
import { mergeRanges } from '../core/ranges.js';
import { enumerate } from '../map/topology.js';
import { bdf } from './format.js';
import { kernelReader, type Reader } from '../map/readers/index.js';

export interface Bridge {
  node: Node;
  pci: boolean;
  enabled: boolean;
  busRange: [number, number];
  /** Raw ID domain the coverage is computed on: bus-range RIDs, or 0-0xffff for non-PCI nodes. */
  domain: [number, number];
  maps: Partial<Record<MapKind, { parsed: ParsedMap; coverage: Coverage; notes: string[] }>>;
}

export interface Context {
  tree: Tree;
  form: KernelForm;
  /** The readers map-portability compares: linux-classic and linux-mainline, and those selected. */
  readers: Reader[];
  /** The reader `bridges[].maps` were read with. */
  primary: Reader;
  bridges: Bridge[];
  /** Parse and cover a map as a given reader reads it (used by map-portability). */
  analyse(
    bridge: Bridge,
    kind: MapKind,
    reader: Reader,
  ): { parsed: ParsedMap; coverage: Coverage; notes: string[] } | undefined;
}

export interface ContextOptions {
  /** Readers map-portability compares besides linux-classic and linux-mainline (`--reader`). */
  readers?: readonly Reader[];
  /** The reader whose reading fills `bridges[].maps` (default: the kernel form's; `map --reader`). */
  primary?: Reader;
}

export function buildContext(tree: Tree, form: KernelForm, opts: ContextOptions = {}): Context {
  const analyse = (bridge: Omit<Bridge, 'maps'>, kind: MapKind, reader: Reader) => {
    const r = reader.parse(tree, bridge.node, kind);
    return r && { parsed: r.map, coverage: coverage(r.map.table, bridge.domain[0], bridge.domain[1]), notes: r.notes };
  };
  const primary = opts.primary ?? kernelReader(form);
  const readers: Reader[] = [kernelReader('classic'), kernelReader('mainline')];
  for (const r of opts.readers ?? []) if (!readers.includes(r)) readers.push(r);
  const bridges = mapNodes(tree).map((node) => {
    const pci = isPciBridge(node);
    const range = busRange(node);
    const b: Bridge = {
      node,
      pci,
      enabled: node.enabled,
      busRange: range,
      domain: pci ? [range[0] << 8, (range[1] << 8) | 0xff] : [0, 0xffff],
      maps: {},
    };
    for (const kind of MAP_KINDS) {
      const a = analyse(b, kind, primary);
      if (a) b.maps[kind] = a;
    }
    return b;
  });
  return { tree, form, readers, primary, bridges, analyse };
}

/** Raw RIDs of the segments that satisfy `pred`, merged. */
export function segmentRids(c: Coverage, pred: (s: Coverage['segments'][number]) => boolean): Array<[number, number]> {
  return mergeRanges(c.segments.filter(pred).map((s) => [s.first, s.last]));
}

/** Where an entry was written: the span of its first cell, else the property's. */
export function entrySpan(m: ParsedMap, e: MapEntry | undefined): Span | undefined {
  return e ? m.property.cellSpan(e.cell) : m.property.span;
}

/** A PCI device the tree describes under a bridge, at the RID Linux gives it. */
export interface Described {
  node: Node;
  rid: number;
  /** Not a PCI-PCI bridge. */
  endpoint: boolean;
  /** The node and every node up to the host bridge are enabled. */
  enabled: boolean;
  /** The RID its `reg` names, when Linux numbers its bus differently. */
  written: number;
}

/** PCI devices the tree describes under a bridge that Linux enumerates, at the RIDs Linux gives
 *  them (src/map/topology.ts: bus numbers depth first, disabled root ports take none). */
export function describedDevices(bridge: Node): Described[] {
  const out: Described[] = [];
  for (const f of enumerate(bridge))
    if (f.rid !== undefined)
      out.push({ node: f.node, rid: f.rid, endpoint: !f.bridge, enabled: f.enabled, written: f.written });
  return out;
}

/** "/soc/pcie@0/pci@2,0/ethernet@0,0 (02:00.0)", and when Linux numbers the device's bus other
 *  than its `reg` says, both BDFs and why (the disabled root ports that take no bus number). */
export function deviceLabel(d: Described, bridge: Node): string {
  if (d.written === d.rid) return `${d.node.path} (${bdf(d.rid)})`;
  const skipped = enumerate(bridge)
    .filter((f) => f.absent === 'disabled root port')
    .map((f) => f.node.name);
  const why = skipped.length
    ? `, and the disabled root port${skipped.length > 1 ? 's' : ''} ${skipped.join(', ')} take${skipped.length > 1 ? '' : 's'} no bus number`
    : '';
  return `${d.node.path} (${bdf(d.rid)}: its reg names ${bdf(d.written)}, but Linux numbers buses depth first${why})`;
}

/** A list of described devices for a message: up to four, then "and N more". */
export function deviceList(devices: Described[], bridge: Node): string {
  const shown = devices
    .slice(0, 4)
    .map((d) => deviceLabel(d, bridge))
    .join(', ');
  return devices.length > 4 ? `${shown} and ${devices.length - 4} more` : shown;
}

/** The host bridge's own default MSI domain, what a device falls back to when msi-map gives it
 *  none (pci_host_bridge_of_msi_domain(): `msi-parent` on the bridge node only): the phandle,
 *  and its node (undefined when it dangles; the kernel then prints "could not find phandle"). */
export function msiParent(tree: Tree, bridge: Node): { phandle: number; target: Node | undefined } | undefined {
  const phandle = bridge.prop('msi-parent')?.u32(0);
  return phandle === undefined ? undefined : { phandle, target: tree.byPhandle(phandle) };
}
