// Shared by the two gap rules: the RIDs of bus-range that no entry matches (of_map_id() bypass).
import type { Bridge } from '../../machine/machine.js';
import type { Described } from '../../machine/topology.js';
import { mergeRanges } from '../../core/ranges.js';
import type { MapKind, ParsedMap } from '../../map/map.js';

export interface Gap {
  map: ParsedMap;
  rids: Array<[number, number]>;
  devices: Described[];
  total: number;
}

export function gapOf(b: Bridge, kind: MapKind): Gap | undefined {
  const a = b.maps[kind];
  if (!b.pci || !a) return undefined;
  const rids = mergeRanges(a.coverage.segments.filter((s) => s.status === 'bypass').map((s) => [s.first, s.last]));
  if (!rids.length) return undefined;
  const inGap = (rid: number) => rids.some(([x, y]) => rid >= x && rid <= y);
  // Enabled devices only: a disabled one is enumerated but gets no driver (pci_bus_add_device()),
  // so it neither does DMA nor asks for MSIs.
  const devices = b.devices.filter((d) => d.enabled && inGap(d.rid));
  const total = rids.reduce((n, [x, y]) => n + y - x + 1, 0);
  return { map: a.parsed, rids, devices, total };
}
