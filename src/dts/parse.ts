// The DTS parser: dtc's grammar (dtc-parser.y, 1.6 plus the 1.7 `&{label/path}` form) as a
// recursive descent over the pull lexer, with dtc's semantic actions run in the same order:
// top-level `&ref { }` merges and `/delete-node/ &ref;` act while parsing, value references are
// resolved afterwards (compile.ts). Functions are named after the grammar's nonterminals.

import type { Span } from '../tree/model.js';
import { Tree } from '../tree/model.js';
import { DtsError } from './errors.js';
import { LimitError, MAX_PROPERTY_BYTES, mib } from '../limits.js';
import { ByteBuffer, Lexer, Source, Tok, simpleLocate } from './lexer.js';
import { DLabel, DNode, DProp, LiveTree, Mk, addChild, deleteNode, mergeNodes } from './livetree.js';
import type { Marker } from './livetree.js';
import { compileTree } from './compile.js';
import type { DMemReserve } from './compile.js';
import * as u from './u64.js';
import type { U64 } from './u64.js';
import { refHint } from './suggest.js';

export { DtsError } from './errors.js';

export interface IncludedText {
  text: string;
  /** Span of an offset in `text`; defaults to line/column counting in `text`. */
  locate?: (offset: number) => Span;
  /** The file's name as it should appear in spans and as `from` for nested includes. */
  file?: string;
}

export interface ParseDtsOptions {
  /** Name of the file the text came from. */
  file: string;
  /**
   * Reads a file named by dtc's own `/include/ "path"`, written in file `from`: dtc looks next
   * to the including file first, then in its include directories. Undefined when not found.
   */
  readInclude?: (path: string, from: string) => IncludedText | undefined;
  /** Reads a file named by `/incbin/("path")` (same search as readInclude). */
  readBinary?: (path: string, from: string) => Uint8Array | undefined;
  /** Build `/__symbols__` like `dtc -@`. */
  symbols?: boolean;
}

const TWO32 = 4294967296;

/** Parse DTS text (already preprocessed) into the model, exactly as dtc builds its tree. */
export function parseDts(text: string, locate: ((offset: number) => Span) | undefined, opts: ParseDtsOptions): Tree {
  const p = new Parser(text, locate ?? simpleLocate(text, opts.file), opts);
  try {
    return p.parseSourceFile();
  } catch (e) {
    // the limits above should keep recursion bounded; never let a stack overflow escape as such
    if (e instanceof RangeError && /call stack/i.test(e.message)) throw p.nestingError();
    throw e;
  }
}

const PLUGIN = 2;

class Parser {
  private readonly lx: Lexer;
  private readonly sources: Source[] = [];
  private readonly opts: ParseDtsOptions;
  private readonly buf = new ByteBuffer();
  private readonly tree = new LiveTree(new DNode('', 0));
  private flags = 0;
  private nextOrphan = 0;

  constructor(text: string, locate: (offset: number) => Span, opts: ParseDtsOptions) {
    this.opts = opts;
    const main = new Source(0, text, opts.file, locate);
    this.sources.push(main);
    this.lx = new Lexer(main, (name, from, offset) => this.openInclude(name, from, offset));
  }

  // ---- positions and errors

  spanOf = (pos: number): Span => {
    const src = this.sources[Math.floor(pos / TWO32)]!;
    return src.spanAt(pos % TWO32);
  };

  private fail(pos: number, message: string, kind = 'Error'): never {
    throw new DtsError(this.spanOf(pos), message, kind);
  }

