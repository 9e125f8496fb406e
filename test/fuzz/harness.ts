// Generated hostile inputs for every front end (DTS through the preprocessor and parser, DTB,
// overlays, live trees), run in-process through the same checkFile() the CLI runs on each file,
// then through both reporters. An input passes when the run ends with a report whose error, if
// any, is one clean line; anything thrown, any "internal error" or JS error name, any multi-line
// error is a crash. Seeds are the fixtures (including a real kernel board, fixtures/fuzz/kernel).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkFile, type FileCheckOptions } from '../../src/app/check-file.js';
import { formatJson } from '../../src/report/json.js';
import { formatPretty } from '../../src/report/pretty.js';
import { readDtb } from '../../src/dtb/read.js';
import type { Node } from '../../src/tree/model.js';
import { loadTree } from '../../src/app/input.js';
import { buildPicture } from '../../src/view/model.js';
import { formatText } from '../../src/view/text.js';
import { formatSvg } from '../../src/view/svg.js';
import { formatHtml } from '../../src/view/html.js';
import { translationTable } from '../../src/view/table.js';
import { LimitError } from '../../src/limits.js';

export type Target = 'dts' | 'dtb' | 'overlay' | 'live';

export interface Case {
  target: Target;
  /** What was done to the seed, for the reproducer. */
  steps: string[];
  seed: string;
  /** Input files, relative to the case folder; `main` is checked. */
  files: Map<string, string | Uint8Array>;
  main: string;
  overlays: string[];
  /** For live trees: a tree to write out as folders (the mutations are applied to it). */
  live?: Node;
}

export interface Finding {
  kind: 'crash' | 'slow';
  target: Target;
  message: string;
  /** Folder with the input files and case.json. */
  saved?: string;
}

export interface Totals {
  tried: number;
  byTarget: Record<Target, number>;
  clean: number;
  rejected: number;
  findings: Finding[];
}

// ---- random numbers ------------------------------------------------------------------------

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Rand {
  constructor(readonly next: () => number) {}
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  /** Mostly small, sometimes large: 1 .. max, log-uniform. */
  size(max: number): number {
    return Math.max(1, Math.floor(Math.exp(this.next() * Math.log(max))));
  }
}

// ---- seeds ---------------------------------------------------------------------------------

const ROOT = path.resolve(__dirname, '../..');
const FIXTURES = path.join(ROOT, 'fixtures');

interface Seeds {
  /** DTS-like text files, by fixture path, with the folder they live in. */
  texts: { name: string; dir: string; text: string }[];
  overlays: { name: string; dir: string; text: string }[];
  blobs: { name: string; bytes: Uint8Array }[];
  dtbos: { name: string; bytes: Uint8Array }[];
}

