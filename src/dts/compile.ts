// What dtc does between parsing and writing (dtc.c main(), checks.c, livetree.c): the boot CPU
// guess, full paths, the error-class checks in dtc's order (the ones that make dtc refuse to
// write a blob), phandle allocation, path references, /omit-if-no-ref/ pruning, `__symbols__`
// and the overlay fixup nodes; then the conversion to the model.

import type { MemReserve, Span, ValueMarker } from '../tree/model.js';
import { Node, Property, Tree } from '../tree/model.js';
import { DtsError } from './errors.js';
import { DNode, DProp, LiveTree, Mk, addChild, deleteNode, getProperty, getSubnode } from './livetree.js';
import type { Marker } from './livetree.js';
import { refHint } from './suggest.js';

export interface DMemReserve {
  address: bigint;
  size: bigint;
  labels: string[];
}

export interface CompileOptions {
  plugin: boolean;
  symbols: boolean;
  memreserves: DMemReserve[];
  source: string;
  spanOf: (pos: number) => Span;
}

const NODECHARS = charset('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789,._+-@');
const PROPCHARS = charset('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789,._+*#?-');

function charset(s: string): Uint8Array {
  const t = new Uint8Array(128);
  for (let i = 0; i < s.length; i++) t[s.charCodeAt(i)] = 1;
  return t;
}

function hasAny(s: string, chars: string): boolean {
  for (let i = 0; i < chars.length; i++) if (s.includes(chars[i]!)) return true;
  return false;
}

/** Index of the first character of `s` outside `set`, or -1. */
function badChar(s: string, set: Uint8Array): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || !set[c]) return i;
  }
  return -1;
}

class Compiler {
  readonly tree: LiveTree;
  readonly o: CompileOptions;
  private nextPhandle = 1;

  constructor(tree: LiveTree, o: CompileOptions) {
    this.tree = tree;
    this.o = o;
  }

  fail(pos: number, check: string, message: string): never {
    const span = pos >= 0 ? this.o.spanOf(pos) : { file: this.o.source, line: 1, column: 1 };
    throw new DtsError(span, `${message} [${check}]`, `ERROR (${check})`);
  }

  nodePos(node: DNode): number {
    for (let n: DNode | null = node; n; n = n.parent) if (n.pos >= 0) return n.pos;
    return -1;
  }

  propPos(node: DNode, prop: DProp): number {
    return prop.pos >= 0 ? prop.pos : this.nodePos(node);
  }

  /**
   * check_nodes_props(): the node, then, depth first, its children that are still live when
   * reached (fn may delete nodes). An explicit stack: trees may nest as deep as dtc allows.
   */
  walk(node: DNode, fn: (n: DNode) => void): void {
    fn(node);
    const nodes: DNode[] = [node];
    const next: number[] = [0];
    while (nodes.length) {
      const top = nodes.length - 1;
      const n = nodes[top]!;
      const i = next[top]!;
      if (i >= n.children.length) {
        nodes.pop();
        next.pop();
        continue;
      }
      next[top] = i + 1;
      const c = n.children[i]!;
      if (c.deleted) continue;
      fn(c);
      nodes.push(c);
      next.push(0);
    }
  }

  /** get_node_phandle(): the node's phandle, allocating the lowest free one from 1 upwards. */
  nodePhandle(node: DNode): number {
    if (node.phandle !== 0 && node.phandle !== 0xffffffff) return node.phandle;
    while (this.tree.byPhandle(this.nextPhandle)) this.nextPhandle++;
    const ph = this.nextPhandle;
    this.tree.setPhandle(node, ph);
    if (!getProperty(node, 'phandle')) node.props.push(new DProp('phandle', u32bytes(ph), null, null, -1));
    return ph;
  }

  run(): Tree {
    const boot = this.guessBootCpuid();
    this.checkTree();
    this.checkExplicitPhandles();
    this.fixupPhandleReferences();
    this.fixupPathReferences();
    this.fixupOmitUnusedNodes();
    if (this.o.symbols) this.generateSymbols();
    if (this.o.plugin) {
      this.generateFixups();
      this.generateLocalFixups();
    }
    return this.toModel(boot);
  }

  /** guess_boot_cpuid(): `reg` of the first child of /cpus when it is one cell. */
  guessBootCpuid(): number {
    const cpus = this.tree.byPath(this.tree.root, '/cpus');
    const first = cpus?.children[0];
    if (!first) return 0;
    const reg = getProperty(first, 'reg');
    if (!reg || reg.data.length !== 4) return 0;
    return readU32(reg.data, 0);
  }

