#!/usr/bin/env node
// Loads the bundled CLI with V8's code cache when the build left one (dist/cli.cjs.cache, made
// by scripts/build.mjs on this Node version): start-up then skips most compiling, which keeps
// `dtmap query` near `node -e 0`. A cache from another V8 is rejected by V8 itself and the CLI
// is compiled as usual; the cache is never written at run time.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');
const vm = require('node:vm');

// Under an address-space limit (`ulimit -v`), glibc's per-thread malloc arenas (64 MiB of address
// space each) and V8's helper threads take most of it before any input is read (`node -e 0` needs
// about 700 MiB of a 1 GiB limit). Rerun once with one arena and one V8 helper thread, which
// leaves room for large inputs; without a limit nothing changes.
if (process.platform === 'linux' && !process.env.DTMAP_ADDRESS_LIMITED) {
  let limits = '';
  try {
    limits = fs.readFileSync('/proc/self/limits', 'latin1');
  } catch {
    // no /proc: run as is
  }
  if (/^Max address space +\d/m.test(limits)) {
    const env = { ...process.env, DTMAP_ADDRESS_LIMITED: '1', MALLOC_ARENA_MAX: '1' };
    const args = ['--v8-pool-size=1', ...process.execArgv, __filename, ...process.argv.slice(2)];
    const r = require('node:child_process').spawnSync(process.execPath, args, { stdio: 'inherit', env });
    if (r.signal) process.kill(process.pid, r.signal);
    process.exit(r.status ?? 2);
  }
}

const file = path.join(__dirname, '..', 'dist', 'cli.cjs');
if (!fs.existsSync(file)) {
  // a clone that was never built (the tarball always holds dist/): one line, not a stack trace
  const root = path.dirname(__dirname);
  process.stderr.write(`dtmap: error: ${file} is missing: build the CLI first (\`npm run build\` in ${root})\n`);
  process.exit(2);
}
let cachedData;
try {
  cachedData = fs.readFileSync(file + '.cache');
} catch {
  // no cache: compile normally
}
const script = new vm.Script(Module.wrap(fs.readFileSync(file, 'utf8')), { filename: file, cachedData });
const cli = new Module(file, module);
cli.filename = file;
cli.paths = Module._nodeModulePaths(path.dirname(file));
const localRequire = Object.assign((id) => cli.require(id), { resolve: (id) => Module._resolveFilename(id, cli) });
const run = () => script.runInThisContext().call(cli.exports, cli.exports, localRequire, cli, file, path.dirname(file));
if (process.env.DTMAP_WRITE_CODE_CACHE) {
  // scripts/build.mjs: run the CLI on this command line, then on each of DTMAP_TRAIN (a JSON
  // list of argument lists) in turn, then keep everything V8 compiled on the way
  const more = JSON.parse(process.env.DTMAP_TRAIN || '[]');
  process.on('beforeExit', () => {
    if (!more.length) return;
    process.argv = [process.argv[0], process.argv[1], ...more.shift()];
    run();
  });
  process.on('exit', () => fs.writeFileSync(process.env.DTMAP_WRITE_CODE_CACHE, script.createCachedData()));
}
run();
