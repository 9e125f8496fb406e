// What one RID becomes on a host bridge: its IOMMU specifier and its MSI domain and DeviceID
// (docs/semantics.md: what the device gets).
import type { Node, Tree } from '../tree/model.js';
import { lookup } from '../core/lookup.js';
import type { KernelForm, LookupResult, MapKind } from './map.js';
import { kernelReader, type Reader } from './readers/index.js';

export function translate(tree: Tree, node: Node, id: number, kind: MapKind, by: KernelForm | Reader): LookupResult {
  return translator(tree, node, kind, by)(id);
}

/** A lookup function for one node's map as a kernel form (or another reader) reads it, parsed once. */
export function translator(
  tree: Tree,
  node: Node,
  kind: MapKind,
  by: KernelForm | Reader,
): (id: number) => LookupResult {
  const reader = typeof by === 'string' ? kernelReader(by) : by;
  const table = reader.parse(tree, node, kind)?.map.table;
  return (id) => {
    const first = lookup(table, id);
    if (kind === 'iommu' || first.status !== 'translated' || reader.family !== 'linux') return first;
    // of_msi_map_get_device_domain() takes the domain from the first match whatever its target;
    // of_msi_map_id() then looks the DeviceID up again filtered to that controller.
    return lookup(table, id, first.target);
  };
}