  /**
   * The error-class checks that only look: duplicate_node_names, duplicate_property_names,
   * node_name_chars, node_name_format, property_name_chars, name_is_string, duplicate_label;
   * and name_properties, which drops a redundant `name`. One walk for all of them (dtc walks
   * once per check; only which of several errors is reported first can differ).
   */
  checkTree(): void {
    // where each label was seen first: a node, a property, or a place in a property's value
    const labels = new Map<string, { node: DNode; prop: DProp | null; value: boolean }>();
    const describe = (o: { node: DNode; prop: DProp | null; value: boolean }): string =>
      `${o.value ? 'value of ' : ''}${o.prop ? `'${o.prop.name}' in ` : ''}${o.node.fullpath}`;
    const seeLabel = (label: string, node: DNode, prop: DProp | null, value: boolean, pos: number): void => {
      const other = labels.get(label);
      const here = { node, prop, value };
      if (other !== undefined)
        this.fail(pos, 'duplicate_label', `Duplicate label '${label}' on ${describe(here)} and ${describe(other)}`);
      labels.set(label, here);
    };
    const names = new Set<string>();
    this.walk(this.tree.root, (node) => {
      // duplicate_node_names: a live child clashes with any later sibling, even a deleted entry
      const ch = node.children;
      const nch = ch.length;
      if (nch > 1) {
        const dup = (c: DNode): never => {
          const path = node.fullpath === '/' ? `/${c.name}` : `${node.fullpath}/${c.name}`;
          this.fail(this.nodePos(c), 'duplicate_node_names', `${path}: Duplicate node name`);
        };
        if (nch <= 16) {
          for (let i = 0; i < nch; i++) {
            const a = ch[i]!;
            if (a.deleted) continue;
            for (let j = i + 1; j < nch; j++) if (ch[j]!.name === a.name) dup(ch[j]!);
          }
        } else {
          names.clear();
          for (const c of ch) {
            if (names.has(c.name)) dup(c);
            if (!c.deleted) names.add(c.name);
          }
        }
      }
      // duplicate_property_names: reported at the first of the two
      const props = node.props;
      const np = props.length;
      if (np > 1) {
        const dup = (name: string): never => {
          const first = props.find((q) => !q.deleted && q.name === name)!;
          this.fail(
            this.propPos(node, first),
            'duplicate_property_names',
            `${node.fullpath}:${name}: Duplicate property name`,
          );
        };
        if (np <= 16) {
          for (let i = 0; i < np; i++) {
            const a = props[i]!;
            if (a.deleted) continue;
            for (let j = i + 1; j < np; j++) if (!props[j]!.deleted && props[j]!.name === a.name) dup(a.name);
          }
        } else {
          names.clear();
          for (const p of props) {
            if (p.deleted) continue;
            if (names.has(p.name)) dup(p.name);
            names.add(p.name);
          }
        }
      }
      // node_name_chars, node_name_format (names are runs of dtc's name characters, so only
      // `*`, `#` and `?` can be wrong in a node name and only `@` in a property name)
      const bad = hasAny(node.name, '*#?') ? badChar(node.name, NODECHARS) : -1;
      if (bad >= 0)
        this.fail(
          this.nodePos(node),
          'node_name_chars',
          `${node.fullpath}: Bad character '${node.name[bad]}' in node name`,
        );
      const at = node.name.indexOf('@');
      if (at >= 0 && node.name.indexOf('@', at + 1) >= 0) {
        this.fail(this.nodePos(node), 'node_name_format', `${node.fullpath}: multiple '@' characters in node name`);
      }
      // property_name_chars, name_is_string
      let nameIndex = -1;
      for (let i = 0; i < props.length; i++) {
        const p = props[i]!;
        if (nameIndex < 0 && p.name === 'name') nameIndex = i;
        if (p.deleted) continue;
        const b = p.name.includes('@') ? badChar(p.name, PROPCHARS) : -1;
        if (b >= 0)
          this.fail(
            this.propPos(node, p),
            'property_name_chars',
            `${node.fullpath}:${p.name}: Bad character '${p.name[b]}' in property name`,
          );
      }
      if (nameIndex >= 0) {
        const live = getProperty(node, 'name');
        if (live && !isOneString(live.data))
          this.fail(this.propPos(node, live), 'name_is_string', `${node.fullpath}:name: property is not a string`);
        // name_properties: the first `name` entry, deleted or not, must be the base name
        const p = props[nameIndex]!;
        const n = node.basenamelen;
        let ok = p.data.length === n + 1;
        for (let k = 0; ok && k < n; k++) if (p.data[k] !== node.name.charCodeAt(k)) ok = false;
        if (!ok) {
          const z = p.data.indexOf(0);
          const shown = new TextDecoder().decode(p.data.subarray(0, z < 0 ? p.data.length : z));
          this.fail(
            this.nodePos(node),
            'name_properties',
            `${node.fullpath}: "name" property is incorrect ("${shown}" instead of base node name)`,
          );
        }
        props.splice(nameIndex, 1);
      }
      // duplicate_label
      for (const l of node.labels) if (!l.deleted) seeLabel(l.name, node, null, false, this.nodePos(node));
      for (const p of props) {
        if (p.deleted) continue;
        for (const l of p.labels) if (!l.deleted) seeLabel(l.name, node, p, false, this.propPos(node, p));
        if (p.markers) {
          for (const m of p.markers) if (m.kind === Mk.Label) seeLabel(m.ref, node, p, true, m.pos);
        }
      }
    });
  }

