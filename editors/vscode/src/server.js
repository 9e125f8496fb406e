// Which dtmap the extension runs: the `dtmap.path` setting when set, else a dtmap installed in a
// workspace folder (node_modules/.bin/dtmap, then node_modules/dtmap/bin/dtmap.cjs, run with
// VS Code's own Node.js), else `dtmap` on the PATH. Pure, so that it is tested without VS Code.
'use strict';
const { existsSync } = require('node:fs');
const { isAbsolute, join, resolve } = require('node:path');

const ARGS = ['lsp', '--stdio'];

/**
 * @param {string[]} folders workspace folder paths, in order
 * @param {string | undefined} configured the `dtmap.path` setting ('' or undefined: not set)
 * @param {{ platform?: string, exists?: (p: string) => boolean, execPath?: string }} [env]
 * @returns {{ command: string, args: string[], options?: { env?: object, shell?: boolean }, from: string }}
 */
function findServer(folders, configured, env = {}) {
  const platform = env.platform ?? process.platform;
  const exists = env.exists ?? existsSync;
  if (configured) {
    // a relative path is the workspace's (e.g. tools/dtmap), a bare name is looked up on the PATH
    const command =
      isAbsolute(configured) || !/[\\/]/.test(configured) || !folders.length
        ? configured
        : resolve(folders[0], configured);
    return { command, args: ARGS, from: 'the dtmap.path setting' };
  }
  for (const folder of folders) {
    const bin = join(folder, 'node_modules', '.bin', platform === 'win32' ? 'dtmap.cmd' : 'dtmap');
    if (exists(bin))
      return { command: bin, args: ARGS, options: platform === 'win32' ? { shell: true } : undefined, from: folder };
    const cjs = join(folder, 'node_modules', 'dtmap', 'bin', 'dtmap.cjs');
    if (exists(cjs))
      return {
        command: env.execPath ?? process.execPath,
        args: [cjs, ...ARGS],
        // VS Code's executable is Electron: this makes it Node.js
        options: { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } },
        from: folder,
      };
  }
  return { command: 'dtmap', args: ARGS, from: 'the PATH' };
}

module.exports = { findServer };