function walk(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

export function loadSeeds(): Seeds {
  const seeds: Seeds = { texts: [], overlays: [], blobs: [], dtbos: [] };
  for (const p of walk(FIXTURES).sort()) {
    const name = path.relative(ROOT, p);
    if (fs.statSync(p).size > 256 * 1024) continue;
    if (/\.(dts|dtsi)$/.test(p)) seeds.texts.push({ name, dir: path.dirname(p), text: fs.readFileSync(p, 'utf8') });
    else if (/\.dtso$/.test(p)) seeds.overlays.push({ name, dir: path.dirname(p), text: fs.readFileSync(p, 'utf8') });
    else if (/\.dtb$/.test(p)) seeds.blobs.push({ name, bytes: new Uint8Array(fs.readFileSync(p)) });
    else if (/\.dtbo$/.test(p)) seeds.dtbos.push({ name, bytes: new Uint8Array(fs.readFileSync(p)) });
  }
  return seeds;
}

// ---- text mutations ------------------------------------------------------------------------

const SNIPPETS = [
  '{',
  '}',
  ';',
  '<',
  '>',
  '[',
  ']',
  '"',
  "'",
  '(',
  ')',
  ',',
  '=',
  '&',
  '@',
  ':',
  '/',
  '\\',
  '\n',
  '\\\n',
  '\0',
  '/*',
  '*/',
  '//',
  '#',
  '##',
  '#define X',
  '#define F(a, ...) a ## __VA_ARGS__',
  '#undef X',
  '#if',
  '#if 1',
  '#else',
  '#endif',
  '#ifdef X',
  '#elif',
  '#include',
  '#include <',
  '#line 5 "x"',
  '#error no',
  '#pragma once',
  '__FILE__',
  '__LINE__',
  '/include/ "',
  '/incbin/(',
  '/dts-v1/;',
  '/plugin/;',
  '/memreserve/ 0 1;',
  '/bits/ 64 <',
  '/bits/ 8 <',
  '/bits/ 7 <',
  '/delete-node/ ',
  '/delete-property/ ',
  '/omit-if-no-ref/ ',
  '&{/',
  '&{/a/b}',
  'label:',
  '&label',
  'x: y: z:',
  '&',
  '0x',
  '0xffffffff',
  '0x100000000',
  '18446744073709551615',
  '18446744073709551616',
  '-1',
  '(1 << 63)',
  '(0 / 0)',
  '(1 % 0)',
  "'\\x'",
  "'ab'",
  '"\\',
  '"\\x"',
  '"\\777"',
  'é',
  '\u{1F600}',
  '\uD800',
  '\uFFFF',
  '\t',
  '\r',
  'iommu-map = <0 &smmu 0 0xffffffff>;',
  'msi-map = <0 &its 0xffffffff 0xffffffff>;',
  'iommu-map-mask = <0>;',
  'msi-map-mask = <0xffffffff>;',
  'bus-range = <0xff 0>;',
  'bus-range = <0 0xffffffff>;',
  '#iommu-cells = <0xffffffff>;',
  '#msi-cells = <5>;',
  'msi-controller;',
  'phandle = <0xffffffff>;',
  'phandle = <0>;',
  'linux,phandle = <1>;',
  'device_type = "pci";',
  'status = "disabled";',
  '#address-cells = <0xffffffff>;',
  '#size-cells = <3>;',
  'iommu-map = <0 0 0 1>;',
  'iommu-map = <>;',
  'msi-parent = <&its>;',
  'target = <0xffffffff>;',
  'target-path = "/x";',
  '__overlay__ {',
  'fragment@0 {',
  '__fixups__ {',
  '__local_fixups__ {',
  '__symbols__ {',
  'reg = <0 0 0 0>;',
];

const SPECIAL_NUMBERS = [
  '0',
  '1',
  '0xffffffff',
  '0x100000000',
  '0xffffffffffffffff',
  '0x10000000000000000',
  '99999999999999999999999',
  '0x7fffffff',
  '-1',
  '4294967295',
  '0x80000000',
];

/** The inflations: small enough in the quick run, up to the limits and past them in the long run. */
function inflate(r: Rand, text: string, big: boolean, selfName: string): [string, string] {
  const at = r.int(text.length + 1);
  const ins = (s: string) => text.slice(0, at) + s + text.slice(at);
  const max = big ? 200_000 : 300;
  switch (r.int(11)) {
    case 0: {
      const a = r.int(text.length + 1);
      const b = Math.min(text.length, a + r.size(200));
      const k = r.size(big ? 100_000 : 50);
      return [text.slice(0, b) + text.slice(a, b).repeat(k) + text.slice(b), `repeat span ${a}..${b} x${k}`];
    }
    case 1: {
      const d = r.size(max);
      return [ins('n {'.repeat(d) + 'p = <1>;' + '};'.repeat(d)), `nest nodes ${d} deep`];
    }
    case 2: {
      const d = r.size(max);
      return [ins('('.repeat(d) + '1' + ')'.repeat(d)), `nest parentheses ${d} deep`];
    }
    case 3: {
      const n = r.size(big ? 45 : 14);
      let defs = '#define Q0 x\n';
      for (let i = 1; i <= n; i++) defs += `#define Q${i} Q${i - 1} Q${i - 1}\n`;
      return [defs + ins(`Q${n}`), `doubling macro chain ${n} levels`];
    }
    case 4: {
      const n = r.size(big ? 5000 : 300);
      let defs = '#define C0 1\n';
      for (let i = 1; i <= n; i++) defs += `#define C${i} C${i - 1}\n`;
      return [defs + ins(`C${n}`), `linear macro chain ${n} long`];
    }
    case 5: {
      const f = r.pick(['F(', 'G(']); // F doubles at each level: past ~22 it stops at the expansion limit
      const d = Math.min(r.size(big ? 5000 : 300), f === 'F(' && !big ? 18 : Infinity);
      return [
        '#define F(x) x x\n#define G(x) x\n' + ins(f.repeat(d) + '1' + ')'.repeat(d)),
        `nested macro arguments ${d} deep`,
      ];
    }
    case 6: {
      const n = r.size(big ? 32 << 20 : 4096);
      return [ins(`"${'a'.repeat(n)}"`), `string of ${n} bytes`];
    }
    case 7:
      return [
        ins(r.pick([`#include "${selfName}"\n`, `/include/ "${selfName}"\n`, `p = /incbin/("${selfName}");`])),
        'the file includes itself',
      ];
    case 8: {
      const n = r.size(big ? 100_000 : 200);
      return [ins(Array.from({ length: n }, (_, i) => `l${i}: `).join('') + 'p;'), `${n} labels`];
    }
    case 9: {
      const n = r.size(big ? 2_000_000 : 2000);
      return [ins(`p = <${'0x1 '.repeat(n)}>;`), `${n} cells`];
    }
    default: {
      const n = r.size(big ? 5000 : 1500);
      const entries = Array.from(
        { length: n },
        (_, i) => `${i * 7} &${r.pick(['smmu', 'its', 'gic'])} ${i} ${r.pick([1, 7, 0x100, 0xffffffff])}`,
      ).join(' ');
      return [ins(`${r.pick(['iommu-map', 'msi-map'])} = <${entries}>;`), `map of ${n} entries`];
    }
  }
}

export function mutateText(
  r: Rand,
  text: string,
  big: boolean,
  selfName: string,
  other: () => string,
): [string, string[]] {
  const steps: string[] = [];
  const rounds = r.chance(0.4) ? 1 : 1 + r.int(4); // one light change often: more inputs reach the checks
  for (let k = 0; k < rounds; k++) {
    const at = r.int(text.length + 1);
    switch (r.int(10)) {
      case 0:
        text = text.slice(0, at) + r.pick(SNIPPETS) + text.slice(at + 1);
        steps.push(`replace char at ${at}`);
        break;
      case 1:
      case 2: {
        const s = r.pick(SNIPPETS);
        text = text.slice(0, at) + s + text.slice(at);
        steps.push(`insert ${JSON.stringify(s)} at ${at}`);
        break;
      }
      case 3: {
        const n = r.size(200);
        text = text.slice(0, at) + text.slice(at + n);
        steps.push(`delete ${n} at ${at}`);
        break;
      }
      case 4:
        text = text.slice(0, at);
        steps.push(`truncate at ${at}`);
        break;
      case 5: {
        const re = /\b(0x[0-9a-fA-F]+|\d+)\b/g;
        const all = [...text.matchAll(re)];
        if (all.length) {
          const m = r.pick(all);
          const v = r.pick(SPECIAL_NUMBERS);
          text = text.slice(0, m.index) + v + text.slice(m.index! + m[0].length);
          steps.push(`number at ${m.index} -> ${v}`);
        }
        break;
      }
      case 6: {
        const o = other();
        const a = r.int(o.length + 1);
        const chunk = o.slice(a, a + r.size(2000));
        text = text.slice(0, at) + chunk + text.slice(at);
        steps.push(`splice ${chunk.length} chars of another seed at ${at}`);
        break;
      }
      case 7: {
        const lines = text.split('\n');
        const i = r.int(lines.length);
        const j = r.int(lines.length);
        [lines[i], lines[j]] = [lines[j]!, lines[i]!];
        text = lines.join('\n');
        steps.push(`swap lines ${i} ${j}`);
        break;
      }
      default: {
        const [t, step] = inflate(r, text, big, selfName);
        text = t;
        steps.push(step);
      }
    }
  }
  return [text, steps];
}

// ---- binary mutations ----------------------------------------------------------------------

const SPECIAL_U32 = [0, 1, 2, 3, 4, 9, 0x10, 0x11, 0xd00dfeed, 0x7fffffff, 0x80000000, 0xfffffffc, 0xffffffff];

export function mutateBytes(r: Rand, input: Uint8Array): [Uint8Array, string[]] {
  let b: Uint8Array = new Uint8Array(input);
  const steps: string[] = [];
  const rounds = 1 + r.int(4);
  const setU32 = (o: number, v: number) => {
    if (o + 4 <= b.length) new DataView(b.buffer, b.byteOffset).setUint32(o, v >>> 0);
  };
  for (let k = 0; k < rounds; k++) {
    const at = r.int(b.length + 1);
    switch (r.int(8)) {
      case 0:
        if (at < b.length) b[at] = r.int(256);
        steps.push(`byte at ${at}`);
        break;
      case 1: {
        const o = at & ~3;
        const v = r.chance(0.7) ? r.pick(SPECIAL_U32) : r.int(0x100000000);
        setU32(o, v);
        steps.push(`u32 at ${o} = ${v}`);
        break;
      }
      case 2: {
        const o = 4 * (1 + r.int(9)); // a header field
        const v = r.chance(0.5) ? r.pick(SPECIAL_U32) : r.int(b.length + 64);
        setU32(o, v);
        steps.push(`header ${o} = ${v}`);
        break;
      }
      case 3:
        b = b.slice(0, at);
        steps.push(`truncate at ${at}`);
        break;
      case 4: {
        // repeat a 4-aligned span and grow totalsize and the struct size to match
        const a = at & ~3;
        const n = 4 * r.size(64);
        const k2 = r.size(200);
        const span = b.slice(a, a + n);
        const out = new Uint8Array(b.length + span.length * k2);
        out.set(b.subarray(0, a));
        for (let i = 0; i < k2; i++) out.set(span, a + i * span.length);
        out.set(b.subarray(a), a + span.length * k2);
        b = out;
        setU32(4, b.length);
        if (b.length >= 40) setU32(36, new DataView(b.buffer).getUint32(36) + span.length * k2);
        steps.push(`repeat ${n} bytes at ${a} x${k2}`);
        break;
      }
      case 5: {
        const n = r.size(256);
        b = Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + n)]);
        steps.push(`delete ${n} at ${at}`);
        break;
      }
      case 6: {
        // an FDT token stream spliced in: deep nesting, props with huge lengths
        const words: number[] = [];
        const d = r.size(3000);
        for (let i = 0; i < d; i++) words.push(1, 0x61000000);
        if (r.chance(0.5)) words.push(3, r.pick(SPECIAL_U32), r.pick([0, 4, 0xffffffff]));
        const o = at & ~3;
        const ins = new Uint8Array(words.length * 4);
        words.forEach((w, i) => new DataView(ins.buffer).setUint32(i * 4, w >>> 0));
        b = Uint8Array.from([...b.subarray(0, o), ...ins, ...b.subarray(o)]);
        setU32(4, b.length);
        steps.push(`FDT tokens (${d} nodes) at ${o}`);
        break;
      }
      default:
        for (let i = 0; i < 8 && b.length; i++) b[r.int(b.length)] ^= 1 << r.int(8);
        steps.push('flip 8 bits');
    }
  }
  return [b, steps];
}

