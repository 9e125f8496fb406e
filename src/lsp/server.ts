// `dtmap lsp --stdio`: the Language Server Protocol over stdin/stdout. Its own bundle
// (dist/lsp.cjs), loaded only by this command, so the LSP libraries cost the others nothing.
// The server reads files and open buffers; it never writes a file.
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  createConnection,
  StreamMessageReader,
  StreamMessageWriter,
  TextDocuments,
  TextDocumentSyncKind,
  CodeActionKind,
  DidChangeWatchedFilesNotification,
  FileChangeType,
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

/** What the server asks a client to watch (where it can register watchers at run time). */
export const WATCHED = ['**/*.dts', '**/*.dtsi', '**/*.dtso', '**/*.h', '**/.dtmaprc.json'];

const readText = (p: string): string | undefined => {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return undefined; // gone again, or unreadable: as deleted
  }
};

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

  let watchRegistration = false;
  connection.onInitialize((params) => {
    watchRegistration = !!params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration;
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

  connection.onInitialized(
    guard(
      'initialized',
      () => {
        // the sources and headers a board reads, and the configuration: re-read when they change on disk
        if (watchRegistration)
          void connection.client.register(DidChangeWatchedFilesNotification.type, {
            watchers: WATCHED.map((globPattern) => ({ globPattern })),
          });
      },
      undefined,
    ),
  );

  connection.onDidChangeWatchedFiles(
    guard(
      'watched files',
      (params) => {
        if (!project) return;
        for (const change of params.changes) {
          const p = pathOf(change.uri);
          if (!p) continue;
          const text = change.type === FileChangeType.Deleted ? undefined : readText(p);
          project.changedOnDisk(p, text, change.type === FileChangeType.Created);
        }
        schedule(0);
      },
      undefined,
    ),
  );

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
        if (!p || !project) return [];
        // quick fixes only: a request for other kinds (`source`, `refactor`) gets none
        const only = params.context.only;
        if (only && !only.some((k) => CodeActionKind.QuickFix === k || CodeActionKind.QuickFix.startsWith(`${k}.`)))
          return [];
        // the diagnostics the client sends, else (a cursor or a selection alone) ours that meet the range
        const given = params.context.diagnostics.filter((d) => d.source === 'dtmap' && d.data);
        return codeActions(project, p, given.length ? given : project.diagnosticsIn(p, params.range));
      },
      [],
    ),
  );

  documents.listen(connection);
  connection.listen();
  return connection;
}
