import type { Rule } from '../types.js';
import { NAMES } from '../../map/map.js';
import { hex } from '../format.js';
import { msiParent } from '../context.js';
import type { Node, Tree } from '../../tree/model.js';

/** What a device whose msi-map lookup fails gets: __of_msi_map_id() does not stop on the error,
 *  finds no domain, and the device falls back to the bridge's own msi-parent (pci_set_msi_domain()
 *  -> pci_host_bridge_of_msi_domain() -> of_msi_get_domain()), with DeviceID = RID. */
function msiEffect(tree: Tree, bridge: Node): string {
  const parent = msiParent(tree, bridge);
  if (!parent) return ', so they get no MSI domain, and the bridge has no msi-parent to fall back to: MSI/MSI-X allocation fails for every device there';
  if (parent.target) return `, so they get no MSI domain from msi-map and fall back to the bridge's msi-parent ${parent.target.path} with DeviceID = RID`;
  return `, so they get no MSI domain from msi-map, and the fallback msi-parent <${hex(parent.phandle)}> matches no node either (the kernel prints "OF: ${bridge.path}: could not find phandle ${parent.phandle}"): MSI/MSI-X allocation fails for every device there`;
}

/** of_map_id(): a phandle that resolves to no node is -ENODEV (classic: when the entry matches;
 *  mainline: when the walk reaches it, since the target gives the entry's size). */
export const mapPhandle: Rule = {
  id: 'map-phandle',
  severity: 'error',
  description: 'an entry phandle points at no node: lookups through it fail (-ENODEV)',
  check(ctx, report) {
    for (const b of ctx.bridges) {
      for (const { parsed: m, coverage } of Object.values(b.maps)) {
        const name = NAMES[m.kind].map;
        const rids = (pred: (s: (typeof coverage.segments)[number]) => boolean) =>
          coverage.segments.filter((s) => s.errno === 'ENODEV' && pred(s)).map((s) => [s.first, s.last] as [number, number]);
        const effect = m.kind === 'msi' ? msiEffect(ctx.tree, b.node) : '';
        for (const e of m.entries) {
          if (e.target) continue;
          report({ node: b.node.path, property: name, message: `entry ${e.index}: phandle ${hex(e.phandle)} matches no node: its RIDs fail with -ENODEV${effect}`, rids: rids((s) => s.entry === e), entry: e.index, span: m.property.cellSpan(e.cell + 1), disabled: !b.enabled });
        }
        if (m.tail?.errno === 'ENODEV') {
          const phandle = m.property.u32(m.tail.cell + 1)!;
          report({ node: b.node.path, property: name, message: `entry ${m.entries.length}: phandle ${hex(phandle)} matches no node: every ID reaching it fails with -ENODEV${effect}`, rids: rids((s) => s.entry === undefined), entry: m.entries.length, span: m.property.cellSpan(m.tail.cell + 1), disabled: !b.enabled });
        }
      }
    }
  },
};
