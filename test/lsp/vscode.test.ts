// The VS Code extension (editors/vscode/) without VS Code: which dtmap it runs, that a settings
// change restarts the server (src/extension.js against stand-ins for `vscode` and
// `vscode-languageclient/node`), and the manifest fields packaging needs. editors/vscode/package.sh
// makes the .vsix itself (bundle and @vscode/vsce), outside the project.
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import Module from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const require = createRequire(import.meta.url);
const EXT = resolve('editors/vscode');
const { findServer } = require(join(EXT, 'src/server.js')) as {
  findServer: (
    folders: string[],
    configured: string | undefined,
    env?: { platform?: string; execPath?: string },
  ) => { command: string; args: string[]; options?: { env?: Record<string, string>; shell?: boolean }; from: string };
};

const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});
function folder(...files: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'dtmap-vscode-'));
  temps.push(dir);
  for (const f of files) {
    mkdirSync(join(dir, f, '..'), { recursive: true });
    writeFileSync(join(dir, f), '');
  }
  return dir;
}

describe('findServer', () => {
  const bin = 'node_modules/.bin/dtmap';
  const cjs = 'node_modules/dtmap/bin/dtmap.cjs';

  it("the workspace's node_modules/.bin/dtmap before its dtmap.cjs, before the PATH", () => {
    const both = folder(bin, cjs);
    expect(findServer([both], '')).toEqual({ command: join(both, bin), args: ['lsp', '--stdio'], from: both });
    const only = folder(cjs);
    const s = findServer([only], undefined, { execPath: '/opt/vscode/code' });
    expect([s.command, s.args, s.options!.env!.ELECTRON_RUN_AS_NODE]).toEqual([
      '/opt/vscode/code',
      [join(only, cjs), 'lsp', '--stdio'],
      '1',
    ]);
    // the first folder that has one
    expect(findServer([folder(), only], '').args[0]).toBe(join(only, cjs));
    expect(findServer([folder()], '')).toEqual({ command: 'dtmap', args: ['lsp', '--stdio'], from: 'the PATH' });
    const win = folder('node_modules/.bin/dtmap.cmd');
    expect(findServer([win], '', { platform: 'win32' })).toMatchObject({
      command: join(win, 'node_modules/.bin/dtmap.cmd'),
      options: { shell: true },
    });
  });

  it('the dtmap.path setting wins: a bare name on the PATH, a relative path in the first folder', () => {
    const ws = folder(bin);
    expect(findServer([ws], 'dtmap-dev').command).toBe('dtmap-dev');
    expect(findServer([ws], 'tools/dtmap').command).toBe(join(ws, 'tools/dtmap'));
    expect(findServer([ws], '/usr/local/bin/dtmap').command).toBe('/usr/local/bin/dtmap');
  });
});

interface FakeClient {
  id: string;
  server: { run: { command: string; args: string[] } };
  options: { initializationOptions: unknown; documentSelector: unknown };
  state: string[];
}