  /** explicit_phandles: `phandle`/`linux,phandle` written in the source claim their values first. */
  checkExplicitPhandles(): void {
    const check = (node: DNode, name: string): number => {
      const p = getProperty(node, name);
      if (!p) return 0;
      if (p.data.length !== 4)
        this.fail(
          this.propPos(node, p),
          'explicit_phandles',
          `${node.fullpath}:${name}: bad length (${p.data.length}) ${name} property`,
        );
      if (p.markers) {
        for (const m of p.markers) {
          if (m.kind !== Mk.Phandle) continue;
          if (node !== this.tree.byRef(m.ref))
            this.fail(
              this.nodePos(node),
              'explicit_phandles',
              `${node.fullpath}: ${name} is a reference to another node`,
            );
          return 0;
        }
      }
      const ph = readU32(p.data, 0);
      if (ph === 0 || ph === 0xffffffff) {
        this.fail(
          this.propPos(node, p),
          'explicit_phandles',
          `${node.fullpath}:${name}: bad value (0x${ph.toString(16)}) in ${name} property`,
        );
      }
      return ph;
    };
    this.walk(this.tree.root, (node) => {
      let ph = check(node, 'phandle');
      const linux = check(node, 'linux,phandle');
      if (!ph && !linux) return;
      if (linux && ph && ph !== linux)
        this.fail(
          this.nodePos(node),
          'explicit_phandles',
          `${node.fullpath}: mismatching 'phandle' and 'linux,phandle' properties`,
        );
      if (linux && !ph) ph = linux;
      const other = this.tree.byPhandle(ph);
      if (other && other !== node) {
        this.fail(
          this.nodePos(node),
          'explicit_phandles',
          `${node.fullpath}: duplicated phandle 0x${ph.toString(16)} (seen before at ${other.fullpath})`,
        );
      }
      this.tree.setPhandle(node, ph);
    });
  }

  unresolved(m: Marker, check: string): never {
    const span = this.o.spanOf(m.pos);
    throw new DtsError(
      span,
      `Reference to non-existent node or label "${m.ref}"${refHint(this.tree, m.ref)}`,
      `ERROR (${check})`,
    );
  }

  /** phandle_references: `<&ref>` cells get the target's phandle, allocated on first use. */
  fixupPhandleReferences(): void {
    this.walk(this.tree.root, (node) => {
      for (const p of node.props) {
        if (p.deleted || !p.markers) continue;
        for (const m of p.markers) {
          if (m.kind !== Mk.Phandle) continue;
          const target = this.tree.byRef(m.ref);
          if (!target) {
            if (!this.o.plugin) this.unresolved(m, 'phandle_references');
            writeU32(p.data, m.offset, 0xffffffff);
            continue;
          }
          writeU32(p.data, m.offset, this.nodePhandle(target));
          target.referenced = true;
        }
      }
    });
  }

  /** path_references: a bare `&ref` value becomes the target's full path, NUL-terminated. */
  fixupPathReferences(): void {
    this.walk(this.tree.root, (node) => {
      for (const p of node.props) {
        if (p.deleted || !p.markers) continue;
        const ms = p.markers;
        for (let i = 0; i < ms.length; i++) {
          const m = ms[i]!;
          if (m.kind !== Mk.Path) continue;
          const target = this.tree.byRef(m.ref);
          if (!target) this.unresolved(m, 'path_references');
          const path = new TextEncoder().encode(target.fullpath);
          const len = path.length + 1;
          const d = new Uint8Array(p.data.length + len);
          d.set(p.data.subarray(0, m.offset));
          d.set(path, m.offset);
          d.set(p.data.subarray(m.offset), m.offset + len);
          p.data = d;
          for (let k = i + 1; k < ms.length; k++) ms[k]!.offset += len;
          const cells = p.cells;
          if (cells) for (let k = 0; k < cells.length; k += 2) if (cells[k]! >= m.offset) cells[k]! += len;
          target.referenced = true;
        }
      }
    });
  }

