// A minimal VS Code client for `dtmap lsp --stdio` (install: `npm install` in this folder, then
// copy or symlink the folder into ~/.vscode/extensions/, or run it with F5 from this folder).
'use strict';
const { workspace } = require('vscode');
const { LanguageClient } = require('vscode-languageclient/node');

let client;

exports.activate = () => {
  const settings = workspace.getConfiguration('dtmap');
  const server = { command: settings.get('path') || 'dtmap', args: ['lsp', '--stdio'] };
  client = new LanguageClient(
    'dtmap',
    'dtmap',
    { run: server, debug: server },
    {
      documentSelector: [{ scheme: 'file', pattern: '**/*.{dts,dtsi,dtso}' }],
      initializationOptions: settings.get('initializationOptions') || {},
    },
  );
  return client.start();
};

exports.deactivate = () => client && client.stop();
