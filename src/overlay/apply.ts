// Applying a compiled overlay (`.dtbo`, `dtc -@` with `/plugin/;`) to a base tree, the way
// `fdtoverlay` does it: libfdt's fdt_overlay_apply() (libfdt/fdt_overlay.c, dtc 1.7 and later;
// each step below names the libfdt function it mirrors). The result is the same tree, node for
// node and byte for byte, as the blob fdtoverlay writes, including libfdt's ordering quirks:
// a property or subnode the target lacks is inserted FIRST (fdt_add_property_() and
// fdt_add_subnode() insert at the front), so new ones come out in reverse order.
import { SourceError } from '../errors.js';
import { Node, Property, type Tree } from '../tree/model.js';

/** An overlay that cannot be applied: one line naming the overlay file and the fragment. */
export class OverlayError extends SourceError {
  override name = 'OverlayError';
  constructor(
    file: string,
    /** The overlay's top-level node the problem sits in (`fragment@0`, `__fixups__`), if any. */
    readonly fragment: string | undefined,
    readonly reason: string,
  ) {
    super({ file }, `${file}: ${fragment ? `${fragment}: ` : ''}${reason}`);
  }
}

/**
 * Apply `overlay` to `base` in place (fdt_overlay_apply()). `overlayName` names the overlay in
 * errors. The overlay tree is not modified. On error `base` is left unchanged: the merge is
 * first done on a copy, then repeated on `base` once it is known to succeed.
 */
export function applyOverlay(base: Tree, overlay: Tree, overlayName: string): void {
  const fail = (fragment: string | undefined, reason: string): never => {
    throw new OverlayError(overlayName, fragment, reason);
  };
  const fdto = cloneNode(overlay.root, null);
  const fragments = fdto.children.filter((f) => subnode(f, '__overlay__'));
  if (fragments.length === 0)
    fail(undefined, 'no fragment with an __overlay__ node: not an overlay (compile it with /plugin/;)');

  // fdt_find_max_phandle(): the overlay's phandles move above every phandle of the base.
  const delta = maxPhandle(base.root);
  adjustLocalPhandles(fdto, delta, fail);
  updateLocalReferences(fdto, delta, fail);
  fixupPhandles(base.root, fdto, fail);
  preventPhandleOverwrite(base.root, fdto, fail);

  // Merge and symbol update can still fail (a target missing); try them on a copy first.
  const trial = cloneNode(base.root, null);
  merge(trial, fdto, fail);
  updateSymbols(trial, fdto, fail);
  merge(base.root, fdto, fail);
  updateSymbols(base.root, fdto, fail);
  base.invalidate();
}

type Fail = (fragment: string | undefined, reason: string) => never;

// ---------------------------------------------------------------------------------------------
// libfdt lookups

/** fdt_nodename_eq_(): `name` matches `node@unit` too when `name` has no unit address. */
function nameEq(nodeName: string, name: string): boolean {
  if (nodeName === name) return true;
  return !name.includes('@') && nodeName.startsWith(name) && nodeName[name.length] === '@';
}

/** fdt_subnode_offset(): the first child whose name matches. */
function subnode(parent: Node, name: string): Node | undefined {
  return parent.children.find((c) => nameEq(c.name, name));
}

/** The string a C caller sees: the bytes up to the first NUL (all of them when there is none). */
function cString(value: Uint8Array): string {
  const end = value.indexOf(0);
  return latin1.decode(end < 0 ? value : value.subarray(0, end));
}

const latin1 = new TextDecoder('latin1');

/** Node names are ASCII in practice (dtc allows [a-zA-Z0-9,._+@-]); encode a path for a value. */
function latin1Bytes(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);
}

/** The bytes up to the first NUL. */
function cBytes(value: Uint8Array): Uint8Array {
  const end = value.indexOf(0);
  return end < 0 ? value : value.subarray(0, end);
}

