// `--node PATH|LABEL` (and the domain of a `dddd:bb:dd.f` RID): the nodes with maps a command reads.
import type { Node, Tree } from '../tree/model.js';
import { mapNodes } from '../map/map.js';
import { InputError } from '../app/input.js';

/** The nodes `query` reads: the one `--node` names, else the one node with maps (of the RID's domain). */
export function selectNodes(tree: Tree, ref: string | undefined, domain: number | undefined): Node[] {
  const candidates = mapNodes(tree);
  if (ref) {
    if (!ref.startsWith('/') && !tree.hasLabels)
      throw new InputError(
        `${tree.source}: --node ${ref}: this tree has no labels (a DTB has them only when built with dtc -@); give the node path`,
      );
    const n = tree.find(ref);
    if (!n) throw new InputError(`${tree.source}: --node ${ref}: no such node or label`);
    return [n];
  }
  let list = candidates;
  if (domain !== undefined) list = candidates.filter((n) => (n.prop('linux,pci-domain')?.u32(0) ?? 0) === domain);
  if (list.length === 1) return list;
  if (!candidates.length) throw new InputError(`${tree.source}: no node carries an iommu-map or msi-map`);
  if (!list.length)
    throw new InputError(
      `${tree.source}: no host bridge with linux,pci-domain ${domain}; candidates: ${candidates.map((n) => n.path).join(', ')}`,
    );
  throw new InputError(
    `${tree.source}: ${list.length} nodes carry maps; choose one with --node: ${list.map((n) => n.path).join(', ')}`,
  );
}

/** `--node PATH|LABEL`: the node, which must carry a map; undefined when not given. */
export function mapNode(tree: Tree, ref: string | undefined): Node | undefined {
  if (ref === undefined) return undefined;
  const [node] = selectNodes(tree, ref, undefined);
  if (!mapNodes(tree).includes(node!))
    throw new InputError(`${tree.source}: --node ${ref}: ${node!.path} carries no iommu-map or msi-map`);
  return node;
}
