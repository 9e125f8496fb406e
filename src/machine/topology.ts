// The PCI topology as Linux enumerates it: which bus number each described bridge gets, and so
// the RID each described device really has. The bus number a node's `reg` names is not what the
// kernel uses: it matches a child node to a device by devfn alone (pci_set_of_node() ->
// of_pci_find_child_device() -> of_pci_get_devfn(), drivers/pci/of.c) and numbers the buses
// itself (pci_scan_child_bus_extend() / pci_scan_bridge_extend(), drivers/pci/probe.c).
import type { Node } from '../tree/model.js';
import { busRange, isPciBridge } from '../map/map.js';

export interface PciFunction {
  node: Node;
  /** The RID the node's `reg` names (bus, device and function from its first cell). */
  written: number;
  /** The RID Linux gives it, or undefined when it is not enumerated (see `absent`). */
  rid: number | undefined;
  /** A PCI-PCI bridge (root port, switch port): `device_type = "pci"`. */
  bridge: boolean;
  /** The node and every node between it and the host bridge are enabled. */
  enabled: boolean;
  /** Why the function is not enumerated: a disabled root port, or no bus number left. */
  absent?: 'disabled root port' | 'behind a disabled root port' | 'no bus number left in bus-range';
  /** Bridges: the secondary and subordinate bus Linux assigns. */
  secondary?: number;
  subordinate?: number;
  /** Bridges: the node's own `bus-range`, which Linux never reads for a PCI-PCI bridge. */
  declared?: [number, number];
  /** The bridge the function sits behind, or undefined on the root bus. */
  parent: PciFunction | undefined;
  /** Bridges: a PCIe-to-PCI(-X) bridge, as its compatible names it (PCIE_TO_PCI). */
  pcieToPci?: boolean;
  /** The function sits on a conventional PCI bus: below a PCIe-to-PCI bridge. */
  conventional?: boolean;
  /** The RIDs besides its own that Linux looks up for the function's DMA, in the order
   *  pci_for_each_dma_alias() visits them (none when the tree shows none; see dmaAliases()). */
  aliases?: number[];
}

/**
 * PCIe-to-PCI(-X) bridges the tree can name. A bridge's class code (0x0604, "pciclass,0604") is
 * the same for a root port, a switch port and a PCIe-to-PCI bridge; what tells them apart is the
 * PCIe capability's port type (PCI_EXP_TYPE_PCI_BRIDGE), which a devicetree does not carry. So
 * only a compatible naming the chip counts: these vendor,device IDs are PCIe-to-PCI(-X) bridges.
 */
export const PCIE_TO_PCI: ReadonlySet<string> = new Set([
  'pci104c,8240', // TI XIO2000A / XIO2001
  'pci12d8,e110', // Pericom PI7C9X110
  'pci12d8,e111', // Pericom PI7C9X111
  'pci12d8,e130', // Pericom PI7C9X130 (PCI-X)
  'pci1b21,1080', // ASMedia ASM1083 / ASM1085
  'pci10b5,8111', // PLX PEX 8111
  'pci10b5,8112', // PLX PEX 8112
  'pci1a03,1150', // ASPEED AST1150
]);

const isPcieToPci = (n: Node) => (n.prop('compatible')?.strings() ?? []).some((c) => PCIE_TO_PCI.has(c));

/**
 * The DMA aliases of each enumerated function, after pci_for_each_dma_alias() (drivers/pci/search.c,
 * 6.1 and 6.12): its own RID first (not listed here), then, walking up the buses to the root bus,
 * for each bridge above it: a PCIe root or switch port adds nothing; a PCIe-to-PCI bridge adds
 * its secondary bus with devfn 0 (PCI_DEVID(subordinate->number, 0): the requester ID it gives
 * the transactions it forwards); a conventional PCI bridge (one below a PCIe-to-PCI bridge) adds
 * its own RID. Quirks the tree cannot show (dma_alias_mask, PCI_DEV_FLAG_PCIE_BRIDGE_ALIAS,
 * PCI_DEV_FLAGS_BRIDGE_XLATE_ROOT) are not modelled.
 */
function dmaAliases(fns: readonly PciFunction[]): void {
  for (const f of fns) {
    if (f.parent?.conventional || f.parent?.pcieToPci) f.conventional = true;
    if (f.bridge && !f.conventional && isPcieToPci(f.node)) f.pcieToPci = true;
  }
  for (const f of fns) {
    if (f.rid === undefined) continue;
    const aliases: number[] = [];
    for (let p = f.parent; p; p = p.parent) {
      if (p.rid === undefined || p.secondary === undefined) break;
      if (p.conventional) aliases.push(p.rid);
      else if (p.pcieToPci) aliases.push(p.secondary << 8);
    }
    if (aliases.length) f.aliases = aliases;
  }
}

