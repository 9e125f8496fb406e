// How the rules word what a device gets when msi-map gives it no MSI domain: one clause per run of
// buses, over the model of src/machine/msi-domain.ts (fallbackGroups()).
import type { Tree } from '../tree/model.js';
import type { Bridge } from '../machine/machine.js';
import { fallbackGroups, msiParent } from '../machine/msi-domain.js';
import { deviceLabel, deviceList, hex, idRange, ridList } from '../words.js';

const two = (bus: number) => hex(bus).slice(2).padStart(2, '0');
/** "bus 00", "buses 00, 02-1f" */
const busList = (runs: Array<[number, number]>) =>
  `${runs.length === 1 && runs[0]![0] === runs[0]![1] ? 'bus' : 'buses'} ${runs.map(([x, y]) => (x === y ? two(x) : `${two(x)}-${two(y)}`)).join(', ')}`;
const buses = (x: number, y: number) =>
  x === y
    ? `bus ${hex(x).slice(2).padStart(2, '0')}`
    : `buses ${hex(x).slice(2).padStart(2, '0')}-${hex(y).slice(2).padStart(2, '0')}`;

export interface FallbackReport {
  /** What happens to the RIDs, short: "they ...", or one clause per run of buses with the same
   *  outcome ("on bus 00 they ..."), then the DeviceIDs they would share; ends a first sentence
   *  that has named the RIDs. */
  outcome: string;
  /** Why, one clause per run of buses: where the kernel takes the domain from, with its functions
   *  (a sentence of its own, capitalised, without the full stop). */
  why: string;
  /** Both: `outcome`, a full stop, `why`. */
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
  /** Short outcomes, each with the runs of buses it holds for (adjacent runs merged). */
  const outcomes = new Map<string, Array<[number, number]>>();
  const whys: string[] = [];
  const shares: string[] = [];
  for (const { first, last, fallback: f, hit, clash } of groups) {
    const d = f.domain.current;
    const on = buses(first, last);
    let what: string;
    let why: string;
    if (f.via === 'host') {
      const parent = msiParent(tree, b.node);
      if (d) {
        what = `take the bridge's msi-parent ${d.path} with DeviceID = RID`;
        why = `on the root bus (${on}) devices fall back to the host bridge's msi-parent`;
      } else {
        what = 'get no MSI domain, so MSI/MSI-X allocation fails';
        if (parent && !parent.target)
          why = `on the root bus (${on}) the fallback msi-parent <${hex(parent.phandle)}> matches no node either (the kernel prints "OF: ${b.node.path}: could not find phandle ${parent.phandle}")`;
        else if (parent) {
          const t = parent.target!;
          const cells = t.prop('#msi-cells')?.u32(0);
          const reason =
            t.prop('msi-controller') === undefined
              ? `${t.path} is no MSI controller`
              : cells !== undefined && (b.node.prop('msi-parent')?.cellCount ?? 0) < 1 + cells
                ? `msi-parent is shorter than the #msi-cells = <${cells}> of ${t.path}`
                : `of_msi_get_domain() finds no PCI MSI domain there`;
          why = `on the root bus (${on}) the bridge's msi-parent gives none (${reason})`;
        } else why = `on the root bus (${on}) the bridge has no msi-parent to fall back to`;
      }
    } else if (f.via === 'bridge') {
      const br = f.bridge!;
      const label = deviceLabel({ node: br.node, rid: br.rid!, written: br.written }, b);
      what = d
        ? `inherit the MSI domain ${d.path} with DeviceID = RID`
        : 'get no MSI domain, so MSI/MSI-X allocation fails';
      const inherit = d ? 'their devices inherit its MSI domain' : 'it has no MSI domain to inherit';
      why = f.undescribed
        ? `Linux numbers ${on} behind ${label} (the tree describes no bridge for them), and ${inherit} (pci_set_msi_domain() -> pci_set_bus_msi_domain())`
        : `${on} ${first === last ? 'is' : 'are'} behind ${label}, and ${inherit} (pci_set_msi_domain() -> pci_set_bus_msi_domain())`;
    } else {
      what = 'get no MSI domain unless the bridge they sit behind has one, which they then inherit with DeviceID = RID';
      why = `the tree describes no bridge for ${on}: a device there inherits the MSI domain of the bridge it sits behind (pci_set_bus_msi_domain()), which is no MSI at all unless that bridge has one (from its own RID, or inherited in turn)`;
    }
    if (!mainline && f.domain.current !== f.domain.older) {
      const old = f.domain.older;
      if (d && !old) {
        what += ' (no MSI domain on Linux 5.3-6.11)';
        why += `; Linux 6.12 and the stable kernels with the October 2024 of_msi_get_domain() change ("Support #msi-cells=<0>") take that msi-parent, older 5.3-6.11 kernels take an msi-parent only when its target has no #msi-cells`;
      } else {
        what += ` (${old!.path} on Linux 5.3-6.11)`;
        why += `; Linux 5.3-6.11, before the October 2024 of_msi_get_domain() change, ${d ? 'takes' : 'falls back to'} ${old!.path}${d ? '' : ', whose target has no #msi-cells'}`;
      }
    }
    if (hit.length) shares.push(`${deviceList(hit, b)} would share a DeviceID msi-map also assigns`);
    const given = clash.map(([x, y]) => idRange(x, y)).join(', ');
    if (clash.length)
      shares.push(`a device at ${ridList(clash, 2)} would share a DeviceID (${given}) with another RID`);
    if (clash.length) why += `; msi-map gives DeviceIDs ${given} to other RIDs on ${d!.path}`;
    if (hit.length || clash.length) why += ', and the ITS gives devices on one DeviceID one ITT (its_msi_prepare())';
    const runs = outcomes.get(what) ?? outcomes.set(what, []).get(what)!;
    const prev = runs[runs.length - 1];
    if (prev && prev[1] === first - 1) prev[1] = last;
    else runs.push([first, last]);
    whys.push(why);
  }
  const outcome =
    outcomes.size === 1
      ? [`they ${[...outcomes.keys()][0]!}`, ...shares].join('; ')
      : [...[...outcomes].map(([what, runs]) => `on ${busList(runs)} they ${what}`), ...shares].join('; ');
  const w = whys.join('; ');
  const why = w.charAt(0).toUpperCase() + w.slice(1);
  return { outcome, why, text: `${outcome}. ${why}`, safe: groups.every((g) => g.safe) };
}
