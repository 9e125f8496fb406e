// Builds the extension for packaging: src/ and vscode-languageclient bundled into
// dist/extension.js with esbuild (the dtmap project's own dev dependency), and dtmap's schema of
// `.dtmaprc.json` copied beside it for `jsonValidation`. Usage: node build.mjs [EXTENSION_DIR]
// (default: this folder; package.sh builds a copy in a temporary folder).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dir = resolve(process.argv[2] ?? here);
await build({
  entryPoints: [join(dir, 'src/extension.js')],
  outfile: join(dir, 'dist/extension.js'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['vscode'],
  minify: true,
  logLevel: 'warning',
});
mkdirSync(join(dir, 'schema'), { recursive: true });
copyFileSync(join(here, '../../schema/dtmaprc.schema.json'), join(dir, 'schema/dtmaprc.schema.json'));