// ---- making cases --------------------------------------------------------------------------

export function makeCase(r: Rand, seeds: Seeds, big: boolean, n: number): Case {
  const target: Target = r.pick(['dts', 'dts', 'dts', 'dtb', 'dtb', 'overlay', 'live']);
  const name = `in${n}`;
  const other = () => r.pick(seeds.texts).text;
  if (target === 'dts') {
    const s = r.pick(seeds.texts);
    const main = `${name}.dts`;
    const [text, steps] = mutateText(r, s.text, big, main, other);
    const files = new Map<string, string | Uint8Array>([[main, text]]);
    return { target, steps, seed: s.name, files, main, overlays: [] };
  }
  if (target === 'dtb') {
    const s = r.pick(seeds.blobs);
    const [bytes, steps] = mutateBytes(r, s.bytes);
    return { target, steps, seed: s.name, files: new Map([[`${name}.dtb`, bytes]]), main: `${name}.dtb`, overlays: [] };
  }
  if (target === 'overlay') {
    const base = r.pick(seeds.blobs.filter((b) => b.name.includes('overlay/base')));
    const files = new Map<string, string | Uint8Array>([[`${name}.base.dtb`, base.bytes]]);
    let steps: string[];
    let seed: string;
    let ov: string;
    if (r.chance(0.5)) {
      const s = r.pick(seeds.overlays);
      ov = `${name}.dtso`;
      let text: string;
      [text, steps] = mutateText(r, s.text, big, ov, () => r.pick(seeds.overlays).text);
      files.set(ov, text);
      seed = s.name;
    } else {
      const s = r.pick(seeds.dtbos);
      ov = `${name}.dtbo`;
      let bytes: Uint8Array;
      [bytes, steps] = mutateBytes(r, s.bytes);
      files.set(ov, bytes);
      seed = s.name;
    }
    return { target, steps, seed: `${base.name} + ${seed}`, files, main: `${name}.base.dtb`, overlays: [ov] };
  }
  const s = r.pick(seeds.blobs);
  const root = readDtb(s.bytes, s.name).root;
  const steps = mutateNode(r, root);
  return { target, steps, seed: s.name, files: new Map(), main: name, overlays: [], live: root };
}

