// Flattened devicetree (DTB) reader. Every offset and size is bounds-checked the way libfdt's
// fdt_check_header() and fdt_check_full() check them, so a malformed blob is one clear error.
import { Node, Property, Tree } from '../tree/model.js';

import { FDT_BEGIN_NODE, FDT_END, FDT_END_NODE, FDT_MAGIC, FDT_NOP, FDT_PROP, HEADER_SIZE } from './fdt.js';
import { MAX_TREE_ITEMS } from '../limits.js';
import { SourceError } from '../errors.js';

const MAX_DEPTH = 1024;

/** A malformed blob: the file, the byte offset and what is wrong there. */
export class DtbError extends SourceError {
  override name = 'DtbError';
  constructor(
    file: string,
    readonly offset: number,
    readonly reason: string,
  ) {
    super({ file }, `${file}: ${reason} (at byte offset 0x${offset.toString(16)})`);
  }
}

/** True when the bytes start with the FDT magic. */
export function isDtb(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0xd0 && bytes[1] === 0x0d && bytes[2] === 0xfe && bytes[3] === 0xed;
}

export function readDtb(bytes: Uint8Array, file = '<dtb>'): Tree {
  return parse(bytes, file, true);
}

/**
 * True when some property may be named `iommu-map` or `msi-map` (or their `-mask`): the name is
 * in the strings block. dtc shares a string with any name it ends, so the search is unanchored.
 */
export function hasMapNames(bytes: Uint8Array): boolean {
  let b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length >= HEADER_SIZE) {
    const off = b.readUInt32BE(12);
    const end = off + b.readUInt32BE(32);
    if (end <= b.length) b = b.subarray(off, end); // the strings block, when the header is sane
  }
  return b.includes('iommu-map') || b.includes('msi-map');
}

/**
 * Checks the blob as readDtb() does without building the tree (most of the cost): throws the same
 * DtbError on a malformed blob. For blobs whose tree nobody reads (a check of a blob without maps).
 */
export function validateDtb(bytes: Uint8Array, file = '<dtb>'): void {
  try {
    parse(bytes, file, false);
  } catch {
    parse(bytes, file, true); // the error again, with the node path in its message
  }
}

