// The tree while a DTS file is being compiled, with dtc's own bookkeeping (livetree.c): deleted
// nodes, properties and labels stay in their lists with a flag, so that a re-added entry returns
// to its old place, and label lists grow at the front. Converted to the model at the end.

/** Marker kinds inside a value. */
export const enum Mk {
  Label = 0,
  Phandle = 1,
  Path = 2,
}

export interface Marker {
  kind: Mk;
  offset: number;
  ref: string;
  /** Encoded source position of the label or reference. */
  pos: number;
}

/** The label list of everything that has none (shared; replaced on the first add). */
export const NO_LABELS: DLabel[] = [];

export class DLabel {
  name: string;
  deleted = false;
  constructor(name: string) {
    this.name = name;
  }
}

export class DProp {
  name: string;
  data: Uint8Array;
  markers: Marker[] | null;
  /** Byte offset and encoded source position of each array element, in pairs. */
  cells: number[] | null;
  labels: DLabel[] = NO_LABELS;
  deleted = false;
  /** Encoded source position of the name; -1 when dtc made the property. */
  pos: number;

  constructor(name: string, data: Uint8Array, markers: Marker[] | null, cells: number[] | null, pos: number) {
    this.name = name;
    this.data = data;
    this.markers = markers;
    this.cells = cells;
    this.pos = pos;
  }
}

export class DNode {
  name: string;
  parent: DNode | null = null;
  props: DProp[] = [];
  children: DNode[] = [];
  labels: DLabel[] = NO_LABELS;
  deleted = false;
  omitIfUnused = false;
  referenced = false;
  /** Assigned phandle (explicit or allocated); 0 when none. */
  phandle = 0;
  pos: number;
  private path: string | undefined;

  constructor(name: string, pos: number) {
    this.name = name;
    this.pos = pos;
  }

  /**
   * The node's path (dtc's fill_fullpaths() runs after parsing, when the tree no longer
   * changes shape, so computing it on first use gives the same strings).
   */
  get fullpath(): string {
    if (this.path === undefined) {
      const p = this.parent;
      this.path = !p ? '/' : p.parent ? `${p.fullpath}/${this.name}` : `/${this.name}`;
    }
    return this.path;
  }

  /** Length of the name without the unit address. */
  get basenamelen(): number {
    const at = this.name.indexOf('@');
    return at < 0 ? this.name.length : at;
  }
}

/** Labels of live nodes, for lookups that dtc does by walking the whole tree. */
export class LiveTree {
  root: DNode;
  private readonly labelIndex = new Map<string, DNode[]>();
  private readonly phandleIndex = new Map<number, DNode[]>();

  constructor(root: DNode) {
    this.root = root;
  }

  /** add_label(): un-delete an existing label, or put a new one at the front. */
  addLabel(on: { labels: DLabel[] }, name: string, owner: DNode | null): void {
    for (const l of on.labels) {
      if (l.name === name) {
        l.deleted = false;
        return;
      }
    }
    on.labels = [new DLabel(name), ...on.labels];
    if (owner) {
      const list = this.labelIndex.get(name);
      if (!list) this.labelIndex.set(name, [owner]);
      else if (!list.includes(owner)) list.push(owner);
    }
  }

  /** Records labels of a node built by the parser (before it is attached anywhere). */
  indexNodeLabels(node: DNode): void {
    for (const l of node.labels) {
      const list = this.labelIndex.get(l.name);
      if (!list) this.labelIndex.set(l.name, [node]);
      else if (!list.includes(node)) list.push(node);
    }
  }

  /** Whether `node` is in the tree: every node from it up to the root is not deleted. */
  reachable(node: DNode): boolean {
    const root = this.root;
    for (let n: DNode | null = node; n !== root; n = n.parent) {
      if (!n || n.deleted) return false;
    }
    return true;
  }

  /** get_node_by_label(): the first live node in depth-first order with that live label. */
  byLabel(label: string): DNode | undefined {
    const list = this.labelIndex.get(label);
    if (!list) return undefined;
    let found: DNode | undefined;
    for (const n of list) {
      if (!this.reachable(n)) continue;
      if (!n.labels.some((l) => l.name === label && !l.deleted)) continue;
      if (!found || before(n, found)) found = n;
    }
    return found;
  }

  /** get_node_by_path() below `from`: exact names, live children only. */
  byPath(from: DNode, path: string): DNode | undefined {
    let node = from;
    let i = 0;
    for (;;) {
      if (i >= path.length) return node.deleted ? undefined : node;
      while (path.charCodeAt(i) === 47) i++;
      const slash = path.indexOf('/', i);
      const part = slash < 0 ? path.slice(i) : path.slice(i, slash);
      let next: DNode | undefined;
      for (const c of node.children) {
        if (!c.deleted && c.name === part) {
          next = c;
          break;
        }
      }
      if (!next) return undefined;
      if (slash < 0) return next;
      node = next;
      i = slash + 1;
    }
  }

  /** get_node_by_ref() of dtc 1.7: `/` path, label, or label-relative `label/path`. */
  byRef(ref: string): DNode | undefined {
    if (ref === '/') return this.root;
    if (ref.charCodeAt(0) === 47) return this.byPath(this.root, ref);
    const slash = ref.indexOf('/');
    if (slash < 0) return this.byLabel(ref);
    const target = this.byLabel(ref.slice(0, slash));
    return target ? this.byPath(target, ref.slice(slash + 1)) : undefined;
  }