/** Live-tree mutations on the model before it is written out as folders. */
function mutateNode(r: Rand, root: Node): string[] {
  const all: Node[] = [];
  const visit = (n: Node) => {
    all.push(n);
    for (const c of n.children) visit(c);
  };
  visit(root);
  const steps: string[] = [];
  for (let k = 1 + r.int(3); k > 0; k--) {
    const n = r.pick(all);
    const p = n.props.length ? r.pick(n.props) : undefined;
    switch (r.int(4)) {
      case 0:
        if (p) {
          const v = new Uint8Array(p.value);
          for (let i = 0; i < 4 && v.length; i++) v[r.int(v.length)] = r.int(256);
          (p as { value: Uint8Array }).value = v;
          steps.push(`bytes of ${n.path}/${p.name}`);
        }
        break;
      case 1:
        if (p) {
          (p as { value: Uint8Array }).value = p.value.subarray(0, r.int(p.value.length + 1));
          steps.push(`truncate ${n.path}/${p.name}`);
        }
        break;
      case 2:
        steps.push(`symlink loop under ${n.path}`);
        (n as unknown as { loop?: boolean }).loop = true;
        break;
      default:
        steps.push(`drop the properties of ${n.path}`);
        n.props.length = 0;
    }
  }
  return steps;
}

