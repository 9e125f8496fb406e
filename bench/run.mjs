// npm run bench [-- CORPUS_DIR] [--base REV|DIR]: every speed figure of dtmap as a ratio against a
// reference measured in the same run, runs interleaved (reference, dtmap, reference, dtmap, ...)
// so that load on the machine hits both alike. With --base, a second build of dtmap (the commit
// REV checked out and built in a temp dir, or the built checkout DIR) runs in the same
// interleaving, and each figure gives both ratios and head/base. bench/README.md says how to read
// the output. Corpus: CORPUS_DIR, else $DTMAP_CORPUS, else corpus/ (a kernel tree in linux/,
// DTBs in dtb/arm64/).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { corpusDir } from '../scripts/corpus-dir.mjs';
import { checkoutRev, commitOf } from '../scripts/build-rev.mjs';

const argv = process.argv.slice(2);
const baseAt = argv.indexOf('--base');
const baseArg = baseAt < 0 ? undefined : argv.splice(baseAt, 2)[1];
if (baseAt >= 0 && !baseArg) {
  console.error('bench: --base needs a commit or a dtmap checkout');
  process.exit(2);
}
const corpus = resolve(argv[0] ?? corpusDir());
const runs = Number(process.env.BENCH_RUNS ?? 5);
const seed = Number(process.env.BENCH_SEED ?? 1);
const bin = resolve('bin/dtmap.cjs');
const rssProbe = resolve('bench/maxrss.cjs');
const linux = join(corpus, 'linux');
const dtbDir = join(corpus, 'dtb', 'arm64');
if (!existsSync(linux) || !existsSync(dtbDir)) {
  console.error(`bench: no corpus at ${corpus} (need linux/ and dtb/arm64/): pass CORPUS_DIR or set DTMAP_CORPUS`);
  process.exit(2);
}
const tmp = mkdtempSync(join(tmpdir(), 'dtmap-bench-'));
const cleanup = [() => rmSync(tmp, { recursive: true, force: true })];
process.on('exit', () => cleanup.reverse().forEach((f) => f()));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(2));

function files(dir, ext) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...files(p, ext));
    else if (p.endsWith(ext)) out.push(p);
  }
  return out.sort();
}

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const median = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  return { median, min: s[0], max: s[s.length - 1] };
};
const fmt = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);
const span = (st, f = fmt) => `${f(st.median)} [${f(st.min)}, ${f(st.max)}]`;
const x = (r) => `${r.toFixed(2)}x`;

/** One timed run of a command (wall clock, ms); a crash or exit 2 of dtmap stops the bench. */
function timed(cmd, args, opts = {}) {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { maxBuffer: 1 << 30, stdio: ['pipe', 'ignore', 'pipe'], ...opts });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (opts.dtmap && (r.status === null || r.status > 1))
    throw new Error(`${[cmd, ...args].join(' ').slice(0, 300)}: exit ${r.status}\n${String(r.stderr).slice(0, 2000)}`);
  return { ms, stderr: String(r.stderr ?? '') };
}

// The builds measured: this checkout's, and with --base the base's (named head and base then).
const builds = [{ name: 'dtmap', bin, tag: 'head' }];
if (baseArg !== undefined) {
  builds[0].name = 'head';
  let baseBin = join(resolve(baseArg), 'bin', 'dtmap.cjs');
  if (!existsSync(baseBin)) {
    if (!commitOf(baseArg)) {
      console.error(`bench: --base ${baseArg}: neither a dtmap checkout nor a commit`);
      process.exit(2);
    }
    const base = checkoutRev(baseArg, join(tmp, 'base'));
    cleanup.push(base.remove);
    baseBin = base.bin;
  } else if (!existsSync(join(resolve(baseArg), 'dist', 'cli.cjs'))) {
    console.error(`bench: --base ${baseArg}: not built (run node scripts/build.mjs --no-types there)`);
    process.exit(2);
  }
  builds.push({ name: 'base', bin: baseBin, tag: 'base' });
}
const withBase = builds.length > 1;
/** The builds pair() measures: all of them, or this checkout's alone (headOnly()). */
let active = builds;
/** Figures of inputs the base cannot read (ACPI, before it had a front for them): head only. */
function headOnly(f) {
  active = [builds[0]];
  try {
    if (withBase) console.log('  (head only: the base reads no ACPI input)');
    return f();
  } finally {
    active = builds;
  }
}
// the orders of reference (0), head (1) and base (2), taken in turn
const orders = [
  [0, 1, 2],
  [1, 2, 0],
  [2, 0, 1],
  [0, 2, 1],
  [2, 1, 0],
  [1, 0, 2],
];

