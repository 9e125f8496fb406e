#!/usr/bin/env node
// Differential test of dtmap's built-in preprocessor against the real `cpp` (GCC), on kernel
// device trees. Not a unit test: it needs `cpp` and a Linux tree.
//
// Usage:
//   node scripts/cpp-diff.mjs [--linux DIR] [--bundle PP.mjs] [--show N] [--ext .dts,.dtsi,.h] [DIR_OR_FILE ...]
// Without --bundle, src/dts/preprocess/index.ts is bundled with esbuild into a temporary folder
// (removed once loaded).
//
// Default inputs: every .dts under <linux>/arch/{arm64,arm,riscv}/boot/dts (linux defaults to the
// corpus's kernel tree, CORPUS/linux: see scripts/corpus-dir.mjs). Both sides use the kernel's flags:
//   cpp -nostdinc -I <linux>/scripts/dtc/include-prefixes -undef -D__DTS__ -x assembler-with-cpp
// Comparison: cpp's line markers (`# N "file" ...`) are dropped, then both outputs are split into
// whitespace-separated words and the word sequences must be equal. That is stricter than "dtc lexes
// the same tokens": both sides print at most one space between tokens, exactly where GCC's
// avoid_paste rules put one. A file that cpp rejects must make preprocess() throw too.

import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { corpusDir } from './corpus-dir.mjs';

const args = process.argv.slice(2);
let linux = path.join(corpusDir(), 'linux');
let bundle = null;
let show = 10;
let exts = ['.dts'];
const inputs = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--linux') linux = args[++i];
  else if (args[i] === '--bundle') bundle = args[++i];
  else if (args[i] === '--show') show = Number(args[++i]);
  else if (args[i] === '--ext') exts = args[++i].split(',');
  else inputs.push(args[i]);
}
if (inputs.length === 0)
  for (const arch of ['arm64', 'arm', 'riscv']) inputs.push(path.join(linux, 'arch', arch, 'boot/dts'));

async function loadPreprocess() {
  if (bundle) return (await import(path.resolve(bundle))).preprocess;
  const { build } = await import('esbuild');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dtmap-cpp-diff-'));
  try {
    const outfile = path.join(dir, 'pp.mjs');
    const entry = path.join(path.dirname(fileURLToPath(import.meta.url)), '../src/dts/preprocess/index.ts');
    await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', outfile, logLevel: 'warning' });
    return (await import(outfile)).preprocess;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
const preprocess = await loadPreprocess();
const prefixes = path.join(linux, 'scripts/dtc/include-prefixes');

function collect(p, out) {
  const st = fs.statSync(p);
  if (st.isFile()) out.push(p);
  else
    for (const e of fs.readdirSync(p).sort()) {
      const q = path.join(p, e);
      if (fs.statSync(q).isDirectory()) collect(q, out);
      else if (exts.some((x) => e.endsWith(x))) out.push(q);
    }
  return out;
}
const files = inputs.flatMap((p) => collect(p, []));

const words = (text) => text.split(/\s+/).filter(Boolean);
const dropMarkers = (text) => text.replace(/^# \d+ "[^\n]*$/gm, '');

function runCpp(file) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    execFile(
      'cpp',
      ['-nostdinc', '-I', prefixes, '-undef', '-D__DTS__', '-x', 'assembler-with-cpp', file],
      { maxBuffer: 1 << 30 },
      (err, stdout, stderr) => resolve({ ok: !err, out: stdout, err: stderr, ms: performance.now() - t0 }),
    );
  });
}

const counts = { same: 0, bothFail: 0, differ: 0, oursFail: 0, cppFail: 0 };
const problems = [];
let oursMs = 0;
let cppMs = 0;
let next = 0;
async function worker() {
  while (next < files.length) {
    const file = files[next++];
    const cpp = await runCpp(file);
    cppMs += cpp.ms;
    let ours;
    const t0 = performance.now();
    try {
      ours = { ok: true, out: preprocess(file, { includeDirs: [prefixes] }).text };
    } catch (e) {
      ours = { ok: false, err: e.format ? e.format() : String(e.stack ?? e) };
    }
    oursMs += performance.now() - t0;
    if (!cpp.ok && !ours.ok) counts.bothFail++;
    else if (!ours.ok) {
      counts.oursFail++;
      problems.push(`${file}: ours failed: ${ours.err}`);
    } else if (!cpp.ok) {
      counts.cppFail++;
      problems.push(`${file}: cpp failed but ours passed: ${cpp.err.split('\n')[0]}`);
    } else {
      const a = words(dropMarkers(cpp.out));
      const b = words(ours.out);
      let i = 0;
      while (i < a.length && i < b.length && a[i] === b[i]) i++;
      if (i === a.length && i === b.length) counts.same++;
      else {
        counts.differ++;
        problems.push(
          `${file}: differs at word ${i}: cpp ${JSON.stringify(a.slice(Math.max(0, i - 3), i + 3))} ours ${JSON.stringify(b.slice(Math.max(0, i - 3), i + 3))}`,
        );
      }
    }
  }
}
await Promise.all(Array.from({ length: 4 }, worker));

for (const p of problems.slice(0, show)) console.log(p);
const agree = counts.same + counts.bothFail;
console.log(
  `${files.length} files: ${agree} agree (${counts.same} identical, ${counts.bothFail} rejected by both), ` +
    `${counts.differ} differ, ${counts.oursFail} fail only here, ${counts.cppFail} fail only in cpp`,
);
console.log(
  `time: cpp ${(cppMs / 1000).toFixed(1)} s (process per file, 4 parallel), ours ${(oursMs / 1000).toFixed(1)} s (in process, warm cache)`,
);
process.exitCode = agree === files.length ? 0 : 1;