// ---- running -------------------------------------------------------------------------------

const OPTS: FileCheckOptions = { kernel: 'classic', rules: {}, include: [], define: {} };
const JS_ERROR =
  /\b(TypeError|RangeError|ReferenceError|SyntaxError|EvalError|URIError|AggregateError|InternalError)\b|\n\s+at |internal error/;

/** Writes a node as a folder; a name a folder cannot hold, or one taken already, is left out. */
function writeLive(dir: string, n: Node): void {
  fs.mkdirSync(dir);
  const usable = (name: string) =>
    name !== '' &&
    name !== '.' &&
    name !== '..' &&
    !name.includes('/') &&
    !name.includes('\0') &&
    !fs.existsSync(path.join(dir, name));
  for (const c of n.children) if (usable(c.name)) writeLive(path.join(dir, c.name), c);
  for (const p of n.props) if (usable(p.name)) fs.writeFileSync(path.join(dir, p.name), p.value);
  if ((n as unknown as { loop?: boolean }).loop && usable('loop')) fs.symlinkSync('.', path.join(dir, 'loop'));
}

/** Writes the input files of a case into `dir`. */
export function writeCase(c: Case, dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, data] of c.files) fs.writeFileSync(path.join(dir, name), data);
  if (c.live) writeLive(path.join(dir, c.main), c.live);
}

/** Include folders for the cases: every seed's own folder (its .dtsi and headers). */
export function seedFolders(seeds: Seeds): string[] {
  return [...new Set([...seeds.texts, ...seeds.overlays].map((s) => s.dir))];
}

export { Rand };

/**
 * Writes the case into `dir` and checks it: `problem` is null when it passed, else what went
 * wrong; `error` is the clean one-line error of an input that was rejected.
 */
