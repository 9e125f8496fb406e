import type { Rule, Report } from '../types.js';
import type { Context } from '../context.js';
import { hostBridgeNodes, type Bridge } from '../../machine/machine.js';
import type { Node } from '../../tree/model.js';
import { busRange, isPciBridge } from '../../map/map.js';
import { hex } from '../../words.js';

const PROPERTY = 'linux,pci-domain';

/** The PCI host bridges: `device_type = "pci"` nodes below no other such node (root ports and
 *  PCI-PCI bridges sit below one). Those with a map are the machine's bridges; the others get a
 *  bridge of their own here, with no maps and no devices, for the report to name. */
export function hostBridges(ctx: Context): Bridge[] {
  const known = new Map(ctx.bridges.map((b) => [b.node, b]));
  return hostBridgeNodes(ctx.tree.root).map((n) => {
    const range = busRange(n);
    return (
      known.get(n) ?? {
        node: n,
        pci: true,
        enabled: n.enabled,
        busRange: range,
        domain: [range[0] << 8, (range[1] << 8) | 0xff],
        maps: {},
        functions: [],
        devices: [],
      }
    );
  });
}

/** Whether the tree has any PCI host bridge (the runner's early exit). */
export function hasHostBridge(root: Node): boolean {
  for (const n of root.walk()) if (isPciBridge(n)) return true;
  return false;
}

/** `of_get_pci_domain_nr()`: the first cell of linux,pci-domain, or undefined (absent or short). */
const domainOf = (b: Bridge) => b.node.prop(PROPERTY)?.u32(0);

/**
 * Host drivers that read the domain themselves to tell their controllers apart, with the values
 * they accept: pcie-starfive.c (Linux 6.12), starfive_pcie_parse_dt(): of_get_pci_domain_nr()
 * must be 0 or 1 (it picks the controller's STG syscon registers), else the probe fails with
 * "failed to get valid pcie domain" (-ENODEV).
 */
const DRIVER_DOMAINS: ReadonlyArray<{ compatible: string; driver: string; domains: readonly number[] }> = [
  { compatible: 'starfive,jh7110-pcie', driver: 'pcie-starfive (starfive_pcie_parse_dt())', domains: [0, 1] },
];

const list = (bridges: Bridge[]) => bridges.map((b) => b.node.path).join(', ');

function check(ctx: Context, report: Report): void {
  const bridges = hostBridges(ctx);
  const at = (b: Bridge, message: string, severity?: 'warning') =>
    report.at(b, undefined, { message, severity, property: b.node.prop(PROPERTY) ? PROPERTY : undefined });

  // Duplicates. Linux reserves every devicetree "pci" node's domain against dynamic allocation,
  // then gives each host bridge that registers its static domain from an IDA, once
  // (of_pci_bus_find_domain_nr(), since c14f7ccc9f5d "PCI: Assign PCI domain IDs by
  // ida_alloc()"): the second bridge with the same number gets -ENOSPC, and
  // pci_register_host_bridge() fails. A disabled bridge never registers.
  const byDomain = new Map<number, Bridge[]>();
  for (const b of bridges) {
    const d = domainOf(b);
    if (d !== undefined) byDomain.set(d, [...(byDomain.get(d) ?? []), b]);
  }
  for (const [d, same] of byDomain) {
    if (same.length < 2) continue;
    const first = same.find((b) => b.enabled) ?? same[0]!;
    for (const b of same) {
      if (b === first) continue;
      const others = same.filter((o) => o !== b && o.enabled);
      if (!b.enabled || !others.length) {
        at(b, `${PROPERTY} = <${hex(d)}> is also on ${list(same.filter((o) => o !== b))}`);
        continue;
      }
      at(
        b,
        `${PROPERTY} = <${hex(d)}> is also on ${list(others)}: whichever of them registers second fails, and no device behind it is found. Linux gives a static domain to one host bridge only (pci_register_host_bridge(): -ENOSPC from of_pci_bus_find_domain_nr())`,
      );
    }
  }

  // All or none (dt-schema, pci-bus-common.yaml).
  const set = bridges.filter((b) => domainOf(b) !== undefined);
  if (set.length && set.length < bridges.length) {
    const example = set.find((b) => b.enabled) ?? set[0]!;
    for (const b of bridges.filter((x) => domainOf(x) === undefined))
      at(
        b,
        `no ${PROPERTY}, while ${example.node.path} has <${hex(domainOf(example)!)}>: this bridge's domain number can change from boot to boot, and kernels before 2022 leave some of the bridges without a valid domain. ${set.length} of ${bridges.length} host bridges set one (dt-schema: on all host bridges or on none); Linux gives this bridge the lowest domain no devicetree "pci" node claims, in probe order; kernels before c14f7ccc9f5d (2022) refuse the mix ("Inconsistent \\"linux,pci-domain\\" property in DT") and leave the bridges that differ from the first one probed without a valid domain`,
        'warning',
      );
  }

  // Drivers that need the property.
  for (const b of bridges) {
    const compatible = b.node.prop('compatible')?.strings() ?? [];
    const need = DRIVER_DOMAINS.find((r) => compatible.includes(r.compatible));
    if (!need) continue;
    const d = domainOf(b);
    if (d !== undefined && need.domains.includes(d)) continue;
    const has = d === undefined ? `no ${PROPERTY}` : `${PROPERTY} = <${hex(d)}>`;
    at(
      b,
      `${has}: the probe fails and the controller has no PCIe. ${need.driver} takes the controller's index from ${PROPERTY} and accepts only ${need.domains.join(' or ')} ("failed to get valid pcie domain", -ENODEV)`,
    );
  }
}

/** linux,pci-domain: unique, and on all host bridges or none; and where a driver needs it. */
export const pciDomain: Rule = {
  id: 'pci-domain',
  severity: 'error',
  description:
    'two host bridges with the same linux,pci-domain, a domain set on some host bridges only, or a driver that needs one without it',
  visits: 'machine',
  check,
};