  /** omit_unused_nodes: /omit-if-no-ref/ nodes that nothing referenced are deleted. */
  fixupOmitUnusedNodes(): void {
    this.walk(this.tree.root, (node) => {
      if (this.o.symbols && node.labels.length) return;
      if (node.omitIfUnused && !node.referenced) deleteNode(node);
    });
  }

  /** build_root_node(): a live child of / with that name, or a new one at the end. */
  rootNode(name: string): DNode {
    const root = this.tree.root;
    let n = getSubnode(root, name);
    if (!n) {
      n = new DNode(name, -1);
      addChild(root, n);
    }
    return n;
  }

  /** generate_label_tree(dti, "__symbols__", true): `dtc -@`. */
  generateSymbols(): void {
    let any = false;
    this.walk(this.tree.root, (n) => {
      if (n.labels.length) any = true;
    });
    if (!any) return;
    const an = this.rootNode('__symbols__');
    this.walk(this.tree.root, (node) => {
      if (!node.labels.length) return;
      for (const l of node.labels) {
        if (l.deleted || getProperty(an, l.name)) continue;
        an.props.push(new DProp(l.name, new TextEncoder().encode(node.fullpath + '\0'), null, null, -1));
      }
      this.nodePhandle(node);
    });
  }

  private eachPhandleMarker(fn: (node: DNode, p: DProp, m: Marker, target: DNode | undefined) => void): void {
    this.walk(this.tree.root, (node) => {
      for (const p of node.props) {
        if (p.deleted || !p.markers) continue;
        for (const m of p.markers) if (m.kind === Mk.Phandle) fn(node, p, m, this.tree.byRef(m.ref));
      }
    });
  }

  /** generate_fixups_tree(): `__fixups__` lists where each unresolved label is used. */
  generateFixups(): void {
    let any = false;
    this.eachPhandleMarker((_n, _p, _m, t) => {
      if (!t) any = true;
    });
    if (!any) return;
    const fn = this.rootNode('__fixups__');
    this.eachPhandleMarker((node, p, m, t) => {
      if (t) return;
      if (node.fullpath.includes(':') || p.name.includes(':')) {
        this.fail(this.propPos(node, p), 'fixups', "arguments should not contain ':'");
      }
      appendToProperty(fn, m.ref, new TextEncoder().encode(`${node.fullpath}:${p.name}:${m.offset}\0`));
    });
  }

  /** generate_local_fixups_tree(): `__local_fixups__` mirrors where resolved phandles sit. */
  generateLocalFixups(): void {
    let any = false;
    this.eachPhandleMarker((_n, _p, _m, t) => {
      if (t) any = true;
    });
    if (!any) return;
    const lfn = this.rootNode('__local_fixups__');
    this.eachPhandleMarker((node, p, m, t) => {
      if (!t) return;
      const names: string[] = [];
      for (let n: DNode | null = node; n && n.parent; n = n.parent) names.push(n.name);
      let wn = lfn;
      for (let i = names.length - 1; i >= 0; i--) {
        let next = getSubnode(wn, names[i]!);
        if (!next) {
          next = new DNode(names[i]!, -1);
          addChild(wn, next);
        }
        wn = next;
      }
      appendToProperty(wn, p.name, u32bytes(m.offset));
    });
  }