/**
 * fdt_path_offset(): a path from the root, or one that starts with an alias (`serial0/child`),
 * which libfdt looks up in /aliases (not in __symbols__). Empty components are skipped.
 */
function pathLookup(root: Node, path: string, depth = 0): Node | undefined {
  let node: Node | undefined = root;
  let rest = path;
  if (!path.startsWith('/')) {
    const slash = path.indexOf('/');
    const alias = slash < 0 ? path : path.slice(0, slash);
    const aliases = pathLookup(root, '/aliases', depth + 1);
    const value = aliases?.props.find((p) => p.name === alias)?.value;
    if (value === undefined || alias === '' || depth > 8) return undefined;
    node = pathLookup(root, cString(value), depth + 1);
    rest = slash < 0 ? '' : path.slice(slash);
  }
  for (const part of rest.split('/')) {
    if (!node) return undefined;
    if (part !== '') node = subnode(node, part);
  }
  return node;
}

function firstProp(node: Node, name: string): Property | undefined {
  return node.props.find((p) => p.name === name);
}

function u32(v: Uint8Array, offset: number): number {
  return ((v[offset]! << 24) | (v[offset + 1]! << 16) | (v[offset + 2]! << 8) | v[offset + 3]!) >>> 0;
}

function setU32(v: Uint8Array, offset: number, value: number): void {
  v[offset] = value >>> 24;
  v[offset + 1] = (value >>> 16) & 0xff;
  v[offset + 2] = (value >>> 8) & 0xff;
  v[offset + 3] = value & 0xff;
}

/** fdt_get_phandle(): a one-cell `phandle`, else a one-cell `linux,phandle`, else 0. */
function getPhandle(node: Node): number {
  for (const name of ['phandle', 'linux,phandle']) {
    const p = firstProp(node, name);
    if (p && p.value.length === 4) return u32(p.value, 0);
  }
  return 0;
}

/** fdt_node_offset_by_phandle(): the first node in document order with that phandle. */
function nodeByPhandle(root: Node, phandle: number): Node | undefined {
  if (phandle === 0 || phandle === 0xffffffff) return undefined;
  for (const n of root.walk()) if (getPhandle(n) === phandle) return n;
  return undefined;
}

function maxPhandle(root: Node): number {
  let max = 0;
  for (const n of root.walk()) max = Math.max(max, getPhandle(n));
  return max;
}

/** fdt_setprop(): replace the value in place, or insert the property first. */
function setProp(node: Node, name: string, value: Uint8Array): void {
  const i = node.props.findIndex((p) => p.name === name);
  const prop = new Property(name, value.slice());
  if (i >= 0) node.props[i] = prop;
  else node.props.unshift(prop);
}

/** fdt_add_subnode(), or the existing subnode when one matches (-FDT_ERR_EXISTS). */
function addSubnode(parent: Node, name: string): Node {
  const existing = subnode(parent, name);
  if (existing) return existing;
  const node = new Node(name, parent);
  parent.children.unshift(node);
  return node;
}

function cloneNode(node: Node, parent: Node | null): Node {
  const copy = new Node(node.name, parent);
  copy.props = node.props.map((p) => new Property(p.name, p.value.slice()));
  copy.children = node.children.map((c) => cloneNode(c, copy));
  return copy;
}

/** The overlay's top-level node a path lies in (`fragment@0`), for messages. */
function topOf(path: string): string | undefined {
  const name = path.split('/').find((s) => s !== '');
  return name || undefined;
}

const hex = (n: number) => `0x${n.toString(16)}`;

// ---------------------------------------------------------------------------------------------
// Steps of fdt_overlay_apply()

