#!/usr/bin/env node
// npm run corpus -- [DIR] [ARCH...] [--jobs N] [--time-dtc] [--show N] [--filter SUBSTR]
//
// Compiles every board .dts of a kernel corpus built by scripts/kernel-corpus.sh (DIR, default
// $DTMAP_CORPUS, else corpus/ at the top of the repository; DIR/linux: sources,
// DIR/dtb/ARCH: the blobs that cpp + dtc made, DIR/dtb/compiler-of.txt: boards built by the
// kernel's dtc 1.7) with dtmap's own preprocessor and DTS parser, writes the blob with `-b 0`
// like the kernel, and compares it byte for byte with the reference. On a mismatch it names the
// first node or property that differs (both blobs read back with readDtb).
// Prints per architecture: identical / differ / failed, and the time taken; with --time-dtc also
// the time `cpp | dtc` takes for the same boards with the same number of jobs.
//
// The library comes from ../dist/index.js (npm run build), or from $DTMAP_LIB.

import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { corpusDir } from './corpus-dir.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const libUrl = process.env.DTMAP_LIB
  ? pathToFileURL(path.resolve(process.env.DTMAP_LIB)).href
  : pathToFileURL(path.join(here, '../dist/index.js')).href;

async function main() {
  const args = process.argv.slice(2);
  const opt = { jobs: Math.max(1, cpus().length), timeDtc: false, show: 20, filter: '' };
  const positional = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--jobs' || a === '-j') opt.jobs = Number(args[++i]);
    else if (a === '--time-dtc') opt.timeDtc = true;
    else if (a === '--show') opt.show = Number(args[++i]);
    else if (a === '--filter') opt.filter = args[++i];
    else if (a === '-h' || a === '--help') {
      console.log('usage: npm run corpus -- [DIR] [ARCH...] [--jobs N] [--time-dtc] [--show N] [--filter SUBSTR]');
      return;
    } else positional.push(a);
  }
  // DIR is optional: a first argument that is not a directory is an ARCH.
  const dir =
    positional.length && existsSync(positional[0]) && statSync(positional[0]).isDirectory()
      ? positional.shift()
      : corpusDir();
  const archList = positional;
  const root = path.resolve(dir);
  const linux = path.join(root, 'linux');
  const prefixes = path.join(linux, 'scripts/dtc/include-prefixes');
  if (!existsSync(prefixes)) {
    console.error(
      `${linux}: no kernel tree (expected scripts/dtc/include-prefixes); build it with scripts/kernel-corpus.sh`,
    );
    process.exit(2);
  }
  const arches = archList.length ? archList : ['arm64'];
  const compilerOf = new Map();
  const cof = path.join(root, 'dtb/compiler-of.txt');
  if (existsSync(cof)) {
    for (const line of readFileSync(cof, 'utf8').split('\n')) {
      const [rel, tool] = line.trim().split(/\s+/);
      if (rel) compilerOf.set(rel, tool);
    }
  }

  let exitCode = 0;
  const totals = [];
  const pool = new Pool(opt.jobs, { prefixes });
  for (const arch of arches) {
    const dtsRoot = path.join(linux, 'arch', arch, 'boot/dts');
    if (!existsSync(dtsRoot)) {
      console.error(`${arch}: no ${dtsRoot}`);
      exitCode = 2;
      continue;
    }
    const boards = findDts(dtsRoot)
      .filter((f) => !opt.filter || path.relative(dtsRoot, f).includes(opt.filter))
      .map((f) => {
        const rel = path.relative(dtsRoot, f).replace(/\.dts$/, '.dtb');
        return { file: f, dtb: path.join(root, 'dtb', arch, rel), key: `${arch}/${rel}` };
      });
    const withRef = boards.filter((b) => existsSync(b.dtb));
    const noRef = boards.length - withRef.length;

    const t0 = performance.now();
    const results = await pool.run(withRef);
    const seconds = (performance.now() - t0) / 1000;

    const identical = results.filter((r) => r.status === 'identical').length;
    const differ = results.filter((r) => r.status === 'differ');
    const failed = results.filter((r) => r.status === 'failed');
    const shown = [...failed, ...differ].slice(0, opt.show);
    for (const r of shown) {
      const via = compilerOf.get(r.key) ? ` [reference built by ${compilerOf.get(r.key)}]` : '';
      console.log(`${r.status === 'failed' ? 'FAILED' : 'DIFFER'} ${r.key}${via}: ${r.detail}`);
    }
    if (failed.length + differ.length > shown.length)
      console.log(`... and ${failed.length + differ.length - shown.length} more`);

    let dtcSeconds;
    if (opt.timeDtc) dtcSeconds = await timeDtc(withRef, opt.jobs, linux);
    const kernel17 = withRef.filter((b) => compilerOf.has(b.key)).length;
    const line = [
      `${arch}: ${identical}/${withRef.length} identical, ${differ.length} differ, ${failed.length} failed`,
      noRef ? `${noRef} without a reference DTB (skipped)` : '',
      kernel17 ? `${kernel17} compared against dtc 1.7.0` : '',
      `${seconds.toFixed(1)} s with ${opt.jobs} jobs (${((seconds * 1000 * opt.jobs) / Math.max(1, withRef.length)).toFixed(1)} ms/board/job)`,
      dtcSeconds !== undefined ? `cpp+dtc ${dtcSeconds.toFixed(1)} s (${(dtcSeconds / seconds).toFixed(1)}x)` : '',
    ]
      .filter(Boolean)
      .join('; ');
    totals.push(line);
    if (differ.length || failed.length) exitCode = Math.max(exitCode, 1);
  }
  pool.close();
  console.log('');
  for (const t of totals) console.log(t);
  process.exit(exitCode);
}