  toModel(boot: number): Tree {
    const spanOf = this.o.spanOf;
    const convert = (d: DNode, parent: Node | null): Node => {
      const n = new Node(d.name, parent);
      if (d.pos >= 0) n.spanLater(spanOf, d.pos);
      const labels = d.labels.filter((l) => !l.deleted).map((l) => l.name);
      if (labels.length) n.labels = labels;
      for (const p of d.props) {
        if (p.deleted) continue;
        const prop = new Property(p.name, p.data);
        if (p.pos >= 0) prop.spanLater(spanOf, p.pos);
        const propLabels = p.labels.filter((l) => !l.deleted).map((l) => l.name);
        if (propLabels.length) prop.labels = propLabels;
        if (p.markers) {
          const ms: ValueMarker[] = [];
          for (const m of p.markers) {
            ms.push({
              offset: m.offset,
              kind: m.kind === Mk.Label ? 'label' : m.kind === Mk.Phandle ? 'phandle' : 'path',
              name: m.ref,
            });
          }
          prop.markers = ms;
        }
        if (p.cells) prop.cellSpans = new CellSpans(p.cells, spanOf);
        n.props.push(prop);
      }
      return n;
    };
    const root = this.tree.root;
    if (root.deleted) return this.finish(new Tree(new Node('', null), this.o.source), boot);
    const top = convert(root, null);
    // depth first with an explicit stack (as deep as dtc allows)
    const stack: [DNode, Node][] = [[root, top]];
    while (stack.length) {
      const [d, n] = stack.pop()!;
      for (const c of d.children) {
        if (c.deleted) continue;
        const m = convert(c, n);
        n.children.push(m);
        stack.push([c, m]);
      }
    }
    return this.finish(new Tree(top, this.o.source), boot);
  }

  private finish(tree: Tree, boot: number): Tree {
    tree.memreserves = this.o.memreserves.map((r): MemReserve =>
      r.labels.length ? { address: r.address, size: r.size, labels: r.labels } : { address: r.address, size: r.size },
    );
    tree.bootCpuidPhys = boot;
    return tree;
  }
}

/**
 * `cellSpans` of a DTS property: a Map filled in when first read, since most cells never need a
 * source position and building them all would cost more than the parse.
 */
class CellSpans implements Map<number, Span> {
  private readonly cells: number[];
  private readonly spanOf: (pos: number) => Span;
  private map: Map<number, Span> | undefined;

  constructor(cells: number[], spanOf: (pos: number) => Span) {
    this.cells = cells;
    this.spanOf = spanOf;
  }

  private get m(): Map<number, Span> {
    if (!this.map) {
      const map = new Map<number, Span>();
      const c = this.cells;
      for (let i = 0; i < c.length; i += 2) map.set(c[i]!, this.spanOf(c[i + 1]!));
      this.map = map;
    }
    return this.map;
  }

  get size(): number {
    return this.map ? this.map.size : this.cells.length >> 1;
  }
  get(offset: number): Span | undefined {
    if (this.map) return this.map.get(offset);
    const c = this.cells;
    for (let i = 0; i < c.length; i += 2) if (c[i] === offset) return this.m.get(offset);
    return undefined;
  }
  has(offset: number): boolean {
    return this.m.has(offset);
  }
  set(offset: number, span: Span): this {
    this.m.set(offset, span);
    return this;
  }
  delete(offset: number): boolean {
    return this.m.delete(offset);
  }
  clear(): void {
    this.m.clear();
  }
  forEach(fn: (value: Span, key: number, map: Map<number, Span>) => void, thisArg?: unknown): void {
    this.m.forEach((v, k) => fn.call(thisArg, v, k, this));
  }
  entries(): MapIterator<[number, Span]> {
    return this.m.entries();
  }
  keys(): MapIterator<number> {
    return this.m.keys();
  }
  values(): MapIterator<Span> {
    return this.m.values();
  }
  [Symbol.iterator](): MapIterator<[number, Span]> {
    return this.m.entries();
  }
  get [Symbol.toStringTag](): string {
    return 'Map';
  }
}

function appendToProperty(node: DNode, name: string, bytes: Uint8Array): void {
  const p = getProperty(node, name);
  if (p) {
    const d = new Uint8Array(p.data.length + bytes.length);
    d.set(p.data);
    d.set(bytes, p.data.length);
    p.data = d;
  } else node.props.push(new DProp(name, bytes, null, null, -1));
}

function isOneString(d: Uint8Array): boolean {
  if (d.length === 0 || d[d.length - 1] !== 0) return false;
  return d.indexOf(0) === d.length - 1;
}

function readU32(d: Uint8Array, o: number): number {
  return ((d[o]! << 24) | (d[o + 1]! << 16) | (d[o + 2]! << 8) | d[o + 3]!) >>> 0;
}

function writeU32(d: Uint8Array, o: number, v: number): void {
  d[o] = v >>> 24;
  d[o + 1] = (v >>> 16) & 0xff;
  d[o + 2] = (v >>> 8) & 0xff;
  d[o + 3] = v & 0xff;
}

function u32bytes(v: number): Uint8Array {
  const d = new Uint8Array(4);
  writeU32(d, 0, v);
  return d;
}

export function compileTree(tree: LiveTree, o: CompileOptions): Tree {
  return new Compiler(tree, o).run();
}
