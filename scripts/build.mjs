// Bundles the library entry and the CLI with esbuild (start-up stays lean: one file, heavy
// parts in separate chunks loaded by dynamic import), then emits type declarations with tsc.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';

rmSync('dist', { recursive: true, force: true });
await build({
  entryPoints: { index: 'src/index.ts', cli: 'src/cli/main.ts', worker: 'src/cli/worker.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  keepNames: false,
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
  // commander is CommonJS: give the ESM bundle a require() for its node: built-ins.
  banner: { js: "import { createRequire as __dtmapRequire } from 'node:module'; const require = __dtmapRequire(import.meta.url);" },
});
if (!process.argv.includes('--no-types')) {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', '.'], { stdio: 'inherit' });
}