  /** Every live label name, for "did you mean" hints. */
  labelNames(): string[] {
    const out: string[] = [];
    for (const [name, nodes] of this.labelIndex) {
      if (nodes.some((n) => this.reachable(n) && n.labels.some((l) => l.name === name && !l.deleted))) out.push(name);
    }
    return out;
  }

  setPhandle(node: DNode, phandle: number): void {
    node.phandle = phandle;
    const list = this.phandleIndex.get(phandle);
    if (!list) this.phandleIndex.set(phandle, [node]);
    else list.push(node);
  }

  /** get_node_by_phandle(): the first live node with that phandle. */
  byPhandle(phandle: number): DNode | undefined {
    const list = this.phandleIndex.get(phandle);
    if (!list) return undefined;
    if (this.root.phandle === phandle) return this.root.deleted ? undefined : this.root;
    let found: DNode | undefined;
    for (const n of list) {
      if (n.phandle !== phandle || !this.reachable(n)) continue;
      if (!found || before(n, found)) found = n;
    }
    return found;
  }
}

/** Whether `a` comes before `b` in depth-first order (both in the same tree). */
function before(a: DNode, b: DNode): boolean {
  const pa = indexPath(a);
  const pb = indexPath(b);
  for (let i = 0; i < pa.length && i < pb.length; i++) {
    if (pa[i] !== pb[i]) return pa[i]! < pb[i]!;
  }
  return pa.length < pb.length;
}

function indexPath(n: DNode): number[] {
  const out: number[] = [];
  for (let c = n; c.parent; c = c.parent) out.push(c.parent.children.indexOf(c));
  return out.reverse();
}

/** delete_labels() */
function deleteLabels(labels: DLabel[]): void {
  for (const l of labels) l.deleted = true;
}

/** delete_property() */
export function deleteProperty(prop: DProp): void {
  prop.deleted = true;
  deleteLabels(prop.labels);
}

/** delete_node(): the node, its live children and properties, and its labels. */
export function deleteNode(node: DNode): void {
  const work = [node];
  while (work.length) {
    const n = work.pop()!;
    n.deleted = true;
    for (const c of n.children) if (!c.deleted) work.push(c);
    for (const p of n.props) if (!p.deleted) deleteProperty(p);
    deleteLabels(n.labels);
  }
}

/** get_property(): the first live property with that name. */
export function getProperty(node: DNode, name: string): DProp | undefined {
  for (const p of node.props) if (!p.deleted && p.name === name) return p;
  return undefined;
}

/** get_subnode(): the first live child with that name. */
export function getSubnode(node: DNode, name: string): DNode | undefined {
  for (const c of node.children) if (!c.deleted && c.name === name) return c;
  return undefined;
}

export function addChild(parent: DNode, child: DNode): void {
  child.parent = parent;
  parent.children.push(child);
}

/**
 * merge_nodes(): fold a freshly parsed node into an existing one, exactly as dtc does, in dtc's
 * order (a colliding child is merged completely before the next child is looked at). The
 * recursion is an explicit stack, since trees may nest as deep as dtc's parser allows.
 */
export function mergeNodes(tree: LiveTree, into: DNode, from: DNode): DNode {
  const olds: DNode[] = [];
  const freshes: DNode[] = [];
  const next: number[] = [];
  const start = (old: DNode, fresh: DNode): void => {
    mergeProperties(tree, old, fresh);
    olds.push(old);
    freshes.push(fresh);
    next.push(0);
  };
  start(into, from);
  while (olds.length) {
    const top = olds.length - 1;
    const old = olds[top]!;
    const fresh = freshes[top]!;
    const i = next[top]!;
    if (i >= fresh.children.length) {
      fresh.children = [];
      fresh.props = [];
      olds.pop();
      freshes.pop();
      next.pop();
      continue;
    }
    next[top] = i + 1;
    const nc = fresh.children[i]!;
    nc.parent = null;
    if (nc.deleted) {
      // delete_node_by_name(): the first child with that name, deleted or not
      for (const oc of old.children) {
        if (oc.name === nc.name) {
          deleteNode(oc);
          break;
        }
      }
      continue;
    }
    const oc = old.children.find((c) => c.name === nc.name);
    if (oc) start(oc, nc);
    else addChild(old, nc);
  }
  return into;
}

/** The first half of merge_nodes(): revive the node, add labels, merge the properties. */
function mergeProperties(tree: LiveTree, old: DNode, fresh: DNode): void {
  old.deleted = false;
  // for_each_label_withdel walks the new list from its head; add_label prepends each
  for (const l of fresh.labels) tree.addLabel(old, l.name, old);

  for (const np of fresh.props) {
    if (np.deleted) {
      // delete_property_by_name(): the first entry with that name, deleted or not
      for (const op of old.props) {
        if (op.name === np.name) {
          deleteProperty(op);
          break;
        }
      }
      continue;
    }
    let merged = false;
    for (const op of old.props) {
      if (op.name === np.name) {
        for (const l of np.labels) tree.addLabel(op, l.name, null);
        op.data = np.data;
        op.markers = np.markers;
        op.cells = np.cells;
        op.deleted = false;
        op.pos = np.pos;
        merged = true;
        break;
      }
    }
    if (!merged) old.props.push(np);
  }
}