function parse(input: Uint8Array, file: string, build: boolean): Tree {
  // a plain view even when given a Buffer: Buffer's subarray() (one per property) costs far more
  const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  // names: Buffer's latin1 toString() is a third of the cost of TextDecoder on short strings
  const text = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const fail = (offset: number, reason: string): never => {
    throw new DtbError(file, offset, reason);
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < HEADER_SIZE) fail(0, `truncated header: ${bytes.length} bytes, need ${HEADER_SIZE}`);
  const u32 = (o: number) => view.getUint32(o);
  if (u32(0) !== FDT_MAGIC) fail(0, `bad magic 0x${u32(0).toString(16).padStart(8, '0')}, not a DTB`);
  const totalsize = u32(4);
  const offStruct = u32(8);
  const offStrings = u32(12);
  const offRsvmap = u32(16);
  const version = u32(20);
  const lastComp = u32(24);
  if (version < 16) fail(20, `unsupported version ${version} (need 16 or 17)`);
  if (lastComp > 17) fail(24, `unsupported last_comp_version ${lastComp} (at most 17)`);
  if (totalsize < HEADER_SIZE) fail(4, `totalsize ${totalsize} smaller than the header`);
  if (totalsize > bytes.length)
    fail(bytes.length, `truncated: totalsize is ${totalsize} bytes, file has ${bytes.length}`);
  const sizeStrings = u32(32);
  const sizeStruct = version >= 17 ? u32(36) : totalsize - offStruct;
  const inside = (what: string, at: number, off: number, size: number) => {
    if (off < HEADER_SIZE || off > totalsize || size > totalsize - off)
      fail(at, `${what} (offset ${off}, size ${size}) outside totalsize ${totalsize}`);
  };
  inside('structure block', 8, offStruct, sizeStruct);
  inside('strings block', 12, offStrings, sizeStrings);
  if (offRsvmap < HEADER_SIZE || offRsvmap > totalsize)
    fail(16, `memory reservation block offset ${offRsvmap} outside totalsize ${totalsize}`);
  if (offStruct % 4) fail(8, `structure block offset ${offStruct} not 4-byte aligned`);

  const root = new Node('');
  const tree = new Tree(root, file);
  tree.bootCpuidPhys = u32(28);

  // Memory reservation block: (address, size) pairs of u64 ending with (0, 0).
  for (let o = offRsvmap; ; o += 16) {
    if (o + 16 > totalsize) fail(o, 'memory reservation block not terminated');
    const address = view.getBigUint64(o);
    const size = view.getBigUint64(o + 8);
    if (address === 0n && size === 0n) break;
    if (tree.memreserves.length >= MAX_TREE_ITEMS)
      fail(o, `more than ${MAX_TREE_ITEMS} memory reservations (dtmap's limit)`);
    tree.memreserves.push({ address, size });
  }

  const structEnd = offStruct + sizeStruct;
  const stringsEnd = offStrings + sizeStrings;
  const nameCache: Array<string | undefined> = []; // by offset: a Map costs twice as much here
  let lastNul: number | undefined;
  const propName = (nameoff: number, at: number): string => {
    const cached = nameoff < sizeStrings ? nameCache[nameoff] : undefined;
    if (cached !== undefined) return cached;
    if (nameoff >= sizeStrings)
      fail(at, `property name offset ${nameoff} outside the strings block (size ${sizeStrings})`);
    const start = offStrings + nameoff;
    // not building: terminated when some NUL of the block lies at or after the start
    const end = build
      ? bytes.indexOf(0, start)
      : (lastNul ??= bytes.lastIndexOf(0, stringsEnd - 1)) >= start
        ? start
        : -1;
    if (end < 0 || end >= stringsEnd) fail(at, `property name at strings offset ${nameoff} is not terminated`);
    const name = build ? text.toString('latin1', start, end) : '';
    nameCache[nameoff] = name;
    return name;
  };

  let o = offStruct;
  const token = (): number => {
    if (o + 4 > structEnd) fail(o, 'structure block ends without FDT_END');
    const t = u32(o);
    o += 4;
    return t;
  };
  let current: Node | null = null;
  let depth = 0;
  let items = 0; // nodes and properties, against MAX_TREE_ITEMS
  let sawRoot = false;
  for (;;) {
    const at = o;
    const t = token();
    if (t === FDT_NOP) continue;
    if (t === FDT_BEGIN_NODE || t === FDT_PROP) {
      if (++items > MAX_TREE_ITEMS) fail(at, `more than ${MAX_TREE_ITEMS} nodes and properties (dtmap's limit)`);
    }
    if (t === FDT_BEGIN_NODE) {
      const end = bytes.indexOf(0, o);
      if (end < 0 || end >= structEnd) fail(at, 'node name is not terminated');
      const name = build || end === o ? text.toString('latin1', o, end) : '?';
      o = (end + 4) & ~3;
      if (current === null) {
        if (sawRoot) fail(at, 'second root node');
        if (name !== '') fail(at, `root node has name "${name}"`);
        sawRoot = true;
        current = root;
      } else {
        if (name === '') fail(at, `empty node name under ${current.path}`);
        current = build ? current.addChild(new Node(name)) : root;
      }
      if (++depth > MAX_DEPTH) fail(at, `nodes nested deeper than ${MAX_DEPTH}`);
    } else if (t === FDT_END_NODE) {
      if (current === null) fail(at, 'FDT_END_NODE without a matching FDT_BEGIN_NODE');
      current = build || depth === 1 ? current!.parent : root;
      depth--;
    } else if (t === FDT_PROP) {
      if (current === null) fail(at, 'property outside any node');
      if (o + 8 > structEnd) fail(at, 'property header past the end of the structure block');
      const len = u32(o);
      const nameoff = u32(o + 4);
      o += 8;
      if (len > structEnd - o) fail(at, `property value (${len} bytes) past the end of the structure block`);
      const name = propName(nameoff, at + 8);
      if (build) current!.props.push(Property.view(name, bytes, o, o + len)); // no copy
      o = (o + len + 3) & ~3;
    } else if (t === FDT_END) {
      if (current !== null) fail(at, `FDT_END inside node ${current.path || '/'} (unbalanced nodes)`);
      if (!sawRoot) fail(at, 'no root node');
      break;
    } else {
      fail(at, `bad structure token 0x${t.toString(16)}`);
    }
  }
  return tree;
}
