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

const file = path.join(__dirname, '..', 'dist', 'cli.cjs');
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
