// npm run bench [-- CORPUS_DIR]: dtmap against the reference tools, measured in the same run.
//  1. `dtmap check` over every arm64 DTB of the kernel corpus vs `dtc -I dtb -O dts` over the same files.
//  2. `dtmap query` wall time vs `node -e 0` (start-up cost).
// Medians of several runs. CORPUS_DIR defaults to $DTMAP_CORPUS, else corpus/ (scripts/kernel-corpus.sh builds it).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { corpusDir } from '../scripts/corpus-dir.mjs';

const corpus = process.argv[2] ?? corpusDir();
const runs = Number(process.env.BENCH_RUNS ?? 5);
const dtbDir = join(corpus, 'dtb', 'arm64');
const bin = 'bin/dtmap.cjs';

function files(dir, ext) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...files(p, ext));
    else if (p.endsWith(ext)) out.push(p);
  }
  return out.sort();
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function time(fn) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    fn();
    samples.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return median(samples);
}

const fmt = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);

if (!existsSync(dtbDir)) {
  console.error(`bench: ${dtbDir} not found; build the corpus with scripts/kernel-corpus.sh --dest ${corpus} arm64`);
  process.exit(2);
}
const dtbs = files(dtbDir, '.dtb');
const dtc = execFileSync('sh', ['-c', 'command -v dtc'], { encoding: 'utf8' }).trim();
console.log(`corpus: ${dtbs.length} arm64 DTBs (${(dtbs.reduce((n, f) => n + statSync(f).size, 0) / 1e6).toFixed(1)} MB), ${runs} runs each, medians`);

const tDtmap = time(() => {
  const r = spawnSync(process.execPath, [bin, 'check', '--format', 'json', ...dtbs], { maxBuffer: 1 << 30 });
  if (r.status === 2) throw new Error(r.stderr.toString());
});
const tDtc = time(() => {
  for (const f of dtbs) spawnSync(dtc, ['-q', '-I', 'dtb', '-O', 'dts', '-o', '/dev/null', f]);
});
console.log(`check all arm64 DTBs:  dtmap ${fmt(tDtmap)}   dtc -I dtb -O dts ${fmt(tDtc)}   ratio ${(tDtc / tDtmap).toFixed(1)}x (target >= 4x)`);

// 3. DTS: `dtmap check` over every arm64 board source (preprocessing included, both cores) vs
//    cpp + dtc compiling the same boards two at a time (xargs -P2), as `make -j2 dtbs` would.
const linux = join(corpus, 'linux');
const dtsDir = join(linux, 'arch', 'arm64', 'boot', 'dts');
if (existsSync(dtsDir)) {
  const boards = files(dtsDir, '.dts').map((f) => f.slice(linux.length + 1));
  const script = `cpp -nostdinc -I scripts/dtc/include-prefixes -undef -D__DTS__ -x assembler-with-cpp "$1" 2>/dev/null | ${dtc} -q -I dts -O dtb -b 0 -i "$(dirname "$1")" -o /dev/null - 2>/dev/null`;
  const dtsRuns = Math.max(1, Math.min(runs, 3));
  const timeN = (fn) => {
    const xs = [];
    for (let i = 0; i < dtsRuns; i++) {
      const t = process.hrtime.bigint();
      fn();
      xs.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    return median(xs);
  };
  const tDts = timeN(() => {
    const r = spawnSync(process.execPath, [join(process.cwd(), bin), 'check', '--format', 'json', '-q', 'arch/arm64/boot/dts/**/*.dts'], { cwd: linux, maxBuffer: 1 << 30 });
    if (r.status === 2) throw new Error(r.stderr.toString().slice(0, 2000));
  });
  const sh = join(tmpdir(), `dtmap-bench-cppdtc-${process.pid}.sh`);
  writeFileSync(sh, script + '\n');
  const tCpp = timeN(() => {
    spawnSync('xargs', ['-P2', '-n1', 'sh', sh], { cwd: linux, input: boards.join('\n'), maxBuffer: 1 << 30 });
  });
  const tCpp1 = timeN(() => {
    spawnSync('xargs', ['-n1', 'sh', sh], { cwd: linux, input: boards.join('\n'), maxBuffer: 1 << 30 });
  });
  rmSync(sh, { force: true });
  console.log(`check all ${boards.length} arm64 DTS boards:  dtmap (2 threads) ${fmt(tDts)}   cpp+dtc 2 at a time ${fmt(tCpp)} (ratio ${(tCpp / tDts).toFixed(1)}x)   cpp+dtc one at a time ${fmt(tCpp1)} (ratio ${(tCpp1 / tDts).toFixed(1)}x)   target >= 5x, ${dtsRuns} runs`);
} else console.log(`(no kernel sources at ${linux}: DTS benchmark skipped)`);

const virt = 'fixtures/qemu/virt-virtio-iommu.dtb';
const qRuns = Math.max(runs * 4, 20);
const sample = (args) => {
  const xs = [];
  for (let i = 0; i < qRuns; i++) {
    const t = process.hrtime.bigint();
    spawnSync(process.execPath, args);
    xs.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return median(xs);
};
const tNode = sample(['-e', '0']);
const tQuery = sample([bin, 'query', virt, '00:02.0']);
console.log(`start-up:  dtmap query ${fmt(tQuery)}   node -e 0 ${fmt(tNode)}   ratio ${(tQuery / tNode).toFixed(2)}x (target <= 1.3x)`);
