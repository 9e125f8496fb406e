// The VS Code client of `dtmap lsp --stdio`: starts the server found by findServer() (the
// workspace's dtmap first), and starts it again when a `dtmap.*` setting changes. Bundled with
// vscode-languageclient into dist/extension.js by build.mjs.
'use strict';
const { window, workspace } = require('vscode');
const { LanguageClient } = require('vscode-languageclient/node');
const { findServer } = require('./server.js');

/** @type {import('vscode-languageclient/node').LanguageClient | undefined} */
let client;
let output;

async function start() {
  const settings = workspace.getConfiguration('dtmap');
  const folders = (workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
  const server = findServer(folders, settings.get('path'));
  output ??= window.createOutputChannel('dtmap');
  output.appendLine(`dtmap: starting ${[server.command, ...server.args].join(' ')} (from ${server.from})`);
  const run = { command: server.command, args: server.args, options: server.options };
  client = new LanguageClient(
    'dtmap',
    'dtmap',
    { run, debug: run },
    {
      documentSelector: [{ scheme: 'file', pattern: '**/*.{dts,dtsi,dtso}' }],
      initializationOptions: settings.get('initializationOptions') ?? {},
      outputChannel: output,
    },
  );
  await client.start();
}

async function restart() {
  const old = client;
  client = undefined;
  if (old) await old.stop();
  await start();
}

exports.activate = async (context) => {
  context.subscriptions.push(
    workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('dtmap')) return restart();
    }),
  );
  await start();
};

exports.deactivate = () => client?.stop();
