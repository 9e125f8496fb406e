// One interface for every program that reads `iommu-map` / `msi-map`. A reader turns the property
// into a ParsedMap (entries plus the reader's own rules: range test, mask check, what a gap gets),
// and the shared engine (lookup.ts, coverage.ts) walks it. Each reader is a small module whose
// header names the source file and version it mirrors.
import type { Node, Tree } from '../../tree/model.js';
import type { KernelForm, MapKind, ParsedMap } from '../map.js';

export type ReaderName = 'linux-classic' | 'linux-mainline' | 'xen' | 'freebsd' | 'u-boot' | 'pcie-qcom' | 'pci-imx6';

export interface Reader {
  name: ReaderName;
  /** Who reads the map, for headings and messages. */
  title: string;
  /** What a translation means to this reader: the target node, the output ID, or both. */
  uses: { target: boolean; id: boolean };
  /** The Linux form the other rules use when this reader is selected. */
  form: KernelForm;
  /** The map as this reader walks it, or undefined when it reads no such map on this node. */
  parse(tree: Tree, node: Node, kind: MapKind): ParsedMap | undefined;
}
