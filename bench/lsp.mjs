// node bench/lsp.mjs KERNEL_TREE [EDITS]: diagnostic latency of `dtmap lsp --stdio` for one edit
// of arch/arm64/boot/dts/rockchip/rk3399-base.dtsi with rk3399-firefly.dts open (the language
// server issue's measure). Each edit flips the msi-map length between 0x1000 and 0x2000, so every
// edit changes the findings; the server logs its own time from the change to publishing.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';

const kernel = process.argv[2] ?? process.env.DTMAP_KERNEL;
if (!kernel) throw new Error('usage: node bench/lsp.mjs KERNEL_TREE [EDITS]');
const edits = Number(process.argv[3] ?? 20);
const dir = join(kernel, 'arch/arm64/boot/dts/rockchip');
const board = join(dir, 'rk3399-firefly.dts');
const dtsi = join(dir, 'rk3399-base.dtsi');
const text = readFileSync(dtsi, 'utf8');
const line = text.split('\n').findIndex((l) => l.includes('msi-map = <0x0 &its 0x0 0x1000>;'));
const col = text.split('\n')[line].indexOf('0x1000');

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function run(debounceMs) {
  const child = spawn(process.execPath, ['bin/dtmap.cjs', 'lsp', '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const conn = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  let waiting;
  conn.onNotification('window/logMessage', (p) => {
    const m = /: ([\d.]+) ms, ([\d.]+) ms after the change.*; CPU ([\d.]+) ms/.exec(p.message);
    if (m && waiting) waiting({ check: Number(m[1]), latency: Number(m[2]), cpu: Number(m[3]) });
  });
  conn.listen();
  const root = pathToFileURL(kernel).href;
  await conn.sendRequest('initialize', {
    processId: process.pid,
    rootUri: root,
    workspaceFolders: [{ uri: root, name: 'linux' }],
    capabilities: {},
    initializationOptions: { debounceMs },
  });
  await conn.sendNotification('initialized', {});
  for (const f of [board, dtsi])
    await conn.sendNotification('textDocument/didOpen', {
      textDocument: { uri: pathToFileURL(f).href, languageId: 'dts', version: 1, text: readFileSync(f, 'utf8') },
    });
  const results = [];
  for (let i = 0; i <= edits; i++) {
    const done = new Promise((resolve) => (waiting = resolve));
    const t0 = performance.now();
    await conn.sendNotification('textDocument/didChange', {
      textDocument: { uri: pathToFileURL(dtsi).href, version: i + 2 },
      contentChanges: [
        {
          range: { start: { line, character: col }, end: { line, character: col + 6 } },
          text: i % 2 ? '0x1000' : '0x2000',
        },
      ],
    });
    const r = await done;
    if (i > 0) results.push({ ...r, roundTrip: performance.now() - t0 }); // the first edit warms the JIT
  }
  await conn.sendRequest('shutdown');
  await conn.sendNotification('exit');
  conn.dispose();
  const pick = (k) => median(results.map((r) => r[k])).toFixed(1);
  console.log(
    `debounce ${debounceMs} ms, median of ${results.length} edits: check ${pick('check')} ms (CPU ${pick('cpu')} ms); change -> publishDiagnostics ${pick('latency')} ms (server), ${pick('roundTrip')} ms (client round trip)`,
  );
}

await run(0);
await run(100);
