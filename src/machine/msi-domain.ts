// What a PCI function gets when msi-map gives it no MSI domain (a gap, a failed lookup): the
// domain of its bus, which is not always the host bridge's.
//
// pci_device_add() -> pci_set_msi_domain() (drivers/pci/probe.c, the same in 6.1 and 6.12): the
// function's own domain (of_msi_map_get_device_domain(), the first msi-map entry that matches its
// RID), else dev_get_msi_domain(&dev->bus->dev). A bus's domain is set by
// pci_set_bus_msi_domain(): behind a bridge, the bridge's own domain (walking up while a bridge
// has none); on the root bus pci_host_bridge_msi_domain() -> pci_host_bridge_of_msi_domain()
// (drivers/pci/of.c): the host bridge node's msi-parent, through of_msi_get_domain(...,
// DOMAIN_BUS_PCI_MSI) (drivers/of/irq.c), or a domain registered for the bridge node itself.
// The DeviceID is the RID whichever domain is inherited: the allocation-time lookup
// (its_pci_msi_prepare() -> of_msi_map_id()) bypasses or fails and keeps the input ID
// (__of_msi_map_id()).
import type { Node, Tree } from '../tree/model.js';
import type { Bridge } from './context.js';
import { describedDevices, deviceList, msiParent } from './context.js';
import { enumerate, type PciFunction } from '../map/topology.js';
import { lookup } from '../map/lookup.js';
import { busRange, type ParsedMap } from '../map/map.js';
import { hex, ridList } from './format.js';
import { mergeRanges } from '../map/coverage.js';

/** The two forms of of_msi_get_domain() inside the classic span (Linux 5.3-7.1):
 *  `current`: Linux 6.12, and the stable kernels that took "of/irq: Support #msi-cells=<0> in
 *  of_msi_get_domain" (October 2024; Debian 12's 6.1.192 has it): of_for_each_phandle() reads
 *  msi-parent as phandles with #msi-cells arguments (absent: 0) and takes the first target with a
 *  PCI MSI domain; a dangling phandle or a short entry ends the walk.
 *  `older`: before that commit: only the first phandle, and only when its target has no
 *  #msi-cells property (the phandle-with-arguments form was read for platform MSI alone). */
export type ParentForm = 'current' | 'older';
export const FORMS: readonly ParentForm[] = ['current', 'older'];

/** An MSI controller: what irq_find_matching_host(np, DOMAIN_BUS_PCI_MSI) can find a domain for. */
const isMsiController = (n: Node | undefined): n is Node => !!n && n.prop('msi-controller') !== undefined;

/** The host bridge's default MSI domain under one form of of_msi_get_domain(). */
export function hostMsiDomain(tree: Tree, bridge: Node, form: ParentForm): Node | undefined {
  const prop = bridge.prop('msi-parent');
  if (!prop) return undefined;
  if (form === 'older') {
    const t = tree.byPhandle(prop.u32(0)!);
    return t && t.prop('#msi-cells') === undefined && isMsiController(t) ? t : undefined;
  }
  for (let i = 0; i < prop.cellCount;) {
    const t = tree.byPhandle(prop.u32(i)!);
    if (!t) return undefined; // of_phandle_iterator_next(): "could not find phandle"
    const args = t.prop('#msi-cells')?.u32(0) ?? 0;
    if (i + 1 + args > prop.cellCount) return undefined; // "... = N found M": -EINVAL
    if (isMsiController(t)) return t;
    i += 1 + args;
  }
  return undefined;
}

/** Where a bus's MSI domain comes from. */
export interface BusFallback {
  /** The host bridge (root bus), the bridge the bus sits behind, or none described. */
  via: 'host' | 'bridge' | 'unknown';
  bridge?: PciFunction;
  /** The bus lies behind `bridge` in Linux's numbering, but the tree describes no bridge for it. */
  undescribed?: boolean;
  domain: Record<ParentForm, Node | undefined>;
}

