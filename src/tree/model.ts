// The devicetree model: what the DTB reader and the DTS front end both build, and what the
// engine and the checks read. It imports neither reader.

/** A place in a source file (1-based line and column). DTB input has none. */
export interface Span {
  file: string;
  line: number;
  column: number;
  /** Include chain, outermost first ("board.dts:12"), when the span is inside an included file. */
  includedFrom?: string[];
}

/** A label or reference written inside a value, at a byte offset of the value. */
export interface ValueMarker {
  offset: number;
  kind: 'label' | 'phandle' | 'path';
  name: string;
}

/** Computes a span when it is first read (readers that know positions cheaply, spans dearly). */
export type SpanOf = (pos: number) => Span;

/** The labels of a node or property that has none: shared, so frozen (assign a new list). */
const NO_LABELS: string[] = Object.freeze([]) as unknown as string[];

/** Where a node or property was written; computed on first read when the reader defers it. */
class Spanned {
  // plain fields set once in the constructor: a DTB holds a million of these objects, and
  // private fields or a setter call per object cost a third of reading it
  private spanValue: Span | undefined;
  private spanOf: SpanOf | undefined = undefined;
  private spanPos = 0;

  constructor(span: Span | undefined) {
    this.spanValue = span;
  }

  get span(): Span | undefined {
    if (this.spanOf) {
      this.spanValue = this.spanOf(this.spanPos);
      this.spanOf = undefined;
    }
    return this.spanValue;
  }

  set span(span: Span | undefined) {
    this.spanValue = span;
    this.spanOf = undefined;
  }

  /** The span is `spanOf(pos)`, computed when first read. */
  spanLater(spanOf: SpanOf, pos: number): void {
    this.spanOf = spanOf;
    this.spanPos = pos;
  }
}

const EMPTY = new Uint8Array(0);

export class Property extends Spanned {
  name: string;
  // the value, or (start >= 0) the buffer it is bytes[start, end) of: a DTB reader's property is
  // a view made on first read, as most are never read
  private bytes: Uint8Array;
  private start = -1;
  private end = 0;
  /** Labels written on the property (DTS input); replace the list to add one. */
  labels: string[] = NO_LABELS;
  /** For DTS input: the span of the cell starting at each byte offset (4-byte aligned cells). */
  cellSpans?: Map<number, Span> = undefined;
  markers?: ValueMarker[] = undefined;

  constructor(name: string, value: Uint8Array = EMPTY, span?: Span) {
    super(span);
    this.name = name;
    this.bytes = value;
  }

  /** A property whose value is `buffer[start, end)`, not copied (and not sliced until read). */
  static view(name: string, buffer: Uint8Array, start: number, end: number): Property {
    const p = new Property(name, buffer);
    p.start = start;
    p.end = end;
    return p;
  }

  get value(): Uint8Array {
    if (this.start >= 0) {
      this.bytes = this.bytes.subarray(this.start, this.end);
      this.start = -1;
    }
    return this.bytes;
  }

  set value(value: Uint8Array) {
    this.bytes = value;
    this.start = -1;
  }

  get length(): number {
    return this.start >= 0 ? this.end - this.start : this.bytes.length;
  }

  /** Number of whole 32-bit cells in the value. */
  get cellCount(): number {
    return this.length >> 2;
  }

  /** Big-endian 32-bit cell `i` (as a non-negative number), or undefined past the end. */
  u32(i = 0): number | undefined {
    const o = i * 4;
    if (o + 4 > this.value.length) return undefined;
    const v = this.value;
    return ((v[o]! << 24) | (v[o + 1]! << 16) | (v[o + 2]! << 8) | v[o + 3]!) >>> 0;
  }

  /** All whole cells; trailing bytes that do not fill a cell are ignored. */
  cells(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.cellCount; i++) out.push(this.u32(i)!);
    return out;
  }

  /** The value as a NUL-terminated string (undefined when it is not one). */
  string(): string | undefined {
    const v = this.value;
    if (v.length === 0 || v[v.length - 1] !== 0) return undefined;
    const end = v.indexOf(0);
    return new TextDecoder().decode(v.subarray(0, end));
  }

  /** The value as a list of NUL-terminated strings (for `compatible`). */
  strings(): string[] {
    const v = this.value;
    if (v.length === 0 || v[v.length - 1] !== 0) return [];
    return new TextDecoder().decode(v.subarray(0, v.length - 1)).split('\0');
  }

  /** Span of the cell at index `i` when known, else the property's span. */
  cellSpan(i: number): Span | undefined {
    return this.cellSpans?.get(i * 4) ?? this.span;
  }
}

export class Node extends Spanned {
  name: string;
  parent: Node | null;
  children: Node[] = [];
  props: Property[] = [];
  /** Labels written on the node (DTS input, or __symbols__); replace the list to add one. */
  labels: string[] = NO_LABELS;

  constructor(name: string, parent: Node | null = null, span?: Span) {
    super(span);
    this.name = name;
    this.parent = parent;
  }

  get path(): string {
    if (!this.parent) return '/';
    const p = this.parent.path;
    return (p === '/' ? '' : p) + '/' + this.name;
  }