describe('the extension', () => {
  it('starts the workspace dtmap, and restarts it when a dtmap setting changes', async () => {
    const ws = folder('node_modules/.bin/dtmap');
    const settings: Record<string, unknown> = { path: '', initializationOptions: { kernel: 'mainline' } };
    const clients: FakeClient[] = [];
    let onConfig: ((e: { affectsConfiguration: (s: string) => boolean }) => Promise<void> | undefined) | undefined;
    const vscode = {
      workspace: {
        workspaceFolders: [{ uri: { scheme: 'file', fsPath: ws } }],
        getConfiguration: (section: string) => {
          expect(section).toBe('dtmap');
          return { get: (k: string) => settings[k] };
        },
        onDidChangeConfiguration: (f: typeof onConfig) => {
          onConfig = f;
          return { dispose() {} };
        },
      },
      window: { createOutputChannel: () => ({ appendLine() {} }) },
    };
    class LanguageClient {
      state: string[] = [];
      constructor(
        public id: string,
        _name: string,
        public server: FakeClient['server'],
        public options: FakeClient['options'],
      ) {
        clients.push(this);
      }
      start() {
        this.state.push('start');
        return Promise.resolve();
      }
      stop() {
        this.state.push('stop');
        return Promise.resolve();
      }
    }
    const M = Module as unknown as { _load: (r: string, ...a: unknown[]) => unknown };
    const load = M._load;
    const path = join(EXT, 'src/extension.js');
    M._load = function (request: string, ...rest: unknown[]) {
      if (request === 'vscode') return vscode;
      if (request === 'vscode-languageclient/node') return { LanguageClient };
      return load.call(this, request, ...rest);
    };
    try {
      delete require.cache[path];
      const ext = require(path) as { activate: (c: object) => Promise<void>; deactivate: () => unknown };
      const context = { subscriptions: [] as unknown[] };
      await ext.activate(context);
      expect(context.subscriptions).toHaveLength(1);
      expect(clients).toHaveLength(1);
      expect(clients[0]!.server.run).toMatchObject({
        command: join(ws, 'node_modules/.bin/dtmap'),
        args: ['lsp', '--stdio'],
      });
      expect(clients[0]!.options.initializationOptions).toEqual({ kernel: 'mainline' });
      expect(clients[0]!.state).toEqual(['start']);
      // another extension's setting: nothing happens
      await onConfig!({ affectsConfiguration: (s) => s === 'editor' });
      expect(clients).toHaveLength(1);
      // a dtmap setting: the server stops and a new one starts with the new settings
      settings.initializationOptions = { kernel: 'classic', maxBoards: 1 };
      settings.path = '/usr/local/bin/dtmap';
      await onConfig!({ affectsConfiguration: (s) => s === 'dtmap' || s === 'dtmap.path' });
      expect(clients.map((c) => c.state)).toEqual([['start', 'stop'], ['start']]);
      expect(clients[1]!.server.run.command).toBe('/usr/local/bin/dtmap');
      expect(clients[1]!.options.initializationOptions).toEqual({ kernel: 'classic', maxBoards: 1 });
      await ext.deactivate();
      expect(clients[1]!.state).toEqual(['start', 'stop']);
    } finally {
      M._load = load;
      delete require.cache[path];
    }
  });
});

describe('the manifest (what @vscode/vsce package checks)', () => {
  const manifest = JSON.parse(readFileSync(join(EXT, 'package.json'), 'utf8'));

  it('a publisher, a licence with its LICENSE file, an engine, the bundle as main', () => {
    expect(manifest).toMatchObject({
      name: 'dtmap-vscode',
      publisher: 'dtmap',
      license: 'MIT',
      engines: { vscode: expect.stringMatching(/^\^1\.\d+\.\d+$/) },
      main: './dist/extension.js',
    });
    expect(manifest.version).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);
    expect(readFileSync(join(EXT, 'LICENSE'), 'utf8')).toBe(readFileSync('LICENSE', 'utf8'));
    // the bundle's source and what build.mjs bundles it from; vscode-languageclient is in the bundle
    expect(readFileSync(join(EXT, 'build.mjs'), 'utf8')).toContain("entryPoints: [join(dir, 'src/extension.js')]");
    expect(manifest.dependencies).toBeUndefined();
    expect(manifest.devDependencies).toHaveProperty('vscode-languageclient');
    const ignore = readFileSync(join(EXT, '.vscodeignore'), 'utf8').split('\n');
    expect(ignore).toEqual(expect.arrayContaining(['src/**', 'node_modules/**']));
  });

  it('.dtmaprc.json is validated with the schema build.mjs copies from the package', () => {
    expect(manifest.contributes.jsonValidation).toEqual([
      { fileMatch: '.dtmaprc.json', url: './schema/dtmaprc.schema.json' },
    ]);
    expect(readFileSync(join(EXT, 'build.mjs'), 'utf8')).toContain(
      "copyFileSync(join(here, '../../schema/dtmaprc.schema.json'), join(dir, 'schema/dtmaprc.schema.json'))",
    );
    expect(existsSync('schema/dtmaprc.schema.json')).toBe(true);
  });

  it('dtmap.path is empty by default: the workspace, then the PATH', () => {
    expect(manifest.contributes.configuration.properties['dtmap.path'].default).toBe('');
  });
});