/** overlay_adjust_local_phandles(): every `phandle` / `linux,phandle` of the overlay += delta. */
function adjustLocalPhandles(fdto: Node, delta: number, fail: Fail): void {
  for (const node of fdto.walk()) {
    for (const name of ['phandle', 'linux,phandle']) {
      const p = firstProp(node, name);
      if (!p) continue;
      if (p.value.length !== 4)
        fail(topOf(node.path), `${node.path}: ${name} is ${p.value.length} bytes, not one cell`);
      const v = u32(p.value, 0);
      if (v + delta >= 0xffffffff)
        fail(
          topOf(node.path),
          `${node.path}: ${name} ${hex(v)} moved above the base's highest phandle ${hex(delta)} passes 0xfffffffe`,
        );
      setU32(p.value, 0, v + delta);
    }
  }
}

/**
 * overlay_update_local_references(): each reference listed in /__local_fixups__ (same node path,
 * property name, byte offsets of the cells) points into the overlay, so it moves by delta too.
 */
function updateLocalReferences(fdto: Node, delta: number, fail: Fail): void {
  walkLocalFixups(fdto, fail, (value, offset) => setU32(value, offset, (u32(value, offset) + delta) >>> 0));
}

function walkLocalFixups(fdto: Node, fail: Fail, visit: (value: Uint8Array, offset: number) => void): void {
  const fixups = pathLookup(fdto, '/__local_fixups__');
  if (!fixups) return;
  const walk = (tree: Node, fixup: Node): void => {
    for (const fp of fixup.props) {
      const where = `${tree.path === '/' ? '' : tree.path}:${fp.name}`;
      if (fp.value.length % 4)
        fail('__local_fixups__', `${where}: offset list is ${fp.value.length} bytes, not whole cells`);
      const target = firstProp(tree, fp.name);
      if (!target) fail('__local_fixups__', `${where}: no such property in the overlay`);
      for (let i = 0; i < fp.value.length; i += 4) {
        const offset = u32(fp.value, i);
        if (offset + 4 > target!.value.length)
          fail('__local_fixups__', `${where}: offset ${offset} is past the ${target!.value.length}-byte value`);
        visit(target!.value, offset);
      }
    }
    for (const fc of fixup.children) {
      const child = subnode(tree, fc.name);
      if (!child)
        fail('__local_fixups__', `${tree.path === '/' ? '' : tree.path}/${fc.name}: no such node in the overlay`);
      walk(child!, fc);
    }
  };
  walk(fdto, fixups);
}

interface FixupEntry {
  path: string;
  prop: string;
  offset: number;
}

/** The `path:property:offset` strings of one __fixups__ property (overlay_fixup_phandle()). */
function parseFixups(label: string, value: Uint8Array, fail: Fail): FixupEntry[] {
  const entries: FixupEntry[] = [];
  const bad = (why: string): never => fail('__fixups__', `${label}: ${why}`);
  if (value.length === 0 || value[value.length - 1] !== 0) bad('value is not a list of strings');
  for (const s of latin1.decode(value.subarray(0, value.length - 1)).split('\0')) {
    const m = /^([^:]*):([^:]+):(\d+)$/.exec(s);
    if (!m) bad(`malformed entry "${s}" (want path:property:offset)`);
    entries.push({ path: m![1]!, prop: m![2]!, offset: Number(m![3]) });
  }
  return entries;
}

/**
 * overlay_fixup_phandles(): each property of /__fixups__ is a label of the base, with the places
 * in the overlay that reference it; the label's node (from the base's __symbols__) must have a
 * phandle, which is written into each place. A base without __symbols__ (not built with
 * `dtc -@`) resolves nothing, except that labels read from DTS source are used as `dtc -@`
 * would have written them.
 */
