// What every rule reads: the tree, the kernel form, and each node with a map, parsed and with
// its coverage of the RID space computed once.
import type { Node, Span, Tree } from '../tree/model.js';
import { busRange, isPciBridge, MAP_KINDS, mapNodes, type KernelForm, type MapEntry, type MapKind, type ParsedMap } from '../map/map.js';
import { coverage, mergeRanges, type Coverage } from '../map/coverage.js';
import { kernelReader, type Reader } from '../map/readers/index.js';

export interface Bridge {
  node: Node;
  pci: boolean;
  enabled: boolean;
  busRange: [number, number];
  /** Raw ID domain the coverage is computed on: bus-range RIDs, or 0-0xffff for non-PCI nodes. */
  domain: [number, number];
  maps: Partial<Record<MapKind, { parsed: ParsedMap; coverage: Coverage }>>;
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
  analyse(bridge: Bridge, kind: MapKind, reader: Reader): { parsed: ParsedMap; coverage: Coverage } | undefined;
}

export interface ContextOptions {
  /** Readers map-portability compares besides linux-classic and linux-mainline (`--reader`). */
  readers?: readonly Reader[];
  /** The reader whose reading fills `bridges[].maps` (default: the kernel form's; `map --reader`). */
  primary?: Reader;
}

export function buildContext(tree: Tree, form: KernelForm, opts: ContextOptions = {}): Context {
  const analyse = (bridge: Omit<Bridge, 'maps'>, kind: MapKind, reader: Reader) => {
    const parsed = reader.parse(tree, bridge.node, kind);
    return parsed && { parsed, coverage: coverage(parsed, bridge.domain[0], bridge.domain[1]) };
  };
  const primary = opts.primary ?? kernelReader(form);
  const readers: Reader[] = [kernelReader('classic'), kernelReader('mainline')];
  for (const r of opts.readers ?? []) if (!readers.includes(r)) readers.push(r);
  const bridges = mapNodes(tree).map((node) => {
    const pci = isPciBridge(node);
    const range = busRange(node);
    const b: Bridge = { node, pci, enabled: node.enabled, busRange: range, domain: pci ? [range[0] << 8, (range[1] << 8) | 0xff] : [0, 0xffff], maps: {} };
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

/** PCI devices the tree describes under a bridge: RID from the first `reg` cell. */
export function describedDevices(bridge: Node): Array<{ node: Node; rid: number; endpoint: boolean }> {
  const out: Array<{ node: Node; rid: number; endpoint: boolean }> = [];
  for (const n of bridge.walk()) {
    if (n === bridge) continue;
    const reg = n.prop('reg')?.u32(0);
    if (reg === undefined || n.prop('reg')!.cellCount < 3) continue;
    out.push({ node: n, rid: (reg >>> 8) & 0xffff, endpoint: !isPciBridge(n) });
  }
  return out;
}
