#!/usr/bin/env node
// node scripts/same-output.mjs [--base REV | --base-outputs DIR] [--head REV | --worktree]
//                              [--keep DIR] [--show N] [--spawn]
//
// Proof that a change kept dtmap's behaviour: builds two versions of dtmap and runs both on the
// kernel corpus ($DTMAP_CORPUS, else corpus/: scripts/corpus-dir.mjs), then compares stdout,
// stderr and exit code of every run byte for byte. Exit 0 only when all are identical, 1 when
// any differ, 2 when it could not run.
//
//   base   REV (default: the merge-base of HEAD and main), checked out with `git worktree add`
//          into a temp dir, node_modules linked from this checkout's, `scripts/build.mjs --no-types`
//          (scripts/build-rev.mjs)
//   head   --worktree (default): this checkout, rebuilt the same way; or --head REV, like base
//
// The runs, each group one line of the summary (a DTB path is relative to the corpus, a board's
// to corpus/linux, so the outputs name no machine path):
//   check-dtb   one `check --reader all --format json --jobs 2 dtb/arm64 dtb/arm dtb/riscv`
//   check-dts   one `check --reader all --format json --jobs 2 'arch/arm64/boot/dts/**/*.dts'`
//               in corpus/linux, as the README checks the boards of a kernel tree
//   query       `query --reader all --format json FILE RIDS` on every DTB (a DTB with no map,
//               or with several, answers with its error and exit 2: that is recorded too)
//   query-node  the same with `--node NODE` for each map node of a DTB with several
//   query-all   `query --reader all --format json --all FILE` on every DTB with a map: the
//               whole table of each map node (the RID list cannot hold the whole space:
//               00:00.0-ff:1f.7 prints 300 MB per bridge)
// RIDS is the fixed list below; the map nodes are those of the base's check-dtb output. The
// queries run two at a time, in two processes of scripts/run-many.cjs (the CLI loaded afresh for
// each run: a Node start-up per query would cost 8 times the CPU), or with --spawn each in a
// process of its own. Nothing is normalised: `check --format json` carries no run time (only
// the pretty summary does) and nothing else that varies between runs.
//
// --base-outputs DIR keeps the base's outputs in DIR and reuses them when DIR already holds
// them (the base is then not built; --base, if given, must name the same commit). --keep DIR
// keeps every output (DIR/base, DIR/head) instead of removing the temp dir. --show N: how many
// differences to print (default 5).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build, checkoutRev, commitOf, git, repo } from './build-rev.mjs';
import { corpusDir } from './corpus-dir.mjs';

const RIDS = ['00:00.0', '00:01.0', '00:02.0', '01:00.0', '02:00.0', '0x1ff', '10:00.0', '80:00.0', 'ff:1f.7'];
RIDS.push('00:1f.4-01:00.3'); // a range across a bus boundary
const JOBS = 2;

function usage(msg) {
  if (msg) console.error(`same-output: ${msg}`);
  console.error(
    'usage: node scripts/same-output.mjs [--base REV | --base-outputs DIR] [--head REV | --worktree] [--keep DIR] [--show N] [--spawn]',
  );
  process.exit(2);
}

const opt = { base: undefined, head: undefined, baseOutputs: undefined, keep: undefined, show: 5, spawn: false };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  const value = () => process.argv[++i] ?? usage(`${a} needs a value`);
  if (a === '--base') opt.base = value();
  else if (a === '--head') opt.head = value();
  else if (a === '--worktree') opt.head = undefined;
  else if (a === '--base-outputs') opt.baseOutputs = path.resolve(value());
  else if (a === '--keep') opt.keep = path.resolve(value());
  else if (a === '--show') opt.show = Number(value());
  else if (a === '--spawn') opt.spawn = true;
  else if (a === '-h' || a === '--help') usage();
  else usage(`unknown argument ${a}`);
}

const corpus = corpusDir();
const linux = path.join(corpus, 'linux');
const dtbRoots = ['dtb/arm64', 'dtb/arm', 'dtb/riscv'];
for (const d of [...dtbRoots, 'linux/arch/arm64/boot/dts'])
  if (!existsSync(path.join(corpus, d))) usage(`no ${d} in the corpus ${corpus} (set DTMAP_CORPUS)`);

