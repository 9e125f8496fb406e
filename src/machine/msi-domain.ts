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
import { lookup } from '../core/lookup.js';
import { busRange, type ParsedMap } from '../map/map.js';
import { mergeRanges } from '../core/ranges.js';
import type { Described, PciFunction } from './topology.js';
import type { Bridge } from './machine.js';

/** The two forms of of_msi_get_domain() inside the classic span (Linux 5.3-7.1):
 *  `current`: Linux 6.12, and the stable kernels that took "of/irq: Support #msi-cells=<0> in
 *  of_msi_get_domain" (October 2024; Debian 12's 6.1.192 has it): of_for_each_phandle() reads
 *  msi-parent as phandles with #msi-cells arguments (absent: 0) and takes the first target with a
 *  PCI MSI domain; a dangling phandle or a short entry ends the walk.
 *  `older`: before that commit: only the first phandle, and only when its target has no
 *  #msi-cells property (the phandle-with-arguments form was read for platform MSI alone). */
export type ParentForm = 'current' | 'older';

/** An MSI controller: what irq_find_matching_host(np, DOMAIN_BUS_PCI_MSI) can find a domain for. */
const isMsiController = (n: Node | undefined): n is Node => !!n && n.prop('msi-controller') !== undefined;

/** The host bridge's own default MSI domain, what a device falls back to when msi-map gives it
 *  none (pci_host_bridge_of_msi_domain(): `msi-parent` on the bridge node only): the phandle,
 *  and its node (undefined when it dangles; the kernel then prints "could not find phandle"). */
export function msiParent(tree: Tree, bridge: Node): { phandle: number; target: Node | undefined } | undefined {
  const phandle = bridge.prop('msi-parent')?.u32(0);
  return phandle === undefined ? undefined : { phandle, target: tree.byPhandle(phandle) };
}

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

/** The MSI domain of each bus of bus-range, after pci_set_bus_msi_domain(); `functions`: the
 *  host's, as enumerate() numbers them. */
export function busFallbacks(
  tree: Tree,
  host: Node,
  functions: readonly PciFunction[],
  msi: ParsedMap | undefined,
): (bus: number) => BusFallback {
  const root = busRange(host)[0];
  const bridges = functions.filter((f) => f.bridge && f.rid !== undefined && f.secondary !== undefined);
  const byHost = { current: hostMsiDomain(tree, host, 'current'), older: hostMsiDomain(tree, host, 'older') };
  /** A function's own domain: of_msi_map_get_device_domain(), else its bus's. */
  const own = new Map<PciFunction, Node | undefined>();
  const effective = (f: PciFunction, form: ParentForm): Node | undefined => {
    if (!own.has(f)) {
      const r = lookup(msi?.table, f.rid!);
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

/** A run of buses whose raw RIDs msi-map gives no domain, and what their devices get instead. */
export interface FallbackGroup {
  first: number;
  last: number;
  /** The domain the buses inherit. */
  fallback: BusFallback;
  /** Described, enabled devices there whose fallback DeviceID = RID is one msi-map also assigns
   *  on that domain (the ITS then shares one ITT between the two devices). */
  hit: Described[];
  /** Behind a bridge, when no described device is hit: the RIDs there whose fallback DeviceID
   *  msi-map assigns on that domain to some other RID, merged. */
  clash: Array<[number, number]>;
  /** Every RID there gets a domain (current of_msi_get_domain()), and no fallback DeviceID clashes. */
  safe: boolean;
}

/**
 * What the kernel does with raw RIDs that msi-map gives no domain: per run of buses with the same
 * fallback, the domain inherited and whether a fallback DeviceID = RID is one the map also gives
 * away on that controller.
 */
export function fallbackGroups(tree: Tree, b: Bridge, raw: Array<[number, number]>): FallbackGroup[] {
  const rids = mergeRanges(raw);
  const a = b.maps.msi!;
  const of = busFallbacks(tree, b.node, b.functions, a.parsed);
  const devices = b.devices.filter((d) => d.enabled && rids.some(([x, y]) => d.rid >= x && d.rid <= y));
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
  return groups.map(({ first, last, f }) => {
    const d = f.domain.current;
    const inGroup = devices.filter((v) => v.rid >>> 8 >= first && v.rid >>> 8 <= last);
    const assigned = d ? a.coverage.segments.filter((s) => s.status === 'translated' && s.target === d) : [];
    const hit = inGroup.filter((v) =>
      assigned.some((s) => v.rid >= Math.min(s.idFirst!, s.idLast!) && v.rid <= Math.max(s.idFirst!, s.idLast!)),
    );
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
    const safe = !!d && f.via !== 'unknown' && !hit.length && !clash.length;
    return { first, last, fallback: f, hit, clash: mergeRanges(clash), safe };
  });
}
