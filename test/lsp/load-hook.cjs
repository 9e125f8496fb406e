// Preloaded (node -r) by test/lsp/startup.test.ts: says on stderr when dist/lsp.cjs is loaded.
'use strict';
const Module = require('node:module');
const load = Module._load;
Module._load = function (request, ...rest) {
  if (/(^|[/\\])lsp\.cjs$/.test(request)) process.stderr.write('[loaded lsp.cjs]\n');
  return load.call(this, request, ...rest);
};