function fixupPhandles(base: Node, fdto: Node, fail: Fail): void {
  const fixups = pathLookup(fdto, '/__fixups__');
  if (!fixups) return;
  const symbols = pathLookup(base, '/__symbols__');
  for (const fp of fixups.props) {
    const label = fp.name;
    const entries = parseFixups(label, fp.value, fail);
    const first = entries[0]!;
    const fragment = topOf(first.path);
    const isTarget = first.prop === 'target' && pathLookup(fdto, first.path)?.parent === fdto;
    const what = isTarget ? `target label "${label}"` : `label "${label}" (used by ${first.path} ${first.prop})`;
    let node: Node | undefined;
    let symbolPath: string | undefined;
    const symbol = symbols && firstProp(symbols, label);
    if (symbol) {
      symbolPath = cString(symbol.value);
      node = pathLookup(base, symbolPath);
      if (!node) fail(fragment, `${what} is "${symbolPath}" in the base's __symbols__, which is no node of the base`);
    } else {
      node = sourceLabel(base, label);
      if (!node && !symbols)
        fail(fragment, `${what} cannot be resolved: the base has no __symbols__ (compile it with dtc -@)`);
      if (!node) fail(fragment, `${what} not in the base's __symbols__`);
      symbolPath = node!.path;
    }
    const phandle = getPhandle(node!);
    if (!phandle) fail(fragment, `${what}: the base's node ${symbolPath} has no phandle`);
    for (const e of entries) {
      const where = topOf(e.path);
      const target = e.path === '' ? undefined : pathLookup(fdto, e.path);
      if (!target) fail(where, `__fixups__ ${label}: ${e.path} is no node of the overlay`);
      const prop = firstProp(target!, e.prop);
      if (!prop) fail(where, `__fixups__ ${label}: ${e.path} has no property ${e.prop}`);
      if (e.offset + 4 > prop!.value.length)
        fail(
          where,
          `__fixups__ ${label}: offset ${e.offset} is past the ${prop!.value.length}-byte ${e.path} ${e.prop}`,
        );
      setU32(prop!.value, e.offset, phandle);
    }
  }
}

/** A label from DTS source (Node.labels), for a base read from DTS without __symbols__. */
function sourceLabel(base: Node, label: string): Node | undefined {
  for (const n of base.walk()) if (n.labels.includes(label)) return n;
  return undefined;
}

type Target = { node: Node; path?: string } | { missing: string } | { error: string };

/** fdt_overlay_target_offset(): `target = <phandle>`, else `target-path = "/path"` (or an alias). */
function targetOf(base: Node, fragment: Node): Target {
  const target = firstProp(fragment, 'target');
  if (target) {
    const ph = target.value.length === 4 ? u32(target.value, 0) : undefined;
    if (ph === undefined) return { error: `target is ${target.value.length} bytes, not one phandle cell` };
    if (ph === 0xffffffff) return { error: 'target is phandle 0xffffffff' };
    if (ph !== 0) {
      const node = nodeByPhandle(base, ph);
      return node ? { node } : { missing: `target phandle ${hex(ph)} is no node of the base` };
    }
  }
  const tp = firstProp(fragment, 'target-path');
  if (!tp) return { error: 'has __overlay__ but neither target nor target-path' };
  const path = cString(tp.value);
  const node = pathLookup(base, path);
  if (node) return { node, path };
  if (!path.startsWith('/')) {
    const alias = path.split('/')[0]!;
    const known = subnode(base, 'aliases')?.props.some((p) => p.name === alias);
    if (!known) return { error: `target-path "${path}": no alias "${alias}" in the base's /aliases` };
  }
  return { missing: `target-path "${path}" is no node of the base` };
}

function requireTarget(base: Node, fragment: Node, fail: Fail): { node: Node; path?: string } {
  const t = targetOf(base, fragment);
  if ('error' in t) fail(fragment.name, t.error);
  if ('missing' in t) fail(fragment.name, t.missing);
  return t as { node: Node; path?: string };
}

/**
 * overlay_prevent_phandle_overwrite() (libfdt 1.7+): an overlay node that merges into a base node
 * and has a phandle of its own takes the base node's phandle, and the overlay's references to it
 * follow, so the base's own references stay valid. (dtc 1.6.1 overwrote the base's phandle.)
 */