/**
 * `n` pairs, reference and dtmap alternating (which goes first alternates too). Prints both
 * medians [min, max] and the per-pair ratio. `faster`: the ratio is reference/dtmap (a speed-up
 * to reach), else dtmap/reference (a cost to stay under). `dtmap(build)` gives the run of a
 * build; with a base, each pair is a triple (reference, head, base, in turn in every order), and
 * each build's ratio is printed, then head/base: head's time over base's in the same triple.
 */
function pair(label, n, ref, dtmap, target, faster) {
  const builds = active;
  const withBase = builds.length > 1;
  const r = [];
  const d = builds.map(() => []);
  const fns = [ref, ...builds.map((b) => dtmap(b))];
  for (let i = 0; i < n; i++) {
    const order = withBase ? orders[i % orders.length] : i % 2 ? [1, 0] : [0, 1];
    for (const k of order) (k ? d[k - 1] : r).push(fns[k]());
  }
  const ratio = (times) => stats(r.map((ms, i) => (faster ? ms / times[i] : times[i] / ms)));
  const verdict = (q) => {
    const met = faster ? q.median >= target : q.median <= target;
    return target === undefined ? '' : `  target ${faster ? '>=' : '<='} ${target}x: ${met ? 'met' : 'NOT met'}`;
  };
  const q = ratio(d[0]);
  if (!withBase) {
    console.log(
      `${label}\n  dtmap ${span(stats(d[0]))}   reference ${span(stats(r))}   ratio ${span(q, x)}${verdict(q)}`,
    );
    return q;
  }
  console.log(label);
  builds.forEach((b, k) => {
    const qk = ratio(d[k]);
    console.log(`  ${b.name}  ${span(stats(d[k]))}   ratio ${span(qk, x)}${verdict(qk)}`);
  });
  const hb = stats(d[0].map((ms, i) => ms / d[1][i]));
  console.log(`  reference ${span(stats(r))}   head/base time ${span(hb, x)}`);
  return q;
}

const node = (args, opts) => () => timed(process.execPath, args, opts).ms;
/** The run of dtmap for a build; `args` may be a function of the build (its own cache dir). */
const dtmap = (args, opts) => (b) => () =>
  timed(process.execPath, [b.bin, ...(typeof args === 'function' ? args(b) : args)], { dtmap: true, ...opts }).ms;
/** Peak RSS (MB) of one dtmap run, read by bench/maxrss.cjs in the process itself (workers included). */
function peakRss(args, opts, b = builds[0]) {
  const { stderr } = timed(process.execPath, ['-r', rssProbe, b.bin, ...args], { dtmap: true, ...opts });
  return Number(/dtmap-bench-maxrss (\d+)/.exec(stderr)?.[1]) / 1024;
}

const dtsDir = join(linux, 'arch', 'arm64', 'boot', 'dts');
const boards = files(dtsDir, '.dts').map((f) => f.slice(linux.length + 1));
const dtbs = files(dtbDir, '.dtb');
const board = 'arch/arm64/boot/dts/rockchip/rk3399-firefly.dts';
const boardDtb = join(dtbDir, 'rockchip', 'rk3399-firefly.dtb');
const inLinux = { cwd: linux };
console.log(
  `corpus ${corpus}: ${boards.length} arm64 boards, ${dtbs.length} arm64 DTBs; ${runs} pairs per batch figure; node ${process.version}`,
);
if (withBase) console.log(`head: ${bin}; base: ${baseArg} (${builds[1].bin}); each pair a triple with both`);