const commit = (rev) => commitOf(rev) ?? usage(`${rev}: not a commit`);
/** What the outputs depend on besides the build: a stored base is reused only for the same recipe. */
const recipe = { rids: RIDS, dtb: dtbRoots, groups: ['check-dtb', 'check-dts', 'query', 'query-node', 'query-all'] };
let stored;
if (opt.baseOutputs && existsSync(path.join(opt.baseOutputs, 'manifest.json'))) {
  stored = JSON.parse(readFileSync(path.join(opt.baseOutputs, 'manifest.json'), 'utf8'));
  if (JSON.stringify(stored.recipe) !== JSON.stringify(recipe))
    usage(`${opt.baseOutputs} was recorded with other commands (an older script): remove it to record again`);
  if (opt.base && commit(opt.base) !== stored.commit)
    usage(`${opt.baseOutputs} holds the outputs of ${stored.commit.slice(0, 7)}, not of ${opt.base}`);
} else if (opt.baseOutputs && existsSync(opt.baseOutputs) && readdirSync(opt.baseOutputs).length) {
  usage(`${opt.baseOutputs} is neither empty nor a record of base outputs (no manifest.json)`);
}
const baseCommit = stored?.commit ?? commit(opt.base ?? git('merge-base', 'HEAD', 'main'));
const headCommit = opt.head ? commit(opt.head) : undefined;

const tmp = mkdtempSync(path.join(tmpdir(), 'dtmap-same-output-'));
const checkouts = [];
process.on('exit', () => {
  for (const c of checkouts) c.remove();
  rmSync(tmp, { recursive: true, force: true });
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(2));

const started = performance.now();
const secs = (t) => `${((performance.now() - t) / 1000).toFixed(1)} s`;

/** REV checked out in the temp dir and built: its bin/dtmap.cjs. */
function checkout(name, rev) {
  const c = checkoutRev(rev, path.join(tmp, name));
  checkouts.push(c);
  console.log(`${name}: ${rev.slice(0, 7)} built in ${c.seconds.toFixed(1)} s`);
  return c.bin;
}

/** One run of dtmap: stdout, stderr and exit code (a signal is recorded as its name). */
function run(bin, cwd, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (b) => out.push(b));
    child.stderr.on('data', (b) => err.push(b));
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({ out: Buffer.concat(out), err: Buffer.concat(err), rc: `${code ?? signal}\n` }),
    );
  });
}

const outDir = opt.keep ?? path.join(tmp, 'outputs');
const caseFile = (side, c, ext) => path.join(side, c.group, `${c.key}.${ext}`);
const read = (side, c) => ({
  out: readFileSync(caseFile(side, c, 'out')),
  err: readFileSync(caseFile(side, c, 'err')),
  rc: readFileSync(caseFile(side, c, 'rc'), 'utf8'),
});

/** Runs the cases `jobs` at a time, each run's three outputs written under `side`. */
async function runAll(bin, side, cases, jobs) {
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const c = cases[next++];
      const r = await run(bin, c.cwd, c.args);
      mkdirSync(path.dirname(caseFile(side, c, 'out')), { recursive: true });
      await Promise.all(['out', 'err', 'rc'].map((ext) => writeFile(caseFile(side, c, ext), r[ext])));
    }
  };
  await Promise.all(Array.from({ length: jobs }, worker));
}

let lists = 0;
/**
 * Runs the cases in JOBS processes of scripts/run-many.cjs (the CLI afresh for each case, in one
 * process); a case left without an exit code there runs again in a process of its own.
 */
