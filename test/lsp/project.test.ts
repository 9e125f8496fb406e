// The language server's state without the protocol: boards found for a .dtsi, the configuration,
// baseline and suppressions of `dtmap check`, and code actions applied to the buffer.
import { afterAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Diagnostic, TextEdit } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { Project } from '../../src/lsp/project.js';
import { codeActions, definition, hover } from '../../src/lsp/features.js';
import { IncludeIndex, includedNames } from '../../src/app/boards.js';
import { preprocess } from '../../src/dts/preprocess/index.js';

const ROOT = resolve('fixtures/lsp/linux');
const ROCKCHIP = 'arch/arm64/boot/dts/rockchip';
const DTSI = join(ROOT, ROCKCHIP, 'rk3399-base.dtsi');
const FIREFLY = join(ROOT, ROCKCHIP, 'rk3399-firefly.dts');
const EVB = join(ROOT, ROCKCHIP, 'rk3399-evb.dts');

const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});
/** A copy of the fixture tree, for files the tests write beside it. */
function copyTree(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dtmap-lsp-'));
  temps.push(dir);
  cpSync(ROOT, dir, { recursive: true });
  return dir;
}

function apply(text: string, edits: TextEdit[]): string {
  return TextDocument.applyEdits(TextDocument.create('file:///x', 'dts', 0, text), edits);
}

describe('boards of a .dtsi', () => {
  it('reads #include and /include/ names', () => {
    expect(
      includedNames(
        '#include <dt-bindings/gpio/gpio.h>\n  # include "rk3399.dtsi"\n/include/ "x/y.dtsi"\n// #include "no.h" is not at a line start\n',
      ),
    ).toEqual(['gpio.h', 'rk3399.dtsi', 'y.dtsi']);
  });

  it('finds the boards through the .dtsi chain', () => {
    expect(new IncludeIndex([ROOT]).boardsIncluding(DTSI)).toEqual([EVB, FIREFLY]);
  });

  it('a .dtsi opened alone is checked through every board that includes it, and each finding names its board', () => {
    const p = new Project({ roots: [ROOT] });
    p.open(DTSI, readFileSync(DTSI, 'utf8'));
    const r = p.flush();
    expect(r.checked.map((c) => c.board)).toEqual([EVB, FIREFLY]);
    const list = r.publish.get(DTSI)!;
    expect(list.map((d) => [d.code, d.severity, /\[board (\S+)\]$/.exec(d.message)?.[1]])).toEqual([
      ['msi-map-gap', 3, 'rk3399-evb.dts'], // the bridge is disabled on evb: info
      ['msi-map-gap', 1, 'rk3399-firefly.dts'],
    ]);
    // closing it drops the boards and clears what was published
    p.close(DTSI);
    const closed = p.flush();
    expect(closed.publish.get(DTSI)).toEqual([]);
    expect(p.boards.size).toBe(0);
  });

  it('closing the open board that checked a .dtsi finds the boards that include it', () => {
    const p = new Project({ roots: [ROOT] });
    p.open(FIREFLY, readFileSync(FIREFLY, 'utf8'));
    p.open(DTSI, readFileSync(DTSI, 'utf8'));
    expect(p.flush().checked.map((c) => c.board)).toEqual([FIREFLY]);
    p.close(FIREFLY);
    const r = p.flush();
    expect(r.checked.map((c) => c.board)).toEqual([EVB, FIREFLY]);
    expect(r.publish.get(DTSI)!.map((d) => /\[board (\S+)\]$/.exec(d.message)?.[1])).toEqual([
      'rk3399-evb.dts',
      'rk3399-firefly.dts',
    ]);
  });

  it('`boards` in .dtmaprc.json chooses them; its rules set the severities', () => {
    const dir = copyTree();
    writeFileSync(
      join(dir, '.dtmaprc.json'),
      JSON.stringify({ boards: [`${ROCKCHIP}/rk3399-firefly.dts`], rules: { 'msi-map-gap': 'warning' } }),
    );
    const dtsi = join(dir, ROCKCHIP, 'rk3399-base.dtsi');
    const p = new Project({ roots: [dir] });
    p.open(dtsi, readFileSync(dtsi, 'utf8'));
    const r = p.flush();
    expect(r.checked.map((c) => c.board)).toEqual([join(dir, ROCKCHIP, 'rk3399-firefly.dts')]);
    expect(r.publish.get(dtsi)!.map((d) => [d.code, d.severity])).toEqual([['msi-map-gap', 2]]);
  });

  it('a baseline drops what it records, as dtmap check --baseline does', () => {
    const dir = copyTree();
    const baseline = join(dir, 'baseline.json');
    writeFileSync(
      baseline,
      JSON.stringify({
        version: 1,
        findings: [
          {
            file: `${ROCKCHIP}/rk3399-firefly.dts`,
            node: '/pcie@f8000000',
            property: 'msi-map',
            rule: 'msi-map-gap',
            rids: [[0x1000, 0x1fff]],
          },
        ],
      }),
    );
    const dtsi = join(dir, ROCKCHIP, 'rk3399-base.dtsi');
    const p = new Project({ roots: [dir], baseline });
    p.open(dtsi, readFileSync(dtsi, 'utf8'));
    expect(
      p
        .flush()
        .publish.get(dtsi)!
        .map((d) => /\[board (\S+)\]$/.exec(d.message)?.[1]),
    ).toEqual(['rk3399-evb.dts']);
  });
});