// cpp + dtc as the kernel's build runs them on one board (scripts/Makefile.lib: dtc_cpp_flags)
const cppDtc = join(tmp, 'cpp-dtc.sh');
writeFileSync(
  cppDtc,
  `for f; do cpp -nostdinc -I scripts/dtc/include-prefixes -undef -D__DTS__ -x assembler-with-cpp "$f" 2>/dev/null | dtc -q -I dts -O dtb -b 0 -i "$(dirname "$f")" -o /dev/null - 2>/dev/null; done\n`,
);
const dtcDtb = join(tmp, 'dtc-dtb.sh');
writeFileSync(dtcDtb, `for f; do dtc -q -I dtb -O dts -o /dev/null "$f"; done\n`);
const xargs = (script, list, parallel) => () =>
  timed(
    'xargs',
    [...(parallel ? ['-P2'] : []), '-n', String(parallel ? Math.ceil(list.length / 16) : list.length), 'sh', script],
    { ...inLinux, input: list.join('\n') },
  ).ms;

// 1. Interactive: one command against node's own start-up.
const qRuns = Math.max(runs * 4, 20);
const nodeStart = node(['-e', '0']);
console.log(`\n1. Interactive, ${qRuns} pairs each, against node -e 0`);
pair(`check ${board}`, qRuns, nodeStart, dtmap(['check', board], inLinux), 2.0, false);
pair(`check ${board.replace(/\.dts$/, '.dtb')} (the DTB)`, qRuns, nodeStart, dtmap(['check', boardDtb]), 1.25, false);
pair(
  'query fixtures/qemu/virt-virtio-iommu.dtb 00:02.0',
  qRuns,
  nodeStart,
  dtmap(['query', 'fixtures/qemu/virt-virtio-iommu.dtb', '00:02.0']),
  1.25,
  false,
);
headOnly(() =>
  pair(
    'query fixtures/acpi/laptops/lenovo-thinkpad-t14s.dat 0004:01:00.0 (an IORT)',
    qRuns,
    nodeStart,
    dtmap(['query', 'fixtures/acpi/laptops/lenovo-thinkpad-t14s.dat', '0004:01:00.0']),
    1.25,
    false,
  ),
);
const oneCache = (b) => join(tmp, `cache-one-${b.tag}`);
for (const b of builds)
  timed(process.execPath, [b.bin, 'check', '--cache', oneCache(b), board], { ...inLinux, dtmap: true });
pair(
  `check --cache ${board} (result reused)`,
  qRuns,
  nodeStart,
  dtmap((b) => ['check', '--cache', oneCache(b), board], inLinux),
  2.0,
  false,
);

// 2. Batch from DTS: every arm64 board, and a seeded sample of 150.
console.log(`\n2. Batch from DTS`);
pair(
  `check all ${boards.length} boards  vs  cpp+dtc two at a time (xargs -P2)`,
  runs,
  xargs(cppDtc, boards, true),
  dtmap(['check', '-q', '--format', 'json', 'arch/arm64/boot/dts/**/*.dts'], inLinux),
  5,
  true,
);
let s = seed;
const rand = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const sample = [...boards]
  .map((b) => [rand(), b])
  .sort((a, b) => a[0] - b[0])
  .slice(0, 150)
  .map(([, b]) => b)
  .sort();