export async function runCase(
  c: Case,
  dir: string,
  seedsDir: Map<string, string>,
): Promise<{ problem: string | null; error: string | null }> {
  writeCase(c, dir);
  // includes resolve next to the seed (its .dtsi and headers) and in the kernel seed's folder
  const include = [...new Set([...seedsDir.values()])];
  const opts: FileCheckOptions = {
    ...OPTS,
    include,
    overlays: c.overlays.map((o) => path.join(dir, o)),
    live: c.target === 'live',
  };
  let problem: string | null = null;
  let error: string | null = null;
  try {
    const report = await checkFile(path.join(dir, c.main), opts);
    error = report.error;
    if (error !== null && (error.includes('\n') || JS_ERROR.test(error))) problem = error;
    formatJson([report]);
    formatPretty([report]);
    if (report.error === null && report.maps.length) {
      // what `dtmap map` (text, SVG, HTML) and `dtmap query --all` do with the tree, both forms
      const t = await loadTree(path.join(dir, c.main), {
        include,
        overlays: opts.overlays,
        live: opts.live,
      });
      for (const form of ['classic', 'mainline'] as const) {
        const p = buildPicture(t, form);
        formatText(p);
        formatSvg(p);
        formatHtml(p, t);
        translationTable(t, form);
      }
    }
  } catch (e) {
    if (e instanceof LimitError) return { problem: null, error: e.message };
    problem = e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e);
  }
  return { problem, error };
}

export interface FuzzOptions {
  seed: number;
  /** Stop after this many inputs... */
  count?: number;
  /** ...or after this many seconds. */
  seconds?: number;
  /** Share of inputs inflated towards and past the limits (slow: seconds each). */
  big?: number;
  /** Where reproducers go (created on the first finding); none when undefined. */
  saveDir?: string;
  /** Scratch folder for the inputs (emptied after each one). */
  workDir: string;
  /** An input that takes more CPU time than this is a finding (CPU, not wall: the machine may be busy). */
  slowMs?: number;
  onProgress?: (t: Totals) => void;
}

export async function fuzz(o: FuzzOptions): Promise<Totals> {
  const seeds = loadSeeds();
  const seedDirs = new Map<string, string>();
  for (const s of [...seeds.texts, ...seeds.overlays]) seedDirs.set(s.dir, s.dir);
  const r = new Rand(rng(o.seed));
  const totals: Totals = {
    tried: 0,
    byTarget: { dts: 0, dtb: 0, overlay: 0, live: 0 },
    clean: 0,
    rejected: 0,
    findings: [],
  };
  const until = o.seconds === undefined ? Infinity : Date.now() + o.seconds * 1000;
  const slowMs = o.slowMs ?? 20_000;
  for (let n = 0; (o.count === undefined || n < o.count) && Date.now() < until; n++) {
    const c = makeCase(r, seeds, r.chance(o.big ?? 0), n);
    const dir = path.join(o.workDir, `case${n}`);
    const t0 = process.cpuUsage();
    const { problem, error } = await runCase(c, dir, seedDirs);
    const cpu = process.cpuUsage(t0);
    const ms = Math.round((cpu.user + cpu.system) / 1000);
    totals.tried++;
    totals.byTarget[c.target]++;
    const finding: Finding | null =
      problem !== null
        ? { kind: 'crash', target: c.target, message: problem.split('\n').slice(0, 3).join(' | ').slice(0, 300) }
        : ms > slowMs
          ? { kind: 'slow', target: c.target, message: `${ms} ms of CPU` }
          : null;
    if (finding) {
      if (o.saveDir) {
        finding.saved = path.join(o.saveDir, `seed${o.seed}-case${n}`);
        fs.mkdirSync(o.saveDir, { recursive: true });
        fs.cpSync(dir, finding.saved, { recursive: true, verbatimSymlinks: true });
        fs.writeFileSync(
          path.join(finding.saved, 'case.json'),
          JSON.stringify(
            {
              target: c.target,
              seed: c.seed,
              steps: c.steps,
              main: c.main,
              overlays: c.overlays,
              finding: problem ?? `${ms} ms of CPU`,
            },
            null,
            2,
          ),
        );
      }
      totals.findings.push(finding);
    } else if (error === null) totals.clean++;
    else totals.rejected++;
    fs.rmSync(dir, { recursive: true, force: true });
    if (n % 100 === 99) o.onProgress?.(totals);
  }
  return totals;
}