/** A PCI child node's first `reg` cell (bus, device, function in bits 23..8), or undefined for a
 *  node whose `reg` is no PCI address (fewer than 3 cells). */
function regOf(n: Node): number | undefined {
  const reg = n.prop('reg');
  if (!reg || reg.cellCount < 3) return undefined;
  return reg.u32(0)!;
}

/**
 * Every PCI function described below a host bridge, with the RID Linux gives it.
 *
 * The model, after drivers/pci/probe.c (Linux 6.12): the root bus is the first bus of the host
 * bridge's `bus-range` (pci_scan_root_bus_bridge()). On each bus, pci_scan_child_bus_extend()
 * first scans devfn 0-255, then walks the bridges on the bus in devfn order and gives each the
 * next free bus number (`max + 1`, pci_scan_bridge_extend() pass 1) before scanning behind it, so
 * buses are numbered depth first, one after another. A root port whose node is disabled is not
 * brought up by the host driver (pcie-apple.c apple_pcie_init() walks only available ports), so
 * it takes no bus number and the buses behind later ports shift down. A disabled device deeper
 * down is still enumerated (since Linux 6.6 pci_bus_add_device() only refuses it a driver).
 * Only what the tree describes counts: an undescribed switch behind a port would take more buses.
 */
export function enumerate(host: Node): PciFunction[] {
  const out: PciFunction[] = [];
  const [root, last] = busRange(host);
  /** Records the functions on `bus` (undefined: not enumerated, for reason `why`); returns the
   *  highest bus number used below it. */
  const scan = (
    on: Node,
    parent: PciFunction | undefined,
    bus: number | undefined,
    why: PciFunction['absent'],
    enabled: boolean,
  ): number | undefined => {
    const fns: PciFunction[] = [];
    for (const node of on.children) {
      const reg = regOf(node);
      if (reg === undefined) continue;
      const fn: PciFunction = {
        node,
        written: (reg >>> 8) & 0xffff,
        rid: undefined,
        bridge: isPciBridge(node),
        enabled: enabled && node.enabled,
        parent,
      };
      const declared = node.prop('bus-range');
      if (fn.bridge && declared && declared.cellCount >= 2) fn.declared = [declared.u32(0)!, declared.u32(1)!];
      if (bus === undefined) fn.absent = why;
      else if (!parent && fn.bridge && !node.enabled) fn.absent = 'disabled root port';
      else fn.rid = (bus << 8) | (fn.written & 0xff);
      fns.push(fn);
    }
    // pci_scan_child_bus_extend(): slots in devfn order, then the bridges in that order.
    fns.sort((a, b) => (a.written & 0xff) - (b.written & 0xff));
    out.push(...fns);
    let max = bus;
    for (const fn of fns) {
      if (!fn.bridge) continue;
      if (fn.rid === undefined || max === undefined) {
        scan(
          fn.node,
          fn,
          undefined,
          fn.absent === 'disabled root port' ? 'behind a disabled root port' : fn.absent,
          fn.enabled,
        );
        continue;
      }
      if (max + 1 > last) {
        // pci_scan_bridge_extend(): "devices behind bridge are unusable because [bus ..] cannot be assigned"
        scan(fn.node, fn, undefined, 'no bus number left in bus-range', fn.enabled);
        continue;
      }
      fn.secondary = ++max;
      max = scan(fn.node, fn, fn.secondary, undefined, fn.enabled) ?? max;
      fn.subordinate = max;
    }
    return max;
  };
  scan(host, undefined, root, undefined, true);
  dmaAliases(out); // out lists parents before their children
  return out;
}

/** A PCI device the tree describes under a bridge, at the RID Linux gives it. */
export interface Described {
  node: Node;
  rid: number;
  /** Not a PCI-PCI bridge. */
  endpoint: boolean;
  /** The node and every node up to the host bridge are enabled. */
  enabled: boolean;
  /** The RID its `reg` names, when Linux numbers its bus differently. */
  written: number;
}

/** The functions of enumerate() that Linux enumerates, at the RIDs it gives them (bus numbers
 *  depth first, disabled root ports take none). */
export function describedDevices(functions: readonly PciFunction[]): Described[] {
  const out: Described[] = [];
  for (const f of functions)
    if (f.rid !== undefined)
      out.push({ node: f.node, rid: f.rid, endpoint: !f.bridge, enabled: f.enabled, written: f.written });
  return out;
}
