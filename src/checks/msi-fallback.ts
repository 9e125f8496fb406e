// How the rules word what a device gets when msi-map gives it no MSI domain: one clause per run of
// buses, over the model of src/machine/msi-domain.ts (fallbackGroups()).
import type { Tree } from '../tree/model.js';
import type { Bridge } from '../machine/machine.js';
import { fallbackGroups, msiParent } from '../machine/msi-domain.js';
import { deviceLabel, deviceList, hex, idRange, ridList } from '../words.js';

const buses = (x: number, y: number) =>
  x === y
    ? `bus ${hex(x).slice(2).padStart(2, '0')}`
    : `buses ${hex(x).slice(2).padStart(2, '0')}-${hex(y).slice(2).padStart(2, '0')}`;

export interface FallbackReport {
  /** What happens to the RIDs, one clause per group of buses. */
  text: string;
  /** Every RID gets a domain under the selected form, and no fallback DeviceID clashes. */
  safe: boolean;
}

/**
 * What the kernel does with raw RIDs that msi-map gives no domain: per run of buses, the domain
 * inherited and whether a described device's fallback DeviceID = RID is one the map also gives
 * away on that controller (the ITS then shares one ITT between the two devices).
 * `mainline`: only the current of_msi_get_domain() applies (7.2 is after the 2024 change).
 */
export function msiFallback(tree: Tree, b: Bridge, raw: Array<[number, number]>, mainline: boolean): FallbackReport {
  const groups = fallbackGroups(tree, b, raw);
  const clauses: string[] = [];
  for (const { first, last, fallback: f, hit, clash } of groups) {
    const d = f.domain.current;
    let what: string;
    if (f.via === 'host') {
      const parent = msiParent(tree, b.node);
      if (d) what = `devices there fall back to the bridge's msi-parent ${d.path} with DeviceID = RID`;
      else if (parent && !parent.target)
        what = `devices there get no MSI domain from msi-map, and the fallback msi-parent <${hex(parent.phandle)}> matches no node either (the kernel prints "OF: ${b.node.path}: could not find phandle ${parent.phandle}"): MSI/MSI-X allocation fails for every device there`;
      else if (parent) {
        const t = parent.target!;
        const cells = t.prop('#msi-cells')?.u32(0);
        const why =
          t.prop('msi-controller') === undefined
            ? `${t.path} is no MSI controller`
            : cells !== undefined && (b.node.prop('msi-parent')?.cellCount ?? 0) < 1 + cells
              ? `msi-parent is shorter than the #msi-cells = <${cells}> of ${t.path}`
              : `of_msi_get_domain() finds no PCI MSI domain there`;
        what = `devices there get no MSI domain: the bridge's msi-parent gives none (${why}), so MSI/MSI-X allocation fails`;
      } else
        what = `devices there get no MSI domain, so MSI/MSI-X allocation fails (the bridge has no msi-parent to fall back to)`;
      what = `on the root bus (${buses(first, last)}), ${what}`;
    } else if (f.via === 'bridge') {
      const br = f.bridge!;
      const label = deviceLabel({ node: br.node, rid: br.rid!, written: br.written }, b);
      const where = f.undescribed
        ? `${buses(first, last)} (the tree describes no bridge for them; Linux numbers them behind ${label})`
        : `${buses(first, last)}, behind ${label}`;
      what = d
        ? `on ${where}, devices inherit that bridge's MSI domain ${d.path} with DeviceID = RID (pci_set_msi_domain() -> pci_set_bus_msi_domain())`
        : `on ${where}, devices inherit that bridge's MSI domain, and it has none: MSI/MSI-X allocation fails (pci_set_bus_msi_domain())`;
    } else {
      what = `on ${buses(first, last)} the tree describes no bridge: a device there inherits the MSI domain of the bridge it sits behind with DeviceID = RID (pci_set_bus_msi_domain()), which is no MSI at all unless that bridge has one (from its own RID, or inherited in turn)`;
    }
    if (!mainline && f.domain.current !== f.domain.older) {
      const old = f.domain.older;
      what += d
        ? old
          ? ` (Linux 5.3-6.11 before the October 2024 of_msi_get_domain() change: ${old.path})`
          : ` on Linux 6.12 and the stable kernels with the October 2024 of_msi_get_domain() change ("Support #msi-cells=<0>"); older 5.3-6.11 kernels take an msi-parent only when its target has no #msi-cells, so there they get no MSI domain`
        : ` (Linux 5.3-6.11 before the October 2024 of_msi_get_domain() change falls back to ${old!.path}, whose target has no #msi-cells)`;
    }
    if (hit.length) what += `, and that DeviceID is one msi-map also assigns: ${deviceList(hit, b)}`;
    if (clash.length)
      what += `, and msi-map already gives DeviceIDs ${clash.map(([x, y]) => idRange(x, y)).join(', ')} to other RIDs on ${d!.path}: a device at RID ${ridList(clash)} would share one (the ITS shares its ITT, its_msi_prepare())`;
    clauses.push(what);
  }
  return { text: clauses.join('; '), safe: groups.every((g) => g.safe) };
}
