// `dtmap lsp --stdio` driven over stdio by a JSON-RPC client, on real kernel files (rk3399-firefly
// and its .dtsi chain, copied from Linux 6.12 into fixtures/lsp/).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CodeAction, Diagnostic, Hover, Location } from 'vscode-languageserver';
import { Client, lineOf } from './client.js';

const ROOT = resolve('fixtures/lsp/linux');
const DIR = join(ROOT, 'arch/arm64/boot/dts/rockchip');
const BOARD = join(DIR, 'rk3399-firefly.dts');
const DTSI = join(DIR, 'rk3399-base.dtsi');
const dtsi = readFileSync(DTSI, 'utf8');
const board = readFileSync(BOARD, 'utf8');
const MAP_LINE = lineOf(dtsi, 'msi-map = <0x0 &its 0x0 0x1000>;');

/** Every fixture file's content, to show that the server wrote none. */
function snapshot(dir: string, out = new Map<string, string>()): Map<string, string> {
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) snapshot(p, out);
    else out.set(p, createHash('sha256').update(readFileSync(p)).digest('hex'));
  }
  return out;
}

const byRule = (list: Diagnostic[] | undefined, rule: string) => list?.filter((d) => d.code === rule) ?? [];

describe('dtmap lsp --stdio', () => {
  const before = snapshot(ROOT);
  let client: Client;
  beforeAll(async () => {
    client = new Client();
    const init = (await client.initialize(ROOT, { debounceMs: 50 })) as { capabilities: Record<string, unknown> };
    expect(init.capabilities).toMatchObject({ hoverProvider: true, definitionProvider: true });
  });
  afterAll(async () => {
    if (client.child.exitCode === null) await client.close();
  });

  it('opening the board publishes its msi-map-gap on the map in the .dtsi, naming the board', async () => {
    await client.open(BOARD);
    const [gap] = await client.until(
      () =>
        byRule(client.diagnosticsOf(DTSI), 'msi-map-gap').length && byRule(client.diagnosticsOf(DTSI), 'msi-map-gap'),
      'msi-map-gap',
    );
    expect(gap!.severity).toBe(1); // error, as `dtmap check` says
    expect(gap!.source).toBe('dtmap');
    expect(gap!.range).toEqual({
      start: { line: MAP_LINE, character: 2 },
      end: { line: MAP_LINE, character: dtsi.split('\n')[MAP_LINE]!.length },
    }); // the whole property, to its `;`
    expect(gap!.message).toContain('4096 RIDs of bus-range not in msi-map (10:00.0-1f:1f.7): they get no MSI domain');
    expect(gap!.message).toContain('[board rk3399-firefly.dts]');
    await client.open(DTSI);
  });

  it('breaking the map in the unsaved .dtsi buffer gives the finding on the entry, timed by the server', async () => {
    client.clear();
    const line = `\t\tmsi-map = <0x0 &its 0x0 0x1000>, <0x800 &its 0x0 0x100>;`;
    await client.edit(
      DTSI,
      {
        start: { line: MAP_LINE, character: 0 },
        end: { line: MAP_LINE, character: dtsi.split('\n')[MAP_LINE]!.length },
      },
      line,
    );
    const [overlap] = await client.until(
      () =>
        byRule(client.diagnosticsOf(DTSI), 'map-overlap').length && byRule(client.diagnosticsOf(DTSI), 'map-overlap'),
      'map-overlap',
    );
    // entry 1, `<0x800 &its 0x0 0x100`: its cells, on the line edited
    expect(overlap!.range).toEqual({
      start: { line: MAP_LINE, character: line.indexOf('0x800') },
      end: { line: MAP_LINE, character: line.indexOf('0x100>') + 5 },
    });
    expect(overlap!.message).toContain('[board rk3399-firefly.dts]');
    expect(byRule(client.diagnosticsOf(DTSI), 'msi-map-gap')).toHaveLength(1);
    const timing = await client.until(
      () => client.logs.find((l) => /checked .*rk3399-firefly\.dts.* after the change/.test(l)),
      'timing log',
    );
    // server-side time from the change to publishing (debounce included), for the report
    const m = /: ([\d.]+) ms, ([\d.]+) ms after the change.*; CPU ([\d.]+) ms/.exec(timing)!;
    console.log(
      `lsp: rk3399-firefly.dts checked in ${m[1]} ms (CPU ${m[3]} ms); diagnostics ${m[2]} ms after the change (debounce 50 ms; the first edit, JIT still cold)`,
    );
    expect(readFileSync(DTSI, 'utf8')).toBe(dtsi); // the edit stayed in the buffer
  });

  it('hover on an entry: its RIDs as BDFs, what they become, and the kernel line for the gap', async () => {
    const line = dtsi.split('\n')[MAP_LINE]!;
    const h = await client.request<Hover>('textDocument/hover', DTSI, {
      position: { line: MAP_LINE, character: line.indexOf('&its') + 1 },
    });
    const text = (h.contents as { value: string }).value;
    expect(text).toContain('**msi-map** entry 0 on `/pcie@f8000000`');
    expect(text).toContain(
      '00:00.0-0f:1f.7 (0x0-0xfff) -> /interrupt-controller@fee00000/msi-controller@fee20000 (&its) DeviceID 0x0-0xfff',
    );
    expect(text).toContain(
      '10:00.0-1f:1f.7 (0x1000-0x1fff): no MSI domain from the map; kernel: `OF: /pcie@f8000000: no msi-map translation for id 0x1000 on (null)`',
    );
    expect(text).toContain('board rk3399-firefly.dts');
  });

  it('go to definition on the phandle of an entry: the target node', async () => {
    const line = dtsi.split('\n')[MAP_LINE]!;
    const loc = await client.request<Location>('textDocument/definition', DTSI, {
      position: { line: MAP_LINE, character: line.indexOf('&its') + 2 },
    });
    const itsLine = lineOf(dtsi, 'its: msi-controller@fee20000 {');
    expect(loc).toEqual({
      uri: pathToFileURL(DTSI).href,
      range: {
        start: { line: itsLine, character: dtsi.split('\n')[itsLine]!.indexOf('msi-controller') },
        end: { line: itsLine, character: dtsi.split('\n')[itsLine]!.indexOf(' {') },
      },
    });
    expect(
      await client.request('textDocument/definition', DTSI, {
        position: { line: MAP_LINE, character: line.indexOf('0x1000') },
      }),
    ).toBeNull();
  });

  it('code actions: a suppression comment, and extending the entry over bus-range', async () => {
    const [gap] = byRule(client.diagnosticsOf(DTSI), 'msi-map-gap');
    const actions = await client.request<CodeAction[]>('textDocument/codeAction', DTSI, {
      range: gap!.range,
      context: { diagnostics: [gap] },
    });
    const uri = pathToFileURL(DTSI).href;
    const disable = actions.find((a) => a.title.includes('dtmap-disable-next-line'))!;
    expect(disable.edit!.changes![uri]).toEqual([
      {
        range: { start: { line: MAP_LINE, character: 0 }, end: { line: MAP_LINE, character: 0 } },
        newText: '\t\t// dtmap-disable-next-line msi-map-gap -- reason\n',
      },
    ]);
    const extend = actions.find((a) => a.title.startsWith('Extend msi-map entry 0'))!;
    expect(extend.title).toBe('Extend msi-map entry 0 to cover bus-range: RIDs 00:00.0-1f:1f.7');
    const line = `\t\tmsi-map = <0x0 &its 0x0 0x1000>, <0x800 &its 0x0 0x100>;`;
    expect(extend.edit!.changes![uri]).toEqual([
      {
        range: {
          start: { line: MAP_LINE, character: line.indexOf('0x1000') },
          end: { line: MAP_LINE, character: line.indexOf('0x1000') + 6 },
        },
        newText: '0x2000',
      },
    ]);
  });

  it('hover on a PCI device node: its RID, StreamID and DeviceID', async () => {
    // describe two devices in the (unsaved) board buffer: one on bus 0, and one whose reg names bus
    // 0x10, which Linux numbers as the root bus it sits on (src/machine/topology.ts)
    const at = lineOf(board, 'pinctrl-0 = <&pcie_clkreqn_cpm>;') + 2; // the `};` of `&pcie0 {`, after its properties
    client.clear();
    await client.edit(
      BOARD,
      { start: { line: at, character: 0 }, end: { line: at, character: 0 } },
      '\tpcie@0,0 { reg = <0x0 0 0 0 0>; };\n\tpcie@10,0 { reg = <0x100000 0 0 0 0>; };\n',
    );
    await client.until(
      () => client.logs.find((l) => /checked .*rk3399-firefly\.dts.* after the change/.test(l)),
      'recheck',
    );
    const h0 = await client.request<Hover>('textDocument/hover', BOARD, { position: { line: at, character: 3 } });
    expect((h0.contents as { value: string }).value).toContain(
      '**PCI device** `/pcie@f8000000/pcie@0,0`: RID 00:00.0 (0x0)',
    );
    expect((h0.contents as { value: string }).value).toContain('- iommu-map: no iommu-map: no IOMMU from this bridge');
    expect((h0.contents as { value: string }).value).toContain(
      '- msi-map: DeviceID 0x0 on /interrupt-controller@fee00000/msi-controller@fee20000 (&its) [entry 0]',
    );
    const h1 = await client.request<Hover>('textDocument/hover', BOARD, { position: { line: at + 1, character: 3 } });
    expect((h1.contents as { value: string }).value).toContain(
      'RID 00:00.0 (0x0) on `/pcie@f8000000` (classic kernel); its `reg` names 10:00.0, but Linux numbers buses depth first',
    );
    expect((h1.contents as { value: string }).value).toContain(
      '- msi-map: DeviceID 0x0 on /interrupt-controller@fee00000/msi-controller@fee20000 (&its) [entry 0]',
    );
  });

  it('a syntax error is a diagnostic at its place; the other files keep their last good findings', async () => {
    client.clear();
    const at = lineOf(board, 'num-lanes = <4>;');
    await client.edit(
      BOARD,
      { start: { line: at + 1, character: 0 }, end: { line: at + 1, character: 0 } },
      '\tbroken = <1;\n',
    );
    const [err] = await client.until(
      () => client.diagnosticsOf(BOARD)?.length && client.diagnosticsOf(BOARD),
      'syntax error',
    );
    expect(err!.severity).toBe(1);
    expect(err!.range.start.line).toBe(at + 1);
    expect(err!.message).toMatch(/syntax error/);
    // the .dtsi keeps what the last good run found
    expect(byRule(client.diagnosticsOf(DTSI), 'msi-map-gap')).toHaveLength(1);
    expect(byRule(client.diagnosticsOf(DTSI), 'map-overlap')).toHaveLength(1);
    expect(client.stderr).toBe('');
  });

  it('saving checks again', async () => {
    client.clear();
    await client.conn.sendNotification('textDocument/didSave', { textDocument: { uri: pathToFileURL(DTSI).href } });
    await client.until(() => client.diagnosticsOf(DTSI) && client.diagnosticsOf(BOARD), 'diagnostics after the save');
    expect(byRule(client.diagnosticsOf(DTSI), 'msi-map-gap')).toHaveLength(1);
    expect(client.diagnosticsOf(BOARD)![0]!.message).toMatch(/syntax error/); // the buffer, not the file on disk
  });

  it('exits cleanly and wrote no file', async () => {
    expect(await client.close()).toBe(0);
    expect(snapshot(ROOT)).toEqual(before);
  });
});