/** The MSI domain of each bus of bus-range, after pci_set_bus_msi_domain(). */
export function busFallbacks(tree: Tree, host: Node, msi: ParsedMap | undefined): (bus: number) => BusFallback {
  const root = busRange(host)[0];
  const fns = enumerate(host);
  const bridges = fns.filter((f) => f.bridge && f.rid !== undefined && f.secondary !== undefined);
  const byHost = { current: hostMsiDomain(tree, host, 'current'), older: hostMsiDomain(tree, host, 'older') };
  /** A function's own domain: of_msi_map_get_device_domain(), else its bus's. */
  const own = new Map<PciFunction, Node | undefined>();
  const effective = (f: PciFunction, form: ParentForm): Node | undefined => {
    if (!own.has(f)) {
      const r = lookup(msi, f.rid!);
      own.set(f, r.status === 'translated' && isMsiController(r.target) ? r.target : undefined);
    }
    return own.get(f) ?? (f.parent ? effective(f.parent, form) : byHost[form]);
  };
  // one result per bridge: a gap over many buses behind one root port asks for it per bus
  const seen = { false: new Map<PciFunction, BusFallback>(), true: new Map<PciFunction, BusFallback>() };
  const behind = (f: PciFunction, undescribed: boolean): BusFallback => {
    const known = seen[`${undescribed}`];
    if (!known.has(f))
      known.set(f, {
        via: 'bridge',
        bridge: f,
        undescribed,
        domain: { current: effective(f, 'current'), older: effective(f, 'older') },
      });
    return known.get(f)!;
  };
  const memo = new Map<number, BusFallback>();
  const of = (bus: number): BusFallback => {
    if (bus === root) return { via: 'host', domain: byHost };
    // the deepest described bridge whose secondary..subordinate holds the bus
    const inside = bridges
      .filter((f) => f.secondary! <= bus && bus <= f.subordinate!)
      .sort((x, y) => y.secondary! - x.secondary!)[0];
    if (inside) return behind(inside, false);
    // an undescribed bus: depth-first numbering puts it behind the last root port numbered before it
    const port = bridges.filter((f) => !f.parent && f.secondary! <= bus).sort((x, y) => y.secondary! - x.secondary!)[0];
    if (port) return behind(port, true);
    return { via: 'unknown', domain: { current: undefined, older: undefined } };
  };
  return (bus) => memo.get(bus) ?? memo.set(bus, of(bus)).get(bus)!;
}

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
  const rids = mergeRanges(raw);
  const a = b.maps.msi!;
  const of = busFallbacks(tree, b.node, a.parsed);
  const devices = describedDevices(b.node).filter((d) => d.enabled && rids.some(([x, y]) => d.rid >= x && d.rid <= y));
  // group consecutive buses with the same fallback
  const groups: Array<{ first: number; last: number; f: BusFallback }> = [];
  const same = (p: BusFallback, q: BusFallback) =>
    p.via === q.via &&
    p.bridge === q.bridge &&
    p.undescribed === q.undescribed &&
    p.domain.current === q.domain.current &&
    p.domain.older === q.domain.older;
  for (const [x, y] of rids)
    for (let bus = x >>> 8; bus <= y >>> 8; bus++) {
      const f = of(bus);
      const g = groups[groups.length - 1];
      if (g && g.last >= bus - 1 && same(g.f, f)) g.last = bus;
      else if (!g || g.last !== bus) groups.push({ first: bus, last: bus, f });
    }
  const clauses: string[] = [];
  let safe = true;
  for (const { first, last, f } of groups) {
    const d = f.domain.current;
    const inGroup = devices.filter((v) => v.rid >>> 8 >= first && v.rid >>> 8 <= last);
    const assigned = d ? a.coverage.segments.filter((s) => s.status === 'translated' && s.target === d) : [];
    const hit = inGroup.filter((v) =>
      assigned.some((s) => v.rid >= Math.min(s.idFirst!, s.idLast!) && v.rid <= Math.max(s.idFirst!, s.idLast!)),
    );
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
      const label = deviceList(
        [{ node: br.node, rid: br.rid!, endpoint: false, enabled: br.enabled, written: br.written }],
        b.node,
      );
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
    if (hit.length) what += `, and that DeviceID is one msi-map also assigns: ${deviceList(hit, b.node)}`;
    // Behind a bridge the tree rarely describes the devices (switches, slots): any RID there may
    // appear, so a fallback DeviceID the map assigns on that controller to some RID is a clash
    // for whatever device turns up there (the ITS would share one ITT, its_msi_prepare()).
    const clash: Array<[number, number]> = [];
    if (f.via === 'bridge' && !hit.length)
      for (const [x, y] of rids)
        for (const sg of assigned) {
          const lo = Math.max(x, first << 8, Math.min(sg.idFirst!, sg.idLast!));
          const hi = Math.min(y, (last << 8) | 0xff, Math.max(sg.idFirst!, sg.idLast!));
          if (lo <= hi) clash.push([lo, hi]);
        }
    if (clash.length)
      what += `, and msi-map already gives DeviceIDs ${mergeRanges(clash)
        .map(([x, y]) => (x === y ? hex(x) : `${hex(x)}-${hex(y)}`))
        .join(
          ', ',
        )} to other RIDs on ${d!.path}: a device at RID ${ridList(mergeRanges(clash))} would share one (the ITS shares its ITT, its_msi_prepare())`;
    if (!d || f.via === 'unknown' || hit.length || clash.length) safe = false;
    clauses.push(what);
  }
  return { text: clauses.join('; '), safe };
}