function preventPhandleOverwrite(base: Node, fdto: Node, fail: Fail): void {
  for (const fragment of fdto.children) {
    const ov = subnode(fragment, '__overlay__');
    if (!ov) continue;
    const t = targetOf(base, fragment);
    if ('missing' in t) continue; // the merge reports it
    if ('error' in t) fail(fragment.name, t.error);
    const walk = (b: Node, o: Node): void => {
      const bPh = getPhandle(b);
      const oPh = getPhandle(o);
      if (bPh && oPh) {
        for (const name of ['phandle', 'linux,phandle']) {
          const p = firstProp(o, name);
          if (p && p.value.length === 4) setU32(p.value, 0, bPh);
        }
        walkLocalFixups(fdto, fail, (value, offset) => {
          if (u32(value, offset) === oPh) setU32(value, offset, bPh);
        });
      }
      for (const oc of o.children) {
        const bc = subnode(b, oc.name);
        if (bc) walk(bc, oc);
      }
    };
    walk((t as { node: Node }).node, ov);
  }
}

/** overlay_merge() and overlay_apply_node(): fragment by fragment, in overlay order. */
function merge(base: Node, fdto: Node, fail: Fail): void {
  for (const fragment of fdto.children) {
    const ov = subnode(fragment, '__overlay__');
    if (!ov) continue;
    applyNode(requireTarget(base, fragment, fail).node, ov);
  }
}

function applyNode(target: Node, ov: Node): void {
  for (const p of ov.props) setProp(target, p.name, p.value);
  for (const c of ov.children) applyNode(addSubnode(target, c.name), c);
}

/**
 * overlay_symbol_update(): each overlay symbol that points into a fragment's __overlay__
 * (`/fragment@0/__overlay__/pcie@40000000`) is added to the base's __symbols__ (created, first
 * under the root, when missing) with the fragment's part replaced by the target's path: the
 * `target-path` string as written (an alias stays an alias), else the target node's full path.
 */
function updateSymbols(base: Node, fdto: Node, fail: Fail): void {
  const ovSym = subnode(fdto, '__symbols__');
  if (!ovSym) return;
  const rootSym = addSubnode(base, '__symbols__');
  for (const p of ovSym.props) {
    const v = p.value;
    if (v.length < 1 || v.indexOf(0) !== v.length - 1) fail('__symbols__', `${p.name} is not a string`);
    const path = latin1.decode(v.subarray(0, v.length - 1));
    if (!path.startsWith('/')) fail('__symbols__', `${p.name} = "${path}" is not an absolute path`);
    const slash = path.indexOf('/', 1);
    if (slash < 0) continue; // not inside a fragment: it does not end up in the base
    const rest = path.slice(slash);
    let rel: string;
    if (rest.startsWith('/__overlay__/')) rel = rest.slice('/__overlay__/'.length);
    else if (rest === '/__overlay__') rel = '';
    else continue;
    const fragName = path.slice(1, slash);
    const fragment = subnode(fdto, fragName);
    if (!fragment || !subnode(fragment, '__overlay__'))
      fail('__symbols__', `${p.name} = "${path}": the overlay has no fragment ${fragName} with an __overlay__ node`);
    const t = requireTarget(base, fragment!, fail);
    // Bytes, not strings: the value is built as libfdt builds it (target + '/' + rel + NUL).
    const targetPath =
      t.path !== undefined ? cBytes(firstProp(fragment!, 'target-path')!.value) : latin1Bytes(t.node.path);
    const relBytes = v.subarray(v.length - 1 - rel.length, v.length - 1);
    const head = targetPath.length > 1 ? targetPath : new Uint8Array(0);
    const value = new Uint8Array(head.length + 1 + relBytes.length + 1);
    value.set(head, 0);
    value[head.length] = 0x2f; // '/'
    value.set(relBytes, head.length + 1);
    setProp(rootSym, p.name, value);
  }
}