async function runMany(bin, side, cases) {
  for (const c of cases) mkdirSync(path.dirname(caseFile(side, c, 'out')), { recursive: true });
  const share = (k) => cases.filter((_, i) => i % JOBS === k);
  await Promise.all(
    Array.from({ length: JOBS }, async (_, k) => {
      const list = path.join(tmp, `runs-${lists++}.json`);
      const runs = share(k).map((c) => ({
        cwd: c.cwd,
        args: c.args,
        ...Object.fromEntries(['out', 'err', 'rc'].map((ext) => [ext, caseFile(side, c, ext)])),
      }));
      await writeFile(list, JSON.stringify(runs));
      const r = await run(path.join(repo, 'scripts', 'run-many.cjs'), repo, [bin, list]);
      if (r.rc !== '0\n') console.error(`run-many.cjs: exit ${r.rc.trim()}\n${r.err.toString('utf8').slice(0, 2000)}`);
    }),
  );
  const left = cases.filter((c) => !existsSync(caseFile(side, c, 'rc')));
  if (left.length) {
    console.log(`${left.length} queries ended outside the CLI in run-many.cjs: run again each in its own process`);
    await runAll(bin, side, left, JOBS);
  }
}

const checkCases = [
  {
    group: 'check-dtb',
    key: 'all',
    cwd: corpus,
    args: ['check', '--reader', 'all', '--format', 'json', '--jobs', '2', ...dtbRoots],
  },
  {
    group: 'check-dts',
    key: 'all',
    cwd: linux,
    args: ['check', '--reader', 'all', '--format', 'json', '--jobs', '2', 'arch/arm64/boot/dts/**/*.dts'],
  },
];

/** The query runs, from the base's `check dtb` output (every DTB, and its map nodes). */
function queryCases(side) {
  const r = read(side, checkCases[0]);
  let report;
  try {
    report = JSON.parse(r.out.toString('utf8'));
  } catch {
    throw new Error(`check dtb printed no report (exit ${r.rc.trim()}): ${r.err.toString('utf8').slice(0, 500)}`);
  }
  const query = (file) => ['query', '--reader', 'all', '--format', 'json', file];
  const cases = [];
  for (const { file, maps } of report.files) {
    const nodes = [...new Set(maps.map((m) => m.node))];
    cases.push({ group: 'query', key: file, cwd: corpus, args: [...query(file), ...RIDS] });
    if (nodes.length > 1)
      for (const node of nodes) {
        const key = `${file}/${encodeURIComponent(node)}`;
        cases.push({ group: 'query-node', key, cwd: corpus, args: [...query(file), '--node', node, ...RIDS] });
      }
    if (nodes.length) cases.push({ group: 'query-all', key: file, cwd: corpus, args: [...query(file), '--all'] });
  }
  return cases;
}

/** Runs every case with `bin` into `side`. */
async function record(bin, side, name) {
  let t = performance.now();
  await runAll(bin, side, checkCases, 1); // each check runs on two threads
  console.log(`${name}: check ran in ${secs(t)}`);
  t = performance.now();
  const cases = queryCases(side);
  if (opt.spawn) await runAll(bin, side, cases, JOBS);
  else await runMany(bin, side, cases);
  console.log(`${name}: ${cases.length} queries ran in ${secs(t)}${opt.spawn ? ', each in its own process' : ''}`);
}

/** The first line where two texts differ, with two lines before it, as `-` base / `+` head. */
function firstDiff(a, b) {
  const x = a.split('\n');
  const y = b.split('\n');
  let i = 0;
  while (i < x.length && i < y.length && x[i] === y[i]) i++;
  const cut = (s) => (s.length > 200 ? `${s.slice(0, 200)}...` : s);
  const lines = [`    @ line ${i + 1}`];
  for (let k = Math.max(0, i - 2); k < i; k++) lines.push(`      ${cut(x[k])}`);
  for (let k = i; k < Math.min(x.length, i + 3); k++) lines.push(`    - ${cut(x[k])}`);
  for (let k = i; k < Math.min(y.length, i + 3); k++) lines.push(`    + ${cut(y[k])}`);
  return lines.join('\n');
}
const label = { out: 'stdout', err: 'stderr', rc: 'exit code' };
/** The streams of a run that differ. */
const streams = (b, h) => ['out', 'err', 'rc'].filter((s) => !(s === 'rc' ? b.rc === h.rc : b[s].equals(h[s])));
const streamDiff = (s, b, h) =>
  s === 'rc' ? `    exit ${b.rc.trim()} -> ${h.rc.trim()}` : firstDiff(b[s].toString('utf8'), h[s].toString('utf8'));
