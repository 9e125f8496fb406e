// `dtmap lsp --stdio`: the Language Server Protocol over stdin/stdout. Its own bundle
// (dist/lsp.cjs), loaded only by this command, so the LSP libraries cost the others nothing.
// The server reads files and open buffers; it never writes a file.
import { fileURLToPath, pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import {
  createConnection,
  StreamMessageReader,
  StreamMessageWriter,
  TextDocuments,
  TextDocumentSyncKind,
  CodeActionKind,
  type Connection,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { SettingOptions } from '../app/settings.js';
import { codeActions, definition, hover } from './features.js';
import { Project, type ProjectOptions } from './project.js';

/**
 * `initializationOptions` the server reads (all optional): `config` (default: `.dtmaprc.json` or
 * package.json "dtmap", found upwards from each board), `baseline` and `kernel`, as `dtmap check`
 * takes them (files relative to the workspace folder); and these:
 */
export interface ServerSettings extends Pick<SettingOptions, 'config' | 'baseline' | 'kernel'> {
  /** Boards checked per `.dtsi` that no open board includes (default 3). */
  maxBoards?: number;
  /** Milliseconds to wait after a change before checking (default 100). */
  debounceMs?: number;
  reportUnusedDisable?: boolean;
}

const pathOf = (uri: string): string | undefined => (uri.startsWith('file:') ? fileURLToPath(uri) : undefined);

export function startServer(
  input: NodeJS.ReadableStream = process.stdin,
  output: NodeJS.WritableStream = process.stdout,
): Connection {
  const connection = createConnection(new StreamMessageReader(input), new StreamMessageWriter(output));
  const documents = new TextDocuments(TextDocument);
  let project: Project | undefined;
  let debounceMs = 100;
  let timer: NodeJS.Timeout | undefined;
  /** When the oldest change not yet checked arrived. */
  let changedAt: number | undefined;

  const guard =
    <A extends unknown[], R>(what: string, f: (...a: A) => R, fallback: R) =>
    (...a: A): R => {
      try {
        return f(...a);
      } catch (e) {
        connection.console.error(
          `dtmap: ${what}: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
        );
        return fallback;
      }
    };

  const flush = guard(
    'check',
    () => {
      timer = undefined;
      if (!project) return;
      const since = changedAt;
      changedAt = undefined;
      const { publish, checked } = project.flush();
      const uris = new Map(documents.all().map((d) => [pathOf(d.uri), d.uri]));
      for (const [file, diagnostics] of publish)
        void connection.sendDiagnostics({ uri: uris.get(file) ?? pathToFileURL(file).href, diagnostics });
      if (checked.length) {
        const total = checked.reduce((n, c) => n + c.ms, 0);
        const cpu = checked.reduce((n, c) => n + c.cpuMs, 0);
        const edit =
          since !== undefined
            ? `, ${(performance.now() - since).toFixed(1)} ms after the change (debounce ${debounceMs} ms)`
            : '';
        connection.console.log(
          `dtmap: checked ${checked.map((c) => `${c.board} (${c.ms.toFixed(1)} ms)`).join(', ')}: ${total.toFixed(1)} ms${edit}; CPU ${cpu.toFixed(1)} ms`,
        );
      }
    },
    undefined,
  );

  const schedule = (delay: number) => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(flush, delay);
  };

  connection.onInitialize((params) => {
    const settings = (params.initializationOptions ?? {}) as ServerSettings;
    const roots = (params.workspaceFolders ?? []).map((f) => pathOf(f.uri)).filter((p): p is string => !!p);
    const rootUri = params.rootUri && pathOf(params.rootUri);
    if (!roots.length && rootUri) roots.push(rootUri);
    const base = roots[0] ?? process.cwd();
    if (typeof settings.debounceMs === 'number' && settings.debounceMs >= 0) debounceMs = settings.debounceMs;
    const opts: ProjectOptions = {
      roots,
      config: settings.config && resolve(base, settings.config),
      baseline: settings.baseline && resolve(base, settings.baseline),
      kernel: settings.kernel === 'mainline' || settings.kernel === 'classic' ? settings.kernel : undefined,
      maxBoards: settings.maxBoards,
      reportUnusedDisable: settings.reportUnusedDisable,
    };
    project = new Project(opts);
    for (const n of project.notes) connection.console.warn(`dtmap: ${n}`);
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
        hoverProvider: true,
        definitionProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
      },
      serverInfo: { name: 'dtmap' },
    };
  });

  documents.onDidOpen(
    guard(
      'open',
      (e) => {
        const p = pathOf(e.document.uri);
        if (!p || !project) return;
        project.open(p, e.document.getText());
        schedule(0);
      },
      undefined,
    ),
  );
  documents.onDidChangeContent(
    guard(
      'change',
      (e) => {
        const p = pathOf(e.document.uri);
        if (!p || !project || project.overlay.get(p) === e.document.getText()) return; // the open itself, or no change
        project.change(p, e.document.getText());
        changedAt ??= performance.now();
        schedule(debounceMs);
      },
      undefined,
    ),
  );
  documents.onDidSave(
    guard(
      'save',
      (e) => {
        const p = pathOf(e.document.uri);
        if (!p || !project) return;
        project.save(p);
        schedule(0);
      },
      undefined,
    ),
  );
  documents.onDidClose(
    guard(
      'close',
      (e) => {
        const p = pathOf(e.document.uri);
        if (!p || !project) return;
        project.close(p);
        schedule(0);
      },
      undefined,
    ),
  );

  connection.onHover(
    guard(
      'hover',
      (params) => {
        const p = pathOf(params.textDocument.uri);
        return p && project ? hover(project, p, params.position) : null;
      },
      null,
    ),
  );
  connection.onDefinition(
    guard(
      'definition',
      (params) => {
        const p = pathOf(params.textDocument.uri);
        return p && project ? definition(project, p, params.position) : null;
      },
      null,
    ),
  );
  connection.onCodeAction(
    guard(
      'code action',
      (params) => {
        const p = pathOf(params.textDocument.uri);
        return p && project ? codeActions(project, p, params.context.diagnostics) : [];
      },
      [],
    ),
  );

  documents.listen(connection);
  connection.listen();
  return connection;
}
