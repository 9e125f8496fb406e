// npm run bench [-- CORPUS_DIR]: dtmap against the reference tools, measured in the same run.
//  1. `dtmap check` over every arm64 DTB of the kernel corpus vs `dtc -I dtb -O dts` over the same files.
//  2. `dtmap query` wall time vs `node -e 0` (start-up cost).
// Medians of several runs; the corpus comes from ../shared/scripts/kernel-corpus.sh.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const corpus = process.argv[2] ?? process.env.DTMAP_CORPUS ?? '/work/corpus';
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
  console.error(`bench: ${dtbDir} not found; build the corpus with ../shared/scripts/kernel-corpus.sh ${corpus} arm64`);
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
