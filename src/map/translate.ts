// What one RID becomes on a host bridge: its IOMMU specifier and its MSI domain and DeviceID
// (docs/semantics.md: what the device gets).
import type { Node, Tree } from '../tree/model.js';
import { lookup, type LookupResult } from './lookup.js';
import { parseMap, type KernelForm, type MapKind } from './map.js';

export function translate(tree: Tree, node: Node, id: number, kind: MapKind, form: KernelForm): LookupResult {
  return translator(tree, node, kind, form)(id);
}

/** A lookup function for one node's map, parsed once. */
export function translator(tree: Tree, node: Node, kind: MapKind, form: KernelForm): (id: number) => LookupResult {
  const m = parseMap(tree, node, kind, form);
  return (id) => {
    const first = lookup(m, id);
    if (kind === 'iommu' || first.status !== 'translated') return first;
    // of_msi_map_get_device_domain() takes the domain from the first match whatever its target;
    // of_msi_map_id() then looks the DeviceID up again filtered to that controller.
    return lookup(m, id, first.target);
  };
}

/** Same status, entry, target and errno: consecutive IDs with this can print as one range. */
export function sameOutcome(a: LookupResult, b: LookupResult): boolean {
  return a.status === b.status && a.entry?.index === b.entry?.index && a.target === b.target && a.errno === b.errno;
}
