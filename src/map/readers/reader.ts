// One interface for every program that reads `iommu-map` / `msi-map`. A reader is a policy: it
// reads the property into a ParsedMap whose table carries its own rules (range test, mask check,
// what a miss gets), and the translation core (src/core) walks it. Each reader is a small module
// whose header names the source file and version it mirrors.
import type { Node, Tree } from '../../tree/model.js';
import type { KernelForm, MapKind, ParsedMap } from '../map.js';

export type ReaderName = 'linux-classic' | 'linux-mainline' | 'xen' | 'freebsd' | 'u-boot' | 'pcie-qcom' | 'pci-imx6';

/** Whose code it is: Linux's of_map_id(), another program's own walk, or a Linux host driver that
 *  programs a table in the controller from the map. */
export type ReaderFamily = 'linux' | 'xen' | 'freebsd' | 'u-boot' | 'driver';

/** A map as one reader reads it. */
export interface Reading {
  /** The devicetree facts, and the table the reader walks (`map.table`). */
  map: ParsedMap;
  /** What the reader says about the whole map (hash collisions, LUT use), for map-portability. */
  notes: string[];
}

export interface Reader {
  name: ReaderName;
  family: ReaderFamily;
  /** Who reads the map, for headings and messages. */
  title: string;
  /** What a translation means to this reader: the target node, the output ID, or both. */
  uses: { target: boolean; id: boolean };
  /** The Linux form the other rules use when this reader is selected. */
  form: KernelForm;
  /** The map as this reader walks it, or undefined when it reads no such map on this node. */
  parse(tree: Tree, node: Node, kind: MapKind): Reading | undefined;
}
