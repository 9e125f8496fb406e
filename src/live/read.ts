// Reading a live device tree: a directory in /proc/device-tree form (/sys/firmware/devicetree/base),
// one folder per node and one file per property whose content is the raw value. Mirrors
// `dtc -I fs` (dtc's fstree.c plus its name_properties check) with `-s` ordering:
// - symlinks are followed (dtc stat()s every entry); entries that are neither files nor folders
//   (FIFOs, sockets, devices) are skipped, as dtc skips them;
// - the `name` property the kernel adds to every node is dropped when it is exactly the node's
//   name without the unit address (dtc's name_properties check deletes it as redundant), so a
//   live tree reads like the blob it was booted from; any other `name` value is kept;
// - dtc keeps readdir() order, which the file system chooses; here properties and subnodes are
//   sorted by name, byte by byte, as `dtc -s` (sort_tree(), strcmp()) sorts them;
// - a file that cannot be read for lack of permission (the kernel makes `security-*` properties
//   root-only) is skipped with a warning, as dtc warns and skips it.
// Bounds, each a LiveTreeError naming the path: symlink loops, nesting deeper than 64, a file
// over 16 MiB, more than 64 MiB in all, more than MAX_TREE_ITEMS entries.
import { closeSync, openSync, readSync, readdirSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { Node, Property, Tree } from '../tree/model.js';
import { MAX_TREE_ITEMS } from '../limits.js';
import { SourceError } from '../errors.js';

/** A live tree that cannot be read: the file or folder (`file`) and what is wrong with it. */
export class LiveTreeError extends SourceError {
  override name = 'LiveTreeError';
  constructor(
    path: string,
    readonly reason: string,
  ) {
    super({ file: path }, `${path}: ${reason}`);
  }
}

export interface LiveTreeOptions {
  /** Deepest node below the root (default 64). */
  maxDepth?: number;
  /** Largest property file in bytes (default 16 MiB). */
  maxFileSize?: number;
  /** Most bytes of names and values in all (default 64 MiB). */
  maxTotalSize?: number;
  /** Called for each file skipped because it cannot be read (EACCES, EPERM). */
  onWarning?: (message: string) => void;
}

const MiB = 1024 * 1024;
// Same decoding of names as the DTB reader, so a live tree and its blob compare equal.
const decoder = new TextDecoder('latin1');

/** Properties a device tree root carries; their presence marks a live-tree directory. */
const ROOT_PROPERTIES = ['compatible', '#address-cells', '#size-cells', 'model', 'name'];

/**
 * Whether `dir` is a live tree: its top level holds property files
 * (`compatible`, `#address-cells`, ...) and no `*.dts` / `*.dtb` (nor `.dtsi`, `.dtbo`).
 */
export function isLiveTree(dir: string): boolean {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) return false;
    names = readdirSync(dir);
  } catch {
    return false;
  }
  if (names.some((n) => /\.(dts|dtsi|dtb|dtbo)$/.test(n))) return false;
  return names.some((n) => ROOT_PROPERTIES.includes(n) && isFile(join(dir, n)));
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Read a /proc/device-tree style directory into a tree (`dtc -I fs -s`). */
export function readLiveTree(dir: string, options: LiveTreeOptions = {}): Tree {
  const maxDepth = options.maxDepth ?? 64;
  const maxFileSize = options.maxFileSize ?? 16 * MiB;
  const maxTotalSize = options.maxTotalSize ?? 64 * MiB;
  let total = 0;
  let items = 0;
  const count = (path: string, bytes: number) => {
    if (bytes === 0 && ++items > MAX_TREE_ITEMS)
      throw new LiveTreeError(path, `more than ${MAX_TREE_ITEMS} nodes and properties (dtmap's limit)`);
    total += bytes;
    if (total > maxTotalSize)
      throw new LiveTreeError(path, `the tree holds more than ${maxTotalSize} bytes (the limit)`);
  };

  const stat = (path: string): Stats => {
    try {
      return statSync(path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ELOOP') throw new LiveTreeError(path, 'symlink loop');
      if (code === 'ENOENT') throw new LiveTreeError(path, 'broken symlink (or removed while reading)');
      throw new LiveTreeError(path, (e as Error).message);
    }
  };

  const top = stat(dir);
  if (!top.isDirectory()) throw new LiveTreeError(dir, 'not a directory');

  /** Folders on the way down, by device and inode, to catch a symlink back to an ancestor. */
  const ancestors: string[] = [];
  const readNode = (path: string, name: string, depth: number): Node => {
    if (depth > maxDepth) throw new LiveTreeError(path, `nodes nested deeper than ${maxDepth}`);
    const big = statSync(path, { bigint: true }); // inode numbers can pass 2^53
    const id = `${big.dev}:${big.ino}`;
    if (ancestors.includes(id)) throw new LiveTreeError(path, 'symlink loop: this folder is one of its own ancestors');
    ancestors.push(id);
    const node = new Node(name);
    let entries: Buffer[];
    try {
      entries = readdirSync(path, { encoding: 'buffer' });
    } catch (e) {
      throw new LiveTreeError(path, (e as Error).message);
    }
    entries.sort(Buffer.compare); // strcmp() order, as dtc -s sorts
    for (const raw of entries) {
      const entryName = decoder.decode(raw);
      const entryPath = join(path, raw.toString());
      const est = stat(entryPath);
      count(entryPath, 0);
      count(entryPath, raw.length);
      if (est.isFile()) {
        const value = readProperty(entryPath, est, maxFileSize, options.onWarning);
        if (!value) continue;
        count(entryPath, value.length);
        node.props.push(new Property(entryName, value));
      } else if (est.isDirectory()) {
        node.addChild(readNode(entryPath, entryName, depth + 1));
      }
    }
    dropRedundantName(node);
    ancestors.pop();
    return node;
  };

  const root = readNode(dir, '', 0);
  const tree = new Tree(root, dir);
  tree.bootCpuidPhys = guessBootCpuid(root);
  return tree;
}

function readProperty(path: string, st: Stats, max: number, warn?: (m: string) => void): Uint8Array | undefined {
  if (st.size > max)
    throw new LiveTreeError(path, `property file is ${st.size} bytes, more than the ${max} byte limit`);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') {
      warn?.(`${path}: cannot be read (${code}), property skipped`);
      return undefined;
    }
    throw new LiveTreeError(path, (e as Error).message);
  }
  try {
    // Read to the end rather than trusting st.size (procfs files may report 0), within the bound.
    const chunks: Buffer[] = [];
    let size = 0;
    for (;;) {
      const chunk = Buffer.alloc(Math.min(Math.max(st.size, 4096), max + 1 - size));
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      size += n;
      if (size > max) throw new LiveTreeError(path, `property file is more than the ${max} byte limit`);
    }
    return new Uint8Array(Buffer.concat(chunks, size));
  } catch (e) {
    if (e instanceof LiveTreeError) throw e;
    throw new LiveTreeError(path, (e as Error).message);
  } finally {
    closeSync(fd);
  }
}

/** dtc's name_properties check: a `name` equal to the base name (plus NUL) is redundant. */
function dropRedundantName(node: Node): void {
  const i = node.props.findIndex((p) => p.name === 'name');
  if (i < 0) return;
  const v = node.props[i]!.value;
  const base = node.baseName;
  if (
    v.length === base.length + 1 &&
    v[base.length] === 0 &&
    decoder.decode(v.subarray(0, base.length)) === base &&
    !v.subarray(0, base.length).includes(0)
  )
    node.props.splice(i, 1);
}

/** dtc's guess_boot_cpuid(): the one-cell `reg` of the first /cpus child, else 0. */
function guessBootCpuid(root: Node): number {
  const reg = root.child('cpus')?.children[0]?.prop('reg');
  return reg && reg.length === 4 ? reg.u32(0)! : 0;
}