/** A check report's entries by file (none when it is not a report). */
function entries(run) {
  try {
    return new Map(JSON.parse(run.out.toString('utf8')).files.map((f) => [f.file, JSON.stringify(f)]));
  } catch {
    return new Map();
  }
}
const pretty = (json) => JSON.stringify(JSON.parse(json ?? 'null'), null, 2);

async function main() {
  // 1. The base: stored, or built and run.
  let baseSide = path.join(outDir, 'base');
  if (stored) {
    baseSide = opt.baseOutputs;
    console.log(`base: ${baseCommit.slice(0, 7)}, outputs reused from ${opt.baseOutputs}`);
  } else {
    if (opt.baseOutputs) baseSide = opt.baseOutputs;
    const bin = checkout('base', baseCommit);
    await record(bin, baseSide, 'base');
    if (opt.baseOutputs)
      await writeFile(path.join(baseSide, 'manifest.json'), `${JSON.stringify({ commit: baseCommit, recipe })}\n`);
  }

  // 2. The head.
  let headBin;
  if (headCommit) headBin = checkout('head', headCommit);
  else {
    const dirty = git('status', '--porcelain', '--untracked-files=no') ? ' with uncommitted changes' : '';
    console.log(
      `head: this checkout (${git('rev-parse', '--short', 'HEAD')}${dirty}) built in ${build(repo).toFixed(1)} s`,
    );
    headBin = path.join(repo, 'bin', 'dtmap.cjs');
  }
  const headSide = path.join(outDir, 'head');
  rmSync(headSide, { recursive: true, force: true });
  await record(headBin, headSide, 'head');

  // 3. Compare.
  const shown = [];
  const show = (what, text) => shown.length < opt.show && shown.push(`${what}\n${text}`);
  let allSame = true;
  const summary = [];
  for (const c of checkCases) {
    // one run covers every file: count the files whose entries differ
    const b = read(baseSide, c);
    const h = read(headSide, c);
    const be = entries(b);
    const he = entries(h);
    const files = new Set([...be.keys(), ...he.keys()]);
    const changed = [...files].filter((f) => be.get(f) !== he.get(f));
    const diff = streams(b, h);
    if (diff.length) allSame = false;
    for (const f of changed) show(`${c.group} ${f}`, firstDiff(pretty(be.get(f)), pretty(he.get(f))));
    for (const s of diff) if (s !== 'out' || !changed.length) show(`${c.group}: ${label[s]}`, streamDiff(s, b, h));
    const rest = diff.length ? `; the run's ${diff.map((s) => label[s]).join(', ')} differ` : '';
    summary.push(
      `${c.group.padEnd(10)} ${files.size} files, ${files.size - changed.length} identical, ${changed.length} different${rest}`,
    );
  }
  const unit = { query: 'files', 'query-node': 'nodes', 'query-all': 'files' };
  const cases = queryCases(baseSide);
  for (const group of Object.keys(unit)) {
    const runs = cases.filter((c) => c.group === group);
    let different = 0;
    for (const c of runs) {
      const b = read(baseSide, c);
      const h = read(headSide, c);
      const diff = streams(b, h);
      if (!diff.length) continue;
      different++;
      for (const s of diff) show(`${c.args.join(' ')}: ${label[s]}`, streamDiff(s, b, h));
    }
    if (different) allSame = false;
    summary.push(
      `${group.padEnd(10)} ${runs.length} ${unit[group]}, ${runs.length - different} identical, ${different} different`,
    );
  }

  console.log(
    `\nbase ${baseCommit.slice(0, 7)} vs head ${headCommit?.slice(0, 7) ?? 'this checkout'}, corpus ${corpus}:`,
  );
  for (const line of summary) console.log(`  ${line}`);
  if (shown.length) console.log(`\nfirst differences:\n${shown.join('\n')}`);
  console.log(
    `\n${allSame ? 'identical' : 'DIFFERENT'} (${secs(started)})${opt.keep ? `; outputs kept in ${opt.keep}` : ''}`,
  );
  return allSame;
}

main().then(
  (same) => process.exit(same ? 0 : 1),
  (e) => {
    console.error(`same-output: ${e?.stack ?? e}`);
    process.exit(2);
  },
);
