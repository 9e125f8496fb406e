// A language client for the tests (and bench/lsp.mjs's twin): `dtmap lsp --stdio` in a child
// process, driven with vscode-jsonrpc, the JSON-RPC library VS Code's own client is built on.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import {
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import type { Diagnostic, Range } from 'vscode-languageserver';

export class Client {
  readonly child: ChildProcess;
  readonly conn: MessageConnection;
  readonly logs: string[] = [];
  /** What the server registered at run time (`client/registerCapability`). */
  readonly registrations: Array<{ method: string; registerOptions?: unknown }> = [];
  stderr = '';
  private readonly diagnostics = new Map<string, Diagnostic[]>();
  private waiters: Array<() => void> = [];
  private versions = new Map<string, number>();

  constructor(args: string[] = ['bin/dtmap.cjs', 'lsp', '--stdio']) {
    this.child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr!.on('data', (d) => (this.stderr += d));
    this.conn = createMessageConnection(
      new StreamMessageReader(this.child.stdout!),
      new StreamMessageWriter(this.child.stdin!),
    );
    this.conn.onNotification('textDocument/publishDiagnostics', (p: { uri: string; diagnostics: Diagnostic[] }) => {
      this.diagnostics.set(p.uri, p.diagnostics);
      this.wake();
    });
    this.conn.onNotification('window/logMessage', (p: { message: string }) => {
      this.logs.push(p.message);
      this.wake();
    });
    this.conn.onRequest(
      'client/registerCapability',
      (p: { registrations: Array<{ method: string; registerOptions?: unknown }> }) => {
        this.registrations.push(...p.registrations);
        this.wake();
        return null;
      },
    );
    this.conn.listen();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  async initialize(root: string, initializationOptions: object = {}, capabilities: object = {}): Promise<unknown> {
    const uri = pathToFileURL(root).href;
    const r = await this.conn.sendRequest('initialize', {
      processId: process.pid,
      rootUri: uri,
      workspaceFolders: [{ uri, name: 'root' }],
      capabilities,
      initializationOptions,
    });
    await this.conn.sendNotification('initialized', {});
    return r;
  }

  /** Resolves once `pred` holds for what the server has sent (checked after every message). */
  until<T>(pred: () => T | undefined | false, what: string, ms = 20000): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new Error(`timed out waiting for ${what}; logs: ${this.logs.join(' | ')}; stderr: ${this.stderr}`)),
        ms,
      );
      const test = () => {
        const v = pred();
        if (v) {
          clearTimeout(timer);
          resolve(v);
        } else this.waiters.push(test);
      };
      test();
    });
  }

  diagnosticsOf(file: string): Diagnostic[] | undefined {
    return this.diagnostics.get(pathToFileURL(file).href);
  }

  /** Forgets what was published, so that the next wait sees only new messages. */
  clear(): void {
    this.diagnostics.clear();
    this.logs.length = 0;
  }

  open(file: string, text = readFileSync(file, 'utf8')): Promise<void> {
    this.versions.set(file, 1);
    return this.conn.sendNotification('textDocument/didOpen', {
      textDocument: { uri: pathToFileURL(file).href, languageId: 'dts', version: 1, text },
    });
  }

  /** Replaces `range` of the buffer with `text` (an incremental change, as editors send). */
  edit(file: string, range: Range, text: string): Promise<void> {
    const version = (this.versions.get(file) ?? 1) + 1;
    this.versions.set(file, version);
    return this.conn.sendNotification('textDocument/didChange', {
      textDocument: { uri: pathToFileURL(file).href, version },
      contentChanges: [{ range, text }],
    });
  }

  request<T>(method: string, file: string, params: object): Promise<T> {
    return this.conn.sendRequest(method, { textDocument: { uri: pathToFileURL(file).href }, ...params }) as Promise<T>;
  }

  /** shutdown, exit; resolves with the exit code. */
  async close(): Promise<number | null> {
    const exited = new Promise<number | null>((resolve) => this.child.once('exit', (code) => resolve(code)));
    await this.conn.sendRequest('shutdown');
    await this.conn.sendNotification('exit');
    const code = await exited;
    this.conn.dispose();
    return code;
  }
}

/** The line (0-based) of the first line of `text` that contains `needle`. */
export function lineOf(text: string, needle: string): number {
  const i = text.split('\n').findIndex((l) => l.includes(needle));
  if (i < 0) throw new Error(`no line with ${needle}`);
  return i;
}
