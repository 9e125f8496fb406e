// The flattened devicetree blob exactly as `dtc -O dtb` 1.6 writes it (flattree.c dt_to_blob(),
// version 17): a 40-byte header, the memory reservation block at offset 40 (8-byte aligned,
// closed by an all-zero entry), the structure block, then the strings block. No padding
// (`-p`/`-S`/`-a` are not offered).

import type { Node, Tree } from '../tree/model.js';

import { FDT_BEGIN_NODE, FDT_END, FDT_END_NODE, FDT_MAGIC, FDT_PROP, HEADER_SIZE } from './fdt.js';

export interface WriteDtbOptions {
  /** `boot_cpuid_phys` for the header (dtc `-b`); defaults to the tree's value. */
  bootCpuidPhys?: number;
}

const encoder = new TextEncoder();

/**
 * The strings block. Like dtc's stringtable_insert(), a name that is a suffix of a string
 * already stored (`phandle` after `linux,phandle`) points into that string, at the first such
 * place; otherwise it is appended.
 */
class StringTable {
  private readonly offsets = new Map<string, number>();
  private readonly parts: string[] = [];
  private readonly partOffsets: number[] = [];
  size = 0;

  offset(name: string): number {
    const known = this.offsets.get(name);
    if (known !== undefined) return known;
    // the first place where a stored string ends with this name: look through the stored
    // strings, or through the names known to end with it, whichever list is shorter
    const info = nameInfo(name);
    let best = -1;
    if (info.endingWith.length > this.parts.length) {
      const parts = this.parts;
      for (let i = 0; i < parts.length; i++) {
        const s = parts[i]!;
        if (s.length > name.length && s.endsWith(name)) {
          best = this.partOffsets[i]! + nameInfo(s).bytes - info.bytes;
          break;
        }
      }
    } else {
      for (const longer of info.endingWith) {
        const o = this.offsets.get(longer);
        if (o === undefined) continue;
        const at = o + nameInfo(longer).bytes - info.bytes;
        if (best < 0 || at < best) best = at;
      }
    }
    if (best < 0) {
      best = this.size;
      this.parts.push(name);
      this.partOffsets.push(best);
      this.size += info.bytes + 1;
    }
    this.offsets.set(name, best);
    return best;
  }

  write(out: Uint8Array, at: number): void {
    for (const s of this.parts) at = putString(out, at, s);
  }
}

interface NameInfo {
  bytes: number;
  /** Every name registered so far (in any tree) that ends with this one. */
  endingWith: string[];
  /** Whether this name is in the endingWith lists of its own suffixes. */
  registered: boolean;
}

/** Per property name, once per process: its UTF-8 length and the longer names ending with it. */
let names = new Map<string, NameInfo>();

function info(name: string): NameInfo {
  let i = names.get(name);
  if (!i) {
    i = { bytes: utf8Length(name), endingWith: [], registered: false };
    names.set(name, i);
  }
  return i;
}

function nameInfo(name: string): NameInfo {
  const i = info(name);
  if (!i.registered) {
    i.registered = true;
    for (let k = 1; k < name.length; k++) info(name.slice(k)).endingWith.push(name);
  }
  return i;
}

function utf8Length(s: string): number {
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) >= 0x80) return encoder.encode(s).length;
  }
  return s.length;
}

/** Writes `s` and its NUL at `at`; returns the offset after the NUL. */
function putString(out: Uint8Array, at: number, s: string): number {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) {
      const end = at + encoder.encodeInto(s, out.subarray(at)).written;
      out[end] = 0;
      return end + 1;
    }
    out[at + i] = c;
  }
  out[at + n] = 0;
  return at + n + 1;
}

function putU32(out: Uint8Array, o: number, v: number): void {
  out[o] = v >>> 24;
  out[o + 1] = (v >>> 16) & 0xff;
  out[o + 2] = (v >>> 8) & 0xff;
  out[o + 3] = v & 0xff;
}

/** The structure block is built here, then copied out; reused across calls. */
let scratch = new Uint8Array(1 << 16);

/** Serialise the tree as dtc does with `-I dts -O dtb` (or `-I dtb -O dtb`). */
export function writeDtb(tree: Tree, opts: WriteDtbOptions = {}): Uint8Array {
  if (names.size > 200000) names = new Map(); // bound the per-process name cache
  const strings = new StringTable();
  let buf = scratch;
  let o = 0;
  const room = (n: number): void => {
    if (o + n > buf.length) {
      let size = buf.length * 2;
      while (size < o + n) size *= 2;
      const b = new Uint8Array(size);
      b.set(buf.subarray(0, o));
      buf = scratch = b;
    }
  };
  // The structure block in one pass, depth first with an explicit stack; property names enter
  // the strings block in this order.
  const begin = (node: Node): void => {
    const name = node.name;
    room(8 + name.length * 3);
    putU32(buf, o, FDT_BEGIN_NODE);
    o = putString(buf, o + 4, name);
    while (o & 3) buf[o++] = 0;
    const props = node.props;
    for (let i = 0; i < props.length; i++) {
      const p = props[i]!;
      const v = p.value;
      const n = v.length;
      room(n + 16);
      putU32(buf, o, FDT_PROP);
      putU32(buf, o + 4, n);
      putU32(buf, o + 8, strings.offset(p.name));
      o += 12;
      if (n > 16) buf.set(v, o);
      else for (let j = 0; j < n; j++) buf[o + j] = v[j]!;
      o += n;
      while (o & 3) buf[o++] = 0;
    }
  };
  const nodes: Node[] = [tree.root];
  const next: number[] = [0];
  begin(tree.root);
  while (nodes.length) {
    const top = nodes.length - 1;
    const node = nodes[top]!;
    const i = next[top]!;
    if (i < node.children.length) {
      next[top] = i + 1;
      const c = node.children[i]!;
      begin(c);
      nodes.push(c);
      next.push(0);
      continue;
    }
    room(4);
    putU32(buf, o, FDT_END_NODE);
    o += 4;
    nodes.pop();
    next.pop();
  }
  room(4);
  putU32(buf, o, FDT_END);
  o += 4;

  const structSize = o;
  const rsvSize = (tree.memreserves.length + 1) * 16;
  const offRsv = HEADER_SIZE; // ALIGN(40, 8)
  const offStruct = offRsv + rsvSize;
  const offStrings = offStruct + structSize;
  const total = offStrings + strings.size;

  const out = new Uint8Array(total);
  putU32(out, 0, FDT_MAGIC);
  putU32(out, 4, total);
  putU32(out, 8, offStruct);
  putU32(out, 12, offStrings);
  putU32(out, 16, offRsv);
  putU32(out, 20, 17);
  putU32(out, 24, 16);
  putU32(out, 28, (opts.bootCpuidPhys ?? tree.bootCpuidPhys) >>> 0);
  putU32(out, 32, strings.size);
  putU32(out, 36, structSize);
  if (tree.memreserves.length) {
    const dv = new DataView(out.buffer);
    let r = offRsv;
    for (const m of tree.memreserves) {
      dv.setBigUint64(r, BigInt.asUintN(64, m.address));
      dv.setBigUint64(r + 8, BigInt.asUintN(64, m.size));
      r += 16;
    }
  }
  // then the terminating all-zero entry (already zero)
  out.set(buf.subarray(0, structSize), offStruct);
  strings.write(out, offStrings);
  return out;
}