function findDts(dir) {
  const out = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.dts')) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

/** `jobs` worker threads, kept for all architectures (each keeps its header cache warm). */
class Pool {
  constructor(jobs, shared) {
    this.workers = [];
    this.idle = [];
    this.queue = [];
    for (let i = 0; i < jobs; i++) {
      // a large young generation: each board's garbage dies young instead of being promoted
      const w = new Worker(fileURLToPath(import.meta.url), {
        workerData: { libUrl, ...shared },
        resourceLimits: { maxYoungGenerationSizeMb: 192 },
      });
      w.on('message', (msg) => {
        const job = w.job;
        w.job = undefined;
        for (const r of msg) job.results[r.index] = r;
        job.done += msg.length;
        this.idle.push(w);
        this.pump();
      });
      w.on('error', (e) => {
        for (const j of this.queue) j.reject(e);
        w.job?.reject(e);
      });
      this.workers.push(w);
      this.idle.push(w);
    }
  }

  /** Compares the boards, a few per message; resolves with one result per board. */
  run(boards) {
    return new Promise((resolve, reject) => {
      if (!boards.length) return resolve([]);
      const job = { boards, next: 0, done: 0, results: new Array(boards.length), resolve, reject };
      this.queue.push(job);
      this.pump();
    });
  }

  pump() {
    while (this.queue.length && this.idle.length) {
      const job = this.queue[0];
      if (job.next >= job.boards.length) {
        if (job.done === job.boards.length) {
          this.queue.shift();
          job.resolve(job.results);
          continue;
        }
        return;
      }
      const w = this.idle.pop();
      const items = [];
      for (let k = 0; k < 4 && job.next < job.boards.length; k++, job.next++)
        items.push({ index: job.next, ...job.boards[job.next] });
      w.job = job;
      w.postMessage(items);
    }
    const job = this.queue[0];
    if (job && job.next >= job.boards.length && job.done === job.boards.length) {
      this.queue.shift();
      job.resolve(job.results);
    }
  }

  close() {
    for (const w of this.workers) w.postMessage(null);
  }
}

async function worker() {
  const lib = await import(workerData.libUrl);
  const { readDts, writeDtb, readDtb } = lib;
  parentPort.on('message', (items) => {
    if (items === null) {
      parentPort.close();
      return;
    }
    const out = [];
    for (const b of items) {
      let result;
      try {
        const tree = readDts(b.file, { includeDirs: [workerData.prefixes] });
        const ours = writeDtb(tree, { bootCpuidPhys: 0 });
        const ref = new Uint8Array(readFileSync(b.dtb));
        if (equal(ours, ref)) result = { status: 'identical' };
        else result = { status: 'differ', detail: firstDifference(readDtb, ours, ref) };
      } catch (e) {
        result = { status: 'failed', detail: typeof e?.format === 'function' ? e.format() : String(e?.stack ?? e) };
      }
      out.push({ index: b.index, key: b.key, ...result });
    }
    parentPort.postMessage(out);
  });
}

function equal(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The first node or property (in blob order) that differs, or what else differs. */
function firstDifference(readDtb, ours, ref) {
  let a;
  let b;
  try {
    a = readDtb(ours, 'dtmap');
  } catch (e) {
    return `dtmap's blob does not read back: ${e.message}`;
  }
  b = readDtb(ref, 'dtc');
  const hex = (v) =>
    Buffer.from(v)
      .toString('hex')
      .replace(/(.{8})/g, '$1 ')
      .trim();
  const cut = (s) => (s.length > 120 ? `${s.slice(0, 120)}...` : s);
  const walk = (x, y) => {
    const path = x.path;
    for (let i = 0; i < Math.max(x.props.length, y.props.length); i++) {
      const p = x.props[i];
      const q = y.props[i];
      if (!p) return `${path}: dtc has extra property ${q.name} = <${cut(hex(q.value))}>`;
      if (!q) return `${path}: dtmap has extra property ${p.name} = <${cut(hex(p.value))}>`;
      if (p.name !== q.name) return `${path}: property #${i} is ${p.name} in dtmap, ${q.name} in dtc`;
      if (!equal(p.value, q.value))
        return `${path}:${p.name}: dtmap <${cut(hex(p.value))}>, dtc <${cut(hex(q.value))}>`;
    }
    for (let i = 0; i < Math.max(x.children.length, y.children.length); i++) {
      const c = x.children[i];
      const d = y.children[i];
      if (!c) return `${path}: dtc has extra child ${d.name}`;
      if (!d) return `${path}: dtmap has extra child ${c.name}`;
      if (c.name !== d.name) return `${path}: child #${i} is ${c.name} in dtmap, ${d.name} in dtc`;
      const r = walk(c, d);
      if (r) return r;
    }
    return undefined;
  };
  const r = walk(a.root, b.root);
  if (r) return r;
  if (
    a.memreserves.length !== b.memreserves.length ||
    a.memreserves.some((m, i) => m.address !== b.memreserves[i].address || m.size !== b.memreserves[i].size)
  ) {
    return `memory reservations differ`;
  }
  if (a.bootCpuidPhys !== b.bootCpuidPhys) return `boot_cpuid_phys ${a.bootCpuidPhys} vs ${b.bootCpuidPhys}`;
  return `same tree, different bytes (sizes ${ours.length} vs ${ref.length}; strings block layout?)`;
}

/** Wall time of `cpp | dtc` (the kernel's flags) over the boards, `jobs` at a time. */
async function timeDtc(boards, jobs, linux) {
  const tmp = path.join(tmpdir(), `dtmap-corpus-${process.pid}.dtb`);
  const run = (b, slot) =>
    new Promise((resolve) => {
      const rel = path.relative(linux, b.file);
      const cmd =
        `cpp -nostdinc -I scripts/dtc/include-prefixes -undef -D__DTS__ -x assembler-with-cpp ${JSON.stringify(rel)} | ` +
        `dtc -q -I dts -O dtb -b 0 -i ${JSON.stringify(path.dirname(rel))} -i scripts/dtc/include-prefixes ` +
        `-o ${JSON.stringify(`${tmp}.${slot}`)} -`;
      execFile('/bin/sh', ['-c', cmd], { cwd: linux }, () => resolve());
    });
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: jobs }, async (_, slot) => {
      while (next < boards.length) await run(boards[next++], slot);
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  for (let slot = 0; slot < jobs; slot++) {
    try {
      if (statSync(`${tmp}.${slot}`)) (await import('node:fs')).rmSync(`${tmp}.${slot}`);
    } catch {
      // never written
    }
  }
  return seconds;
}

if (isMainThread) await main();
else await worker();