describe('dtmap lsp --stdio: watched files, code actions at a cursor, rule pages', () => {
  let client: Client;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dtmap-lsp-'));
    cpSync(ROOT, dir, { recursive: true });
    client = new Client();
    await client.initialize(
      dir,
      { debounceMs: 0 },
      { workspace: { didChangeWatchedFiles: { dynamicRegistration: true } } },
    );
  });
  afterAll(async () => {
    if (client.child.exitCode === null) await client.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('registers file watchers for sources, headers and the configuration', async () => {
    const reg = await client.until(
      () => client.registrations.find((r) => r.method === 'workspace/didChangeWatchedFiles'),
      'registration',
    );
    expect(reg.registerOptions).toEqual({
      watchers: ['**/*.dts', '**/*.dtsi', '**/*.dtso', '**/*.h', '**/.dtmaprc.json'].map((globPattern) => ({
        globPattern,
      })),
    });
  });

  it('a .dtsi changed on disk is read again', async () => {
    const b = join(dir, 'arch/arm64/boot/dts/rockchip/rk3399-firefly.dts');
    const d = join(dir, 'arch/arm64/boot/dts/rockchip/rk3399-base.dtsi');
    await client.open(b);
    const [gap] = await client.until(
      () => byRule(client.diagnosticsOf(d), 'msi-map-gap').length && byRule(client.diagnosticsOf(d), 'msi-map-gap'),
      'msi-map-gap',
    );
    // the rule's page as the package ships it
    expect(gap!.codeDescription).toEqual({ href: pathToFileURL(resolve('docs/rules/msi-map-gap.md')).href });
    // code actions at a cursor on the map, the request carrying no diagnostic
    const cursor = { line: MAP_LINE, character: 4 };
    const actions = await client.request<CodeAction[]>('textDocument/codeAction', d, {
      range: { start: cursor, end: cursor },
      context: { diagnostics: [] },
    });
    expect(actions.map((a) => a.title)).toEqual([
      'Disable msi-map-gap for this property (dtmap-disable-next-line)',
      'Extend msi-map entry 0 to cover bus-range: RIDs 00:00.0-1f:1f.7',
    ]);
    expect(
      await client.request('textDocument/codeAction', d, {
        range: { start: cursor, end: cursor },
        context: { diagnostics: [], only: ['source'] },
      }),
    ).toEqual([]);
    client.clear();
    writeFileSync(d, dtsi.replace('msi-map = <0x0 &its 0x0 0x1000>;', 'msi-map = <0x0 &its 0x0 0x2000>;'));
    await client.conn.sendNotification('workspace/didChangeWatchedFiles', {
      changes: [{ uri: pathToFileURL(d).href, type: 2 }],
    });
    await client.until(() => client.diagnosticsOf(d)?.length === 0, 'the gap cleared');
  });
});