  private syntaxError(): never {
    const lx = this.lx;
    const t = this.tok();
    let what: string;
    let hint = '';
    if (t === Tok.EOF) what = 'end of input';
    else {
      const text = lx.source.text;
      let end = lx.end;
      if (t < 0x110000 && /[A-Za-z_]/.test(String.fromCharCode(t))) {
        // a bare identifier (dtc sees its first letter): usually an undefined macro, or the
        // next property after a line that lacks its ';'
        while (end < text.length && /[A-Za-z0-9_,#-]/.test(text[end]!)) end++;
        const newLine = lx.prevSource === lx.source && text.slice(lx.prevEnd, lx.start).includes('\n');
        hint = newLine
          ? " (missing ';' at the end of the previous line?)"
          : ' (an undefined macro or a missing #include?)';
      }
      what = `'${text.slice(lx.start, end)}'`;
    }
    this.fail(lx.tokenPos, `syntax error: unexpected ${what}${hint}`);
  }

  private openInclude(name: string, from: Source, offset: number): Source {
    // the file the directive was written in (through cpp's map, when the text was preprocessed)
    const at = from.spanAt(offset);
    const r = limited(() => this.opts.readInclude?.(name, at.file), at);
    if (!r) throw new DtsError(at, `Couldn't open "${name}": No such file or directory`, 'FATAL ERROR');
    const file = r.file ?? name;
    let locate = r.locate;
    if (!locate) {
      const chain = [...(at.includedFrom ?? []), `${at.file}:${at.line}`];
      const plain = simpleLocate(r.text, file);
      locate = (o) => ({ ...plain(o), includedFrom: chain });
    }
    const src = new Source(this.sources.length, r.text, file, locate);
    this.sources.push(src);
    return src;
  }

  // ---- token helpers

  private tok(): number {
    return this.lx.token;
  }

  private advance(): number {
    return this.lx.next();
  }

  private expect(kind: number): void {
    if (this.tok() !== kind) this.syntaxError();
    this.lx.next();
  }

  // ---- sourcefile: headers memreserves devicetree

  parseSourceFile(): Tree {
    this.advance();
    this.flags = this.header();
    while (this.tok() === Tok.V1) {
      const pos = this.lx.tokenPos;
      if (this.header() !== this.flags) this.fail(pos, "Header flags don't match earlier ones");
    }
    const memreserves = this.memreserves();
    this.devicetree();
    const tree = compileTree(this.tree, {
      plugin: (this.flags & PLUGIN) !== 0,
      symbols: this.opts.symbols === true,
      memreserves,
      source: this.opts.file,
      spanOf: this.spanOf,
    });
    return tree;
  }

  /** header: DT_V1 ';' | DT_V1 ';' DT_PLUGIN ';' */
  private header(): number {
    this.expect(Tok.V1);
    this.expect(59);
    let flags = 1;
    if (this.tok() === Tok.PLUGIN) {
      this.advance();
      this.expect(59);
      flags |= PLUGIN;
    }
    return flags;
  }

  /** memreserves: (DT_LABEL* DT_MEMRESERVE integer_prim integer_prim ';')* */
  private memreserves(): DMemReserve[] {
    const out: DMemReserve[] = [];
    const lx = this.lx;
    while (this.tok() === Tok.LABEL || this.tok() === Tok.MEMRESERVE) {
      const labels: string[] = [];
      while (this.tok() === Tok.LABEL) {
        labels.push(lx.value);
        this.advance();
      }
      this.expect(Tok.MEMRESERVE);
      const address = this.integerPrim();
      const size = this.integerPrim();
      this.expect(59);
      const list: string[] = [];
      for (let i = labels.length - 1; i >= 0; i--) if (!list.includes(labels[i]!)) list.unshift(labels[i]!);
      out.push({ address: u.big(address), size: u.big(size), labels: list });
    }
    return out;
  }

  /** devicetree: '/' nodedef | dt_ref nodedef, then merges, label refs, deletes, omits. */
  private devicetree(): void {
    const lx = this.lx;
    const plugin = (this.flags & PLUGIN) !== 0;
    if (this.tok() === 47) {
      const pos = lx.tokenPos;
      this.advance();
      this.tree.root = this.nodedef('', pos, 4);
    } else if (this.tok() === Tok.LABEL_REF || this.tok() === Tok.PATH_REF) {
      const ref = lx.value;
      const pos = lx.tokenPos;
      this.advance();
      const bodyPos = lx.tokenPos;
      const node = this.nodedef('', pos, 4);
      if (!plugin) this.fail(bodyPos, `Label or path ${ref} not found`);
      if (isRefRelative(ref)) this.fail(bodyPos, `Label-relative reference ${ref} not supported in plugin`);
      this.tree.root = new DNode('', pos);
      this.addOrphanNode(node, ref, pos);
    } else this.syntaxError();

    for (;;) {
      const t = this.tok();
      if (t === Tok.EOF) return;
      const pos = lx.tokenPos;
      if (t === 47) {
        this.advance();
        const node = this.nodedef('', pos, 5);
        mergeNodes(this.tree, this.tree.root, node);
      } else if (t === Tok.LABEL) {
        // devicetree DT_LABEL dt_ref nodedef
        const label = lx.value;
        this.advance();
        if (this.tok() !== Tok.LABEL_REF && this.tok() !== Tok.PATH_REF) this.syntaxError();
        const ref = lx.value;
        const refPos = lx.tokenPos;
        this.advance();
        const node = this.nodedef('', refPos, 6);
        if (plugin && isRefRelative(ref)) this.fail(refPos, `Label-relative reference ${ref} not supported in plugin`);
        const target = this.tree.byRef(ref);
        if (!target) this.refNotFound(refPos, ref, 'Label or path');
        this.tree.addLabel(target, label, target);
        mergeNodes(this.tree, target, node);
      } else if (t === Tok.PATH_REF || t === Tok.LABEL_REF) {
        const ref = lx.value;
        this.advance();
        const node = this.nodedef('', pos, 5);
        if (plugin && (t === Tok.PATH_REF || !this.tree.byRef(ref))) {
          if (isRefRelative(ref)) this.fail(pos, `Label-relative reference ${ref} not supported in plugin`);
          this.addOrphanNode(node, ref, pos);
        } else {
          const target = this.tree.byRef(ref);
          if (!target) this.refNotFound(pos, ref, 'Label or path');
          mergeNodes(this.tree, target, node);
        }
      } else if (t === Tok.DEL_NODE || t === Tok.OMIT_NO_REF) {
        this.advance();
        if (this.tok() !== Tok.LABEL_REF && this.tok() !== Tok.PATH_REF) this.syntaxError();
        const ref = lx.value;
        const refPos = lx.tokenPos;
        this.advance();
        this.expect(59);
        const target = this.tree.byRef(ref);
        if (!target) this.refNotFound(refPos, ref, 'Label or path');
        if (t === Tok.DEL_NODE) deleteNode(target);
        else target.omitIfUnused = true;
      } else this.syntaxError();
    }
  }

  /** "Label or path X not found", with what is close to it. */
  refNotFound(pos: number, ref: string, what: string): never {
    this.fail(pos, `${what} ${ref} not found${refHint(this.tree, ref)}`);
  }

  /** add_orphan_node(): a /plugin/ fragment for a reference that is not in this file. */
  private addOrphanNode(node: DNode, ref: string, pos: number): void {
    const frag = new DNode(`fragment@${this.nextOrphan++}`, pos);
    let prop: DProp;
    if (ref.charCodeAt(0) === 47) {
      const bytes = new TextEncoder().encode(ref + '\0');
      prop = new DProp('target-path', bytes, null, null, -1);
    } else {
      const m: Marker = { kind: Mk.Phandle, offset: 0, ref, pos };
      prop = new DProp('target', new Uint8Array([0xff, 0xff, 0xff, 0xff]), [m], null, -1);
    }
    frag.props.push(prop);
    node.name = '__overlay__';
    addChild(frag, node);
    addChild(this.tree.root, frag);
  }

  /**
   * nodedef: '{' proplist subnodes '}' ';'. `below` counts the entries of dtc's (bison's)
   * parser stack under the '{': that stack holds 10000 entries, each open node takes three and
   * each finished sibling one (subnodes are right-recursive), and dtc gives up with "memory
   * exhausted" when it is full. Counting the same way refuses the same inputs, and bounds
   * the recursion here.
   */
  private nodedef(name: string, pos: number, below: number): DNode {
    const lx = this.lx;
    if (this.tok() !== 123) this.syntaxError();
    const body = below + 2; // '{' proplist
    this.stackCheck(body, lx.tokenPos);
    this.advance();
    const node = new DNode(name, pos);
    let children = 0;
    for (;;) {
      let t = this.tok();
      if (t === 125) break;
      const startPos = lx.tokenPos;
      let pending: string[] | null = null;
      let omit = false;
      let extra = 0;
      while (t === Tok.LABEL || t === Tok.OMIT_NO_REF) {
        this.stackCheck(body + children + ++extra, lx.tokenPos);
        if (t === Tok.LABEL) (pending ??= []).push(lx.value);
        else omit = true;
        t = this.advance();
      }
      if (t === Tok.PROPNODENAME) {
        const pname = lx.value;
        const namePos = lx.tokenPos;
        this.stackCheck(body + children + extra + 1, namePos);
        t = this.advance();
        if (t === 123) {
          const child = this.nodedef(pname, namePos, body + children + extra + 1);
          if (pending) this.addLabels(child, pending);
          if (omit) child.omitIfUnused = true;
          addChild(node, child);
          children++;
          continue;
        }
        if (omit) this.syntaxError();
        this.stackCheck(body + extra + 5, namePos); // NAME '=' and a value's few entries
        let prop: DProp;
        if (t === 61) {
          this.advance();
          prop = this.propdata(pname, namePos);
        } else if (t === 59) {
          this.advance();
          prop = new DProp(pname, EMPTY, null, null, namePos);
        } else this.syntaxError();
        if (pending) for (let i = pending.length - 1; i >= 0; i--) this.tree0AddLabel(prop, pending[i]!);
        if (children) this.fail(startPos, 'Properties must precede subnodes');
        node.props.push(prop);
      } else if (t === Tok.DEL_PROP) {
        if (omit) this.syntaxError();
        this.advance();
        if (this.tok() !== Tok.PROPNODENAME) this.syntaxError();
        const prop = new DProp(lx.value, EMPTY, null, null, lx.tokenPos);
        prop.deleted = true;
        this.advance();
        this.expect(59);
        if (children) this.fail(startPos, 'Properties must precede subnodes');
        node.props.push(prop);
      } else if (t === Tok.DEL_NODE) {
        this.advance();
        if (this.tok() !== Tok.PROPNODENAME) this.syntaxError();
        const child = new DNode(lx.value, startPos);
        child.deleted = true;
        this.advance();
        this.stackCheck(body + children + extra + 3, lx.tokenPos);
        this.expect(59);
        if (pending) this.addLabels(child, pending);
        if (omit) child.omitIfUnused = true;
        child.parent = node;
        node.children.push(child);
        children++;
      } else this.syntaxError();
    }
    // the finished siblings and an empty `subnodes` are on the stack when '}' arrives
    this.stackCheck(Math.max(body + children + 1, body + 2), lx.tokenPos);
    this.advance();
    this.stackCheck(body + 3, lx.tokenPos);
    this.expect(59);
    return node;
  }

  nestingError(): DtsError {
    return new DtsError(this.spanOf(this.lx.tokenPos), 'memory exhausted (input nested too deeply)');
  }

  private stackCheck(entries: number, pos: number): void {
    if (entries > 9999) this.fail(pos, "memory exhausted (too many nested or sibling nodes for dtc's parser stack)");
  }

  private addLabels(node: DNode, labels: string[]): void {
    if (!labels.length) return;
    const list: DLabel[] = [];
    for (let i = labels.length - 1; i >= 0; i--) {
      const name = labels[i]!;
      if (!list.some((l) => l.name === name)) list.unshift(new DLabel(name));
    }
    node.labels = list;
    this.tree.indexNodeLabels(node);
  }

  private tree0AddLabel(prop: DProp, name: string): void {
    if (!prop.labels.some((l) => l.name === name)) prop.labels = [new DLabel(name), ...prop.labels];
  }

  /** propdata: comma-joined strings, arrays, byte strings and path references, with labels. */
  private propdata(name: string, pos: number): DProp {
    const lx = this.lx;
    const buf = this.buf;
    buf.length = 0;
    let markers: Marker[] | null = null;
    this.cells = null;
    for (;;) {
      while (this.tok() === Tok.LABEL) {
        (markers ??= []).push({ kind: Mk.Label, offset: buf.length, ref: lx.value, pos: lx.tokenPos });
        this.advance();
      }
      switch (this.tok()) {
        case Tok.STRING:
          lx.appendString(buf);
          this.advance();
          break;
        case 60: // '<'
          this.advance();
          markers = this.arrayprefix(32, markers);
          break;
        case Tok.BITS: {
          this.advance();
          if (this.tok() !== Tok.LITERAL) this.syntaxError();
          const n = lx.num;
          let bits = 32;
          if (n === 8 || n === 16 || n === 32 || n === 64) bits = n;
          else this.fail(lx.tokenPos, 'Array elements must be 8, 16, 32 or 64-bits');
          this.advance();
          this.expect(60);
          markers = this.arrayprefix(bits, markers);
          break;
        }
        case 91: // '['
          this.advance();
          for (;;) {
            const t = this.tok();
            if (t === Tok.BYTE) buf.push(lx.num as number);
            else if (t === Tok.LABEL)
              (markers ??= []).push({ kind: Mk.Label, offset: buf.length, ref: lx.value, pos: lx.tokenPos });
            else break;
            this.advance();
          }
          this.expect(93);
          break;
        case Tok.LABEL_REF:
        case Tok.PATH_REF:
          (markers ??= []).push({ kind: Mk.Path, offset: buf.length, ref: lx.value, pos: lx.tokenPos });
          this.advance();
          break;
        case Tok.INCBIN:
          this.incbin();
          break;
        default:
          this.syntaxError();
      }
      while (this.tok() === Tok.LABEL) {
        (markers ??= []).push({ kind: Mk.Label, offset: buf.length, ref: lx.value, pos: lx.tokenPos });
        this.advance();
      }
      if (this.tok() !== 44) break;
      this.advance();
    }
    this.expect(59);
    this.checkPropertyBytes(buf.length, pos);
    this.propertyBytes += buf.length;
    return new DProp(name, buf.take(), markers, this.cells, pos);
  }

  /** Bytes of the property values parsed so far, against MAX_PROPERTY_BYTES (limits.ts). */
  private propertyBytes = 0;

  private checkPropertyBytes(more: number, pos: number): void {
    if (this.propertyBytes + more > MAX_PROPERTY_BYTES)
      this.fail(pos, `property values larger than ${mib(MAX_PROPERTY_BYTES)} in all (dtmap's limit)`);
  }

  private cells: number[] | null = null;

  /** arrayprefix ... '>': cells of `bits` bits: integers, references and labels. */
  private arrayprefix(bits: number, markers: Marker[] | null): Marker[] | null {
    const lx = this.lx;
    const buf = this.buf;
    const track = bits >= 32;
    for (;;) {
      const t = this.tok();
      if (t === Tok.LITERAL || t === Tok.CHAR_LITERAL) {
        const pos = lx.tokenPos;
        const v = lx.num;
        if (track) (this.cells ??= []).push(buf.length, pos);
        if (bits === 32 && typeof v === 'number' && v <= 0xffffffff) buf.u32(v);
        else this.appendInteger(v, bits, pos);
        this.advance();
      } else if (t === 40) {
        const pos = lx.tokenPos;
        const v = this.integerPrim();
        if (track) (this.cells ??= []).push(buf.length, pos);
        this.appendInteger(v, bits, pos);
      } else if (t === Tok.LABEL_REF || t === Tok.PATH_REF) {
        const pos = lx.tokenPos;
        if (bits !== 32) this.fail(pos, 'References are only allowed in arrays with 32-bit elements.');
        (markers ??= []).push({ kind: Mk.Phandle, offset: buf.length, ref: lx.value, pos });
        (this.cells ??= []).push(buf.length, pos);
        buf.u32(0xffffffff);
        this.advance();
      } else if (t === Tok.LABEL) {
        (markers ??= []).push({ kind: Mk.Label, offset: buf.length, ref: lx.value, pos: lx.tokenPos });
        this.advance();
      } else if (t === 62) {
        this.advance();
        return markers;
      } else this.syntaxError();
    }
  }

  /** data_append_integer() after the range rule of dtc 1.6: upper bits all 0 or all 1. */
  private appendInteger(v: U64, bits: number, pos: number): void {
    const buf = this.buf;
    if (bits === 64) {
      if (typeof v === 'number') {
        buf.u32(Math.floor(v / TWO32));
        buf.u32(v % TWO32);
      } else {
        buf.u32(Number(v >> 32n));
        buf.u32(Number(v & 0xffffffffn));
      }
      return;
    }
    const mask = 2 ** bits - 1;
    let low: number;
    if (typeof v === 'number') {
      if (v > mask) this.fail(pos, `Value out of range for ${bits}-bit array element`);
      low = v;
    } else {
      const bm = BigInt(mask);
      if (v > bm && (v | bm) !== u.U64_MAX) this.fail(pos, `Value out of range for ${bits}-bit array element`);
      low = Number(v & bm);
    }
    if (bits === 32) buf.u32(low);
    else if (bits === 16) {
      buf.push(low >>> 8);
      buf.push(low & 0xff);
    } else buf.push(low);
  }

  /** DT_INCBIN '(' DT_STRING [',' integer_prim ',' integer_prim] ')' */
  private incbin(): void {
    const lx = this.lx;
    const pos = lx.tokenPos;
    this.advance();
    this.expect(40);
    if (this.tok() !== Tok.STRING) this.syntaxError();
    const name = new TextDecoder().decode(lx.stringBytes());
    const from = lx.source.file;
    this.advance();
    let offset: U64 = 0;
    let length: U64 = -1;
    if (this.tok() === 44) {
      this.advance();
      offset = this.integerPrim();
      this.expect(44);
      length = this.integerPrim();
    }
    this.expect(41);
    const data = limited(() => this.opts.readBinary?.(name, from), this.spanOf(pos));
    if (!data) this.fail(pos, `Couldn't open "${name}": No such file or directory`, 'FATAL ERROR');
    const start = Math.min(Number(offset), data.length);
    const end = length === -1 ? data.length : Math.min(data.length, start + Number(length));
    this.checkPropertyBytes(this.buf.length + end - start, pos); // before the copy
    this.buf.append(data.subarray(start, end));
  }

  // ---- integer expressions (all unsigned 64-bit, every operand evaluated)

  /** integer_prim: DT_LITERAL | DT_CHAR_LITERAL | '(' integer_expr ')' */
  private integerPrim(): U64 {
    const lx = this.lx;
    const t = this.tok();
    if (t === Tok.LITERAL || t === Tok.CHAR_LITERAL) {
      const v = lx.num;
      this.advance();
      return v;
    }
    if (t !== 40) this.syntaxError();
    this.advance();
    const v = this.integerExpr();
    this.expect(41);
    return v;
  }

  /** integer_trinary: integer_or ['?' integer_expr ':' integer_trinary] */
  private integerExpr(): U64 {
    this.enterExpr();
    const c = this.integerOr();
    let v = c;
    if (this.tok() === 63) {
      this.advance();
      const a = this.integerExpr();
      this.expect(58);
      const b = this.integerExpr();
      v = u.isTrue(c) ? a : b;
    }
    this.exprDepth--;
    return v;
  }

  /**
   * Expressions are parsed recursively; past this depth of parentheses, unary operators and
   * conditionals the answer is "memory exhausted" (dtc allows several thousand; nothing real
   * comes close to this limit).
   */
  private exprDepth = 0;
  private enterExpr(): void {
    if (++this.exprDepth > 256) this.fail(this.lx.tokenPos, 'memory exhausted (expression nested more than 256 deep)');
  }

  private integerOr(): U64 {
    let l = this.integerAnd();
    while (this.tok() === Tok.OR) {
      this.advance();
      const r = this.integerAnd();
      l = u.isTrue(l) || u.isTrue(r) ? 1 : 0;
    }
    return l;
  }

  private integerAnd(): U64 {
    let l = this.integerBitor();
    while (this.tok() === Tok.AND) {
      this.advance();
      const r = this.integerBitor();
      l = u.isTrue(l) && u.isTrue(r) ? 1 : 0;
    }
    return l;
  }

  private integerBitor(): U64 {
    let l = this.integerBitxor();
    while (this.tok() === 124) {
      this.advance();
      l = u.or(l, this.integerBitxor());
    }
    return l;
  }

  private integerBitxor(): U64 {
    let l = this.integerBitand();
    while (this.tok() === 94) {
      this.advance();
      l = u.xor(l, this.integerBitand());
    }
    return l;
  }

  private integerBitand(): U64 {
    let l = this.integerEq();
    while (this.tok() === 38) {
      this.advance();
      l = u.and(l, this.integerEq());
    }
    return l;
  }

  private integerEq(): U64 {
    let l = this.integerRela();
    for (;;) {
      const t = this.tok();
      if (t !== Tok.EQ && t !== Tok.NE) return l;
      this.advance();
      const r = this.integerRela();
      l = u.eq(l, r) === (t === Tok.EQ) ? 1 : 0;
    }
  }

  private integerRela(): U64 {
    let l = this.integerShift();
    for (;;) {
      const t = this.tok();
      if (t !== 60 && t !== 62 && t !== Tok.LE && t !== Tok.GE) return l;
      this.advance();
      const r = this.integerShift();
      if (t === 60) l = l < r ? 1 : 0;
      else if (t === 62) l = l > r ? 1 : 0;
      else if (t === Tok.LE) l = l <= r ? 1 : 0;
      else l = l >= r ? 1 : 0;
    }
  }

  private integerShift(): U64 {
    let l = this.integerAdd();
    for (;;) {
      const t = this.tok();
      if (t !== Tok.LSHIFT && t !== Tok.RSHIFT) return l;
      this.advance();
      const r = this.integerAdd();
      l = t === Tok.LSHIFT ? u.shl(l, r) : u.shr(l, r);
    }
  }

  private integerAdd(): U64 {
    let l = this.integerMul();
    for (;;) {
      const t = this.tok();
      if (t !== 43 && t !== 45) return l;
      this.advance();
      const r = this.integerMul();
      l = t === 43 ? u.add(l, r) : u.sub(l, r);
    }
  }

  private integerMul(): U64 {
    const pos = this.lx.tokenPos;
    let l = this.integerUnary();
    for (;;) {
      const t = this.tok();
      if (t !== 42 && t !== 47 && t !== 37) return l;
      this.advance();
      const r = this.integerUnary();
      if (t === 42) l = u.mul(l, r);
      else {
        if (!u.isTrue(r)) this.fail(pos, 'Division by zero');
        l = t === 47 ? u.div(l, r) : u.mod(l, r);
      }
    }
  }

  private integerUnary(): U64 {
    const t = this.tok();
    if (t !== 45 && t !== 126 && t !== 33) return this.integerPrim();
    this.enterExpr();
    this.advance();
    const v = this.integerUnary();
    this.exprDepth--;
    return t === 45 ? u.neg(v) : t === 126 ? u.not(v) : u.isTrue(v) ? 0 : 1;
  }
}

const EMPTY = new Uint8Array(0);

function isRefRelative(ref: string): boolean {
  return ref.charCodeAt(0) !== 47 && ref.indexOf('/', 1) >= 0;
}

/** Runs a file reader; a file over the size limit becomes an error at `at`. */
function limited<T>(read: () => T, at: Span): T {
  try {
    return read();
  } catch (e) {
    throw e instanceof LimitError ? new DtsError(at, e.message) : e;
  }
}
