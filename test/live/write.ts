// Writes a tree as a /proc/device-tree style directory: one folder per node, one file per
// property holding the raw value. `kernelNames` adds the `name` property the kernel gives every
// node (the name without its unit address, NUL-terminated; "" for the root).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Node, Tree } from '../../src/tree/model.js';

export function writeLiveTree(tree: Tree, dir: string, opts: { kernelNames?: boolean } = {}): void {
  const write = (node: Node, path: string) => {
    mkdirSync(path, { recursive: true });
    for (const p of node.props) writeFileSync(join(path, p.name), p.value);
    if (opts.kernelNames && !node.prop('name')) writeFileSync(join(path, 'name'), node.baseName + '\0');
    for (const c of node.children) write(c, join(path, c.name));
  };
  write(tree.root, dir);
}
