// Builds dist/: the library as one ESM file (with type declarations from tsc), and the CLI and
// its worker as single CommonJS files. One CJS file is the cheapest start-up Node 20 offers:
// no ESM loader, no chunk files to resolve (measured: `dtmap query` ~1.2x `node -e 0`, against
// ~1.4x for the same code as split ESM chunks).
import { build } from 'esbuild';
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';

rmSync('dist', { recursive: true, force: true });
// commander loads child_process (and with it net, dgram and streams) at start-up only for
// executable subcommands, which dtmap does not use: hand it a proxy that loads it on first use.
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(b) {
    b.onResolve({ filter: /^(node:)?child_process$/ }, (a) =>
      /commander/.test(a.importer) ? { path: 'child_process', namespace: 'lazy' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy' }, () => ({
      contents: "let m; module.exports = new Proxy({}, { get: (_, k) => (m ??= require('node:child_process'))[k] });",
      loader: 'js',
    }));
  },
};
const common = { bundle: true, platform: 'node', target: 'node20', minify: true, logLevel: 'warning' };
await build({ ...common, entryPoints: { index: 'src/index.ts' }, outdir: 'dist', format: 'esm', minify: false });
await build({
  ...common,
  entryPoints: {
    cli: 'src/cli/main.ts',
    worker: 'src/cli/worker.ts',
    'pp-worker': 'src/cli/pp-worker.ts',
    lsp: 'src/lsp/server.ts',
  },
  outdir: 'dist',
  outExtension: { '.js': '.cjs' },
  format: 'cjs',
  plugins: [lazyChildProcess],
  define: {
    'import.meta.url': '__dtmapModuleUrl',
    __DTMAP_VERSION__: JSON.stringify(JSON.parse(readFileSync('package.json', 'utf8')).version),
  },
  banner: { js: "const __dtmapModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
});
// V8 code cache for the CLI (bin/dtmap.cjs uses it): compiled while running one query, then a
// check of DTS fixtures (preprocessor, parser, checks), of a DTB and of an IORT (the ACPI front),
// in one process.
const cache = 'dist/cli.cjs.cache';
const dts = (dir) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.dts') && !f.startsWith('err-'))
    .map((f) => `${dir}/${f}`);
const train = [
  [
    'check',
    '--jobs',
    '1',
    '-I',
    'fixtures/cpp/include',
    ...dts('fixtures/cpp'),
    ...dts('fixtures/rules'),
    'fixtures/qemu/virt-smmuv3-its.dtb',
    'fixtures/acpi/qemu/off-by-one-its.IORT',
  ],
];
// (the exit code is the findings': ignored; the rename below fails if no cache was written)
spawnSync(process.execPath, ['bin/dtmap.cjs', 'query', 'fixtures/qemu/virt-virtio-iommu.dtb', '00:02.0'], {
  env: { ...process.env, DTMAP_WRITE_CODE_CACHE: cache + '.tmp', DTMAP_TRAIN: JSON.stringify(train), NO_COLOR: '1' },
  stdio: 'ignore',
});
renameSync(cache + '.tmp', cache);
if (!process.argv.includes('--no-types')) {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', '.'], { stdio: 'inherit' });
}