  /** Node name without the unit address. */
  get baseName(): string {
    const at = this.name.indexOf('@');
    return at < 0 ? this.name : this.name.slice(0, at);
  }

  get unitAddress(): string {
    const at = this.name.indexOf('@');
    return at < 0 ? '' : this.name.slice(at + 1);
  }

  prop(name: string): Property | undefined {
    return this.props.find((p) => p.name === name);
  }

  child(name: string): Node | undefined {
    return this.children.find((c) => c.name === name);
  }

  addChild(node: Node): Node {
    node.parent = this;
    this.children.push(node);
    return node;
  }

  /** `status` as the kernel reads it: absent means okay (`of_device_is_available`). */
  get status(): string {
    return this.prop('status')?.string() ?? 'okay';
  }

  get enabled(): boolean {
    const s = this.status;
    return s === 'okay' || s === 'ok';
  }

  /** This node, then every descendant, depth first in order. */
  *walk(): Generator<Node> {
    const stack: Node[] = [this];
    while (stack.length) {
      const n = stack.pop()!;
      yield n;
      for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]!);
    }
  }
}

export interface MemReserve {
  address: bigint;
  size: bigint;
  labels?: string[];
}

/** A `dtmap-disable-next-line` comment kept by the DTS front end (`text` is the comment body). */
export interface SuppressionComment {
  file: string;
  line: number;
  column: number;
  text: string;
}

export class Tree {
  root: Node;
  memreserves: MemReserve[] = [];
  /** DTS input: `dtmap-disable-next-line` comments, for inline suppressions. */
  suppressions: SuppressionComment[] = [];
  bootCpuidPhys = 0;
  /** Where the tree was read from (a file name, or "-" for stdin). */
  source: string;
  /** Every file read to build the tree, `source` first (DTS: its includes; applied overlays). */
  files: string[];
  private phandles?: Map<number, Node>;
  private labelIndex?: Map<string, Node>;

  constructor(root: Node, source: string) {
    this.root = root;
    this.source = source;
    this.files = [source];
  }

  /** Drop cached indexes after the tree changes (overlays, merges). */
  invalidate(): void {
    this.phandles = undefined;
    this.labelIndex = undefined;
  }

  /** Node by phandle (`phandle`, else `linux,phandle`), as `of_find_node_by_phandle` finds it. */
  byPhandle(ph: number): Node | undefined {
    if (!this.phandles) {
      this.phandles = new Map();
      for (const n of this.root.walk()) {
        const v = (n.prop('phandle') ?? n.prop('linux,phandle'))?.u32(0);
        if (v !== undefined && v !== 0 && v !== 0xffffffff && !this.phandles.has(v)) this.phandles.set(v, n);
      }
    }
    return this.phandles.get(ph);
  }

  /** Node by full path (`/soc/pcie@1000`), or undefined. */
  byPath(path: string): Node | undefined {
    if (path === '/') return this.root;
    if (!path.startsWith('/')) return undefined;
    let n: Node | undefined = this.root;
    for (const part of path.slice(1).split('/')) {
      if (part === '') continue; // libfdt writes some __symbols__ paths with a trailing slash
      if (!n) return undefined;
      n = n.child(part) ?? (part.includes('@') ? undefined : n.children.find((c) => c.baseName === part));
    }
    return n;
  }

  /** Labels: from the source (DTS) or from `__symbols__` (a DTB built with `dtc -@`). */
  byLabel(label: string): Node | undefined {
    if (!this.labelIndex) {
      this.labelIndex = new Map();
      for (const n of this.root.walk()) for (const l of n.labels) this.labelIndex.set(l, n);
      const symbols = this.root.child('__symbols__');
      for (const p of symbols?.props ?? []) {
        const target = p.string();
        const node = target ? this.byPath(target) : undefined;
        if (node && !this.labelIndex.has(p.name)) this.labelIndex.set(p.name, node);
      }
    }
    return this.labelIndex.get(label);
  }

  /** Whether any label is known (DTS labels or a `__symbols__` node). */
  get hasLabels(): boolean {
    this.byLabel('');
    return this.labelIndex!.size > 0;
  }

  /** The first label of a node, for display. */
  labelOf(node: Node): string | undefined {
    if (node.labels.length) return node.labels[0];
    this.byLabel('');
    for (const [l, n] of this.labelIndex!) if (n === node) return l;
    return undefined;
  }

  /** `/aliases` entries resolved to nodes. */
  aliases(): Map<string, Node> {
    const out = new Map<string, Node>();
    for (const p of this.root.child('aliases')?.props ?? []) {
      const path = p.string();
      const node = path ? (this.byPath(path) ?? this.byLabel(path)) : undefined;
      if (node) out.set(p.name, node);
    }
    return out;
  }

  /** Node by path, label (`&label` or `label`) or alias. */
  find(ref: string): Node | undefined {
    if (ref.startsWith('&')) ref = ref.slice(1);
    if (ref.startsWith('/')) return this.byPath(ref);
    return this.byLabel(ref) ?? this.aliases().get(ref);
  }
}