pair(
  `check 150 boards (BENCH_SEED=${seed})  vs  cpp+dtc one at a time`,
  runs,
  xargs(cppDtc, sample, false),
  dtmap(['check', '-q', '--format', 'json', ...sample], inLinux),
  3,
  true,
);
for (const b of builds) {
  const rssAll = peakRss(['check', '-q', '--format', 'json', 'arch/arm64/boot/dts/**/*.dts'], inLinux, b);
  const rssSample = peakRss(['check', '-q', '--format', 'json', ...sample], inLinux, b);
  const rssOne = peakRss(['check', '-q', '--format', 'json', board], inLinux, b);
  console.log(
    `peak RSS${withBase ? ` (${b.name})` : ''}: all ${boards.length} boards ${rssAll.toFixed(0)} MB (target <= 256 MB: ${rssAll <= 256 ? 'met' : 'NOT met'}); 150 boards ${rssSample.toFixed(0)} MB; one board ${rssOne.toFixed(0)} MB`,
  );
}

// 3. DTBs: every arm64 DTB, both tools on both cores.
console.log(`\n3. DTBs`);
pair(
  `check all ${dtbs.length} DTBs  vs  dtc -I dtb -O dts two at a time (xargs -P2)`,
  runs,
  xargs(dtcDtb, dtbs, true),
  dtmap(['check', '-q', '--format', 'json', ...dtbs]),
  4,
  true,
);

// 4. Cache: the whole tree again after one board changed (its kept result dropped from the
//    cache file, which is what a change to the board does), against node -e 0 and in absolute.
console.log(`\n4. check --cache, all ${boards.length} boards, one board changed`);
/** A full run with its own cache for the build, then reruns, each with one board dropped from it. */
function rerunner(b) {
  const treeCache = join(tmp, `cache-tree-${b.tag}`);
  const all = [b.bin, 'check', '-q', '--format', 'json', '--cache', treeCache, 'arch/arm64/boot/dts/**/*.dts'];
  timed(process.execPath, all, { ...inLinux, dtmap: true });
  const cacheFile = join(
    treeCache,
    readdirSync(treeCache).find((f) => f.endsWith('.json')),
  );
  const full = readFileSync(cacheFile, 'utf8');
  let k = 0;
  const times = [];
  const rerun = () => {
    const data = JSON.parse(full);
    delete data.entries[boards[k++ % boards.length]];
    writeFileSync(cacheFile, JSON.stringify(data));
    times.push(timed(process.execPath, all, { ...inLinux, dtmap: true }).ms);
    return times[times.length - 1];
  };
  return { rerun, times };
}
const reruns = new Map(builds.map((b) => [b, rerunner(b)]));
pair('rerun with one board changed  vs  node -e 0', runs, nodeStart, (b) => reruns.get(b).rerun);
for (const b of builds) {
  const t = stats(reruns.get(b).times);
  console.log(
    `  rerun${withBase ? ` (${b.name})` : ''}: ${span(t)}  target <= 0.5 s: ${t.median <= 500 ? 'met' : 'NOT met'}`,
  );
}

// 5. ACPI: every readable laptop IORT, checked (read, walked, every rule) against iasl's
//    disassembly of the same tables (read and printed), both one process for the lot.
const iasl = process.env.IASL ?? 'iasl';
const tables = readdirSync('fixtures/acpi/laptops')
  .filter((f) => /\.(dat|aml|bin|10)$/.test(f) && !f.startsWith('microsoft-surface-pro-12-in'))
  .map((f) => resolve('fixtures/acpi/laptops', f));
console.log(`\n5. ACPI: ${tables.length} laptop IORTs`);
if (spawnSync(iasl, ['-v']).status !== 0)
  console.log(`  skipped: no iasl (set IASL to one; scripts/acpi-iasl.sh builds it)`);
else {
  const iaslDir = join(tmp, 'iasl');
  mkdirSync(iaslDir);
  headOnly(() =>
    pair(
      `check ${tables.length} IORTs  vs  iasl -d of each`,
      runs,
      () =>
        timed('sh', ['-c', `for f; do "${iasl}" -d -p "${iaslDir}/t" "$f" >/dev/null 2>&1; done`, 'sh', ...tables]).ms,
      dtmap(['check', '-q', '--format', 'json', '--jobs', '1', ...tables]),
      1,
      true,
    ),
  );
}
