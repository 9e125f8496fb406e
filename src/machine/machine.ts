// The machine as the kernel sees it: each node with a map (a PCI host bridge, or a non-PCI node
// such as fsl-mc), its maps parsed and with their coverage of the RID space computed once, and
// the PCI devices the tree describes below it, enumerated once, at the RIDs Linux gives them.
import type { Node, Tree } from '../tree/model.js';
import {
  busRange,
  isPciBridge,
  MAP_KINDS,
  mapNodes,
  type KernelForm,
  type Coverage,
  type MapKind,
  type ParsedMap,
} from '../map/map.js';
import { coverage } from '../core/coverage.js';
import { kernelReader, type Reader } from '../map/readers/index.js';
import { describedDevices, enumerate, type Described, type PciFunction } from './topology.js';

export interface Bridge {
  node: Node;
  pci: boolean;
  enabled: boolean;
  busRange: [number, number];
  /** Raw ID domain the coverage is computed on: bus-range RIDs, or 0-0xffff for non-PCI nodes. */
  domain: [number, number];
  maps: Partial<Record<MapKind, { parsed: ParsedMap; coverage: Coverage; notes: string[] }>>;
  /** Every PCI function the tree describes below a PCI host bridge, as Linux enumerates them
   *  (src/machine/topology.ts); none for a non-PCI node. */
  functions: PciFunction[];
  /** The functions Linux enumerates, at the RIDs it gives them (bus numbers depth first, disabled
   *  root ports take none). */
  devices: Described[];
}

export interface Machine {
  tree: Tree;
  form: KernelForm;
  /** The reader `bridges[].maps` were read with. */
  primary: Reader;
  bridges: Bridge[];
  /** Parse and cover a map as a given reader reads it (used by map-portability). */
  analyse(
    bridge: Bridge,
    kind: MapKind,
    reader: Reader,
  ): { parsed: ParsedMap; coverage: Coverage; notes: string[] } | undefined;
}

export interface MachineOptions {
  /** The reader whose reading fills `bridges[].maps` (default: the kernel form's; `map --reader`). */
  primary?: Reader;
}

const analyse = (tree: Tree, bridge: Pick<Bridge, 'node' | 'domain'>, kind: MapKind, reader: Reader) => {
  const r = reader.parse(tree, bridge.node, kind);
  return r && { parsed: r.map, coverage: coverage(r.map.table, bridge.domain[0], bridge.domain[1]), notes: r.notes };
};

/** One node as the machine sees it, its maps read by `reader`. */
function readBridge(tree: Tree, node: Node, reader: Reader): Bridge {
  const pci = isPciBridge(node);
  const range = busRange(node);
  const functions = pci ? enumerate(node) : [];
  const b: Bridge = {
    node,
    pci,
    enabled: node.enabled,
    busRange: range,
    domain: pci ? [range[0] << 8, (range[1] << 8) | 0xff] : [0, 0xffff],
    maps: {},
    functions,
    devices: describedDevices(functions),
  };
  for (const kind of MAP_KINDS) {
    const a = analyse(tree, b, kind, reader);
    if (a) b.maps[kind] = a;
  }
  return b;
}

/** Every node with a map (mapNodes()), read by the kernel form's reader or `opts.primary`. */
export function buildMachine(tree: Tree, form: KernelForm, opts: MachineOptions = {}): Machine {
  const primary = opts.primary ?? kernelReader(form);
  return {
    tree,
    form,
    primary,
    bridges: mapNodes(tree).map((node) => readBridge(tree, node, primary)),
    analyse: (bridge, kind, reader) => analyse(tree, bridge, kind, reader),
  };
}

/** The PCI host bridges: `device_type = "pci"` nodes below no other such node (root ports and
 *  PCI-PCI bridges sit below one), in tree order, with a map or without. */
export function hostBridgeNodes(root: Node): Node[] {
  const out: Node[] = [];
  const visit = (n: Node) => {
    if (isPciBridge(n))
      out.push(n); // what is below a host bridge is its own hierarchy
    else for (const c of n.children) visit(c);
  };
  visit(root);
  return out;
}