describe('code actions, applied to the buffer', () => {
  const text = readFileSync(DTSI, 'utf8');
  const gapOf = (p: Project, file: string): Diagnostic | undefined =>
    p
      .flush()
      .publish.get(file)
      ?.find((d) => d.code === 'msi-map-gap');

  it('the dtmap-disable-next-line comment silences the finding (suppress.ts reads it)', () => {
    const p = new Project({ roots: [ROOT] });
    p.open(FIREFLY, readFileSync(FIREFLY, 'utf8'));
    p.open(DTSI, text);
    const gap = gapOf(p, DTSI)!;
    const action = codeActions(p, DTSI, [gap]).find((a) => a.title.includes('dtmap-disable-next-line'))!;
    p.change(DTSI, apply(text, action.edit!.changes![pathToFileURL(DTSI).href]!));
    expect(p.flush().publish.get(DTSI)).toEqual([]);
  });

  it('extending the entry over bus-range leaves no gap and no other finding', () => {
    const p = new Project({ roots: [ROOT] });
    p.open(FIREFLY, readFileSync(FIREFLY, 'utf8'));
    p.open(DTSI, text);
    const gap = gapOf(p, DTSI)!;
    const action = codeActions(p, DTSI, [gap]).find((a) => a.title.startsWith('Extend'))!;
    const fixed = apply(text, action.edit!.changes![pathToFileURL(DTSI).href]!);
    expect(fixed).toContain('msi-map = <0x0 &its 0x0 0x2000>;');
    p.change(DTSI, fixed);
    expect(p.flush().publish.get(DTSI)).toEqual([]);
  });

  it('no extension when a single entry cannot cover bus-range without changing a translation', () => {
    const p = new Project({ roots: [ROOT] });
    p.open(FIREFLY, readFileSync(FIREFLY, 'utf8'));
    // gaps 08:00.0-0f:1f.7 and 11:00.0-1f:1f.7: entry 0 stretched over them would take entry 1's
    // RIDs to other DeviceIDs; entry 1 stretched down to 0x800 would need a DeviceID base below 0
    p.open(
      DTSI,
      text.replace('msi-map = <0x0 &its 0x0 0x1000>;', 'msi-map = <0x0 &its 0x0 0x800>, <0x1000 &its 0x100 0x100>;'),
    );
    const gap = gapOf(p, DTSI)!;
    expect(codeActions(p, DTSI, [gap]).map((a) => a.title)).toEqual([
      'Disable msi-map-gap for this property (dtmap-disable-next-line)',
    ]);
  });
});

describe('a map the board sets again', () => {
  it('hover and definition read the entry where the board wrote it', () => {
    const board = readFileSync(FIREFLY, 'utf8').replace(
      'num-lanes = <4>;',
      'num-lanes = <4>;\n\tmsi-map = <0x0 &its 0x0 0x2000>;',
    );
    const p = new Project({ roots: [ROOT] });
    p.open(FIREFLY, board);
    expect(p.flush().publish.get(DTSI) ?? []).toEqual([]); // the board's map covers bus-range
    const line = board.split('\n').findIndex((l) => l.includes('msi-map = <0x0 &its 0x0 0x2000>;'));
    const character = board.split('\n')[line]!.indexOf('&its') + 1;
    const h = hover(p, FIREFLY, { line, character })!;
    expect((h.contents as { value: string }).value).toContain(
      '00:00.0-1f:1f.7 (0x0-0x1fff) -> /interrupt-controller@fee00000/msi-controller@fee20000 (&its) DeviceID 0x0-0x1fff',
    );
    expect(definition(p, FIREFLY, { line, character })!.uri).toBe(pathToFileURL(DTSI).href);
  });
});

describe('the front end reads open buffers', () => {
  it('an overlay replaces an included file for one run, the disk is read again without it', () => {
    const includeDirs = [join(ROOT, 'scripts/dtc/include-prefixes')];
    const edited = text().replace('msi-map = <0x0 &its 0x0 0x1000>;', 'msi-map = <0x0 &its 0x0 0x2000>;');
    expect(preprocess(FIREFLY, { includeDirs, overlay: new Map([[DTSI, edited]]) }).text).toContain(
      'msi-map = <0x0 &its 0x0 0x2000>;',
    );
    expect(preprocess(FIREFLY, { includeDirs }).text).toContain('msi-map = <0x0 &its 0x0 0x1000>;');
  });
  const text = () => readFileSync(DTSI, 'utf8');
});
