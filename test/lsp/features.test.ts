// Item 6 of issue 23, in process: hover and definition on every label, code actions for a cursor
// range, files changed on disk, a missing include, and the rule page of each diagnostic. On the
// rk3399 files of fixtures/lsp/ (Linux 6.12).
import { afterAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Hover, Position } from 'vscode-languageserver';
import { Project } from '../../src/lsp/project.js';
import { codeActions, definition, hover } from '../../src/lsp/features.js';
import { labelAt } from '../../src/lsp/text.js';
import { lineOf } from './client.js';

const ROOT = resolve('fixtures/lsp/linux');
const ROCKCHIP = 'arch/arm64/boot/dts/rockchip';
const DTSI = join(ROOT, ROCKCHIP, 'rk3399-base.dtsi');
const FIREFLY = join(ROOT, ROCKCHIP, 'rk3399-firefly.dts');
const dtsi = readFileSync(DTSI, 'utf8');
const board = readFileSync(FIREFLY, 'utf8');

const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});
function copyTree(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dtmap-lsp-'));
  temps.push(dir);
  cpSync(ROOT, dir, { recursive: true });
  return dir;
}

/** The position of `needle` (plus `skip` characters) on the first line of `text` holding `line`. */
function at(text: string, line: string, needle: string, skip = 1): Position {
  const n = lineOf(text, line);
  const c = text.split('\n')[n]!.indexOf(needle);
  if (c < 0) throw new Error(`no ${needle} on ${line}`);
  return { line: n, character: c + skip };
}
const value = (h: Hover | null) => (h?.contents as { value: string } | undefined)?.value ?? '';

describe('labelAt', () => {
  const find = (text: string, needle: string, skip = 1) => labelAt(text, text.indexOf(needle) + skip);
  it('references, definitions and paths', () => {
    const t = 'its: msi@0 { };\n&its { x = <&gic 1>, <&{/soc/pcie@0} 2>; };\n';
    expect(find(t, 'its:', 0)).toEqual({ kind: 'def', name: 'its', start: 0, end: 4 });
    expect(find(t, '&its', 0)).toMatchObject({ kind: 'ref', name: 'its' }); // on the `&`
    expect(find(t, '&gic', 4)).toMatchObject({ kind: 'ref', name: 'gic' }); // just past its end
    expect(find(t, '&{/soc', 5)).toMatchObject({ kind: 'path', name: '/soc/pcie@0' });
    expect(find(t, 'msi@0')).toBeUndefined(); // a node name
    expect(find(t, '1>')).toBeUndefined();
  });
  it('nothing inside comments and strings', () => {
    const t = '// see &its\n/* its: old\n &gic */ x = "&its"; y = <&its>;\n';
    expect(find(t, '&its')).toBeUndefined();
    expect(find(t, 'its: old')).toBeUndefined();
    expect(find(t, '&gic')).toBeUndefined();
    expect(find(t, '"&its"', 2)).toBeUndefined();
    expect(find(t, '<&its', 2)).toMatchObject({ kind: 'ref', name: 'its' });
  });
});

describe('hover and definition on labels', () => {
  const p = new Project({ roots: [ROOT] });
  p.open(FIREFLY, board);
  p.open(DTSI, dtsi);
  p.flush();
  const intcLine = lineOf(dtsi, 'pcie0_intc: interrupt-controller {');

  it('a reference outside any map (interrupt-map): the node, and definition goes there', () => {
    const pos = at(dtsi, '<0 0 0 1 &pcie0_intc 0>', '&pcie0_intc', 3);
    const h = hover(p, DTSI, pos);
    expect(value(h)).toContain(
      `**&pcie0_intc**: \`/pcie@f8000000/interrupt-controller\` (rk3399-base.dtsi:${intcLine + 1})`,
    );
    expect(value(h)).toContain('*board rk3399-firefly.dts*');
    expect(h!.range).toEqual({
      start: { line: pos.line, character: pos.character - 3 },
      end: { line: pos.line, character: pos.character - 3 + '&pcie0_intc'.length },
    });
    const col = dtsi.split('\n')[intcLine]!.indexOf('interrupt-controller');
    expect(definition(p, DTSI, pos)).toEqual({
      uri: pathToFileURL(DTSI).href,
      range: { start: { line: intcLine, character: col }, end: { line: intcLine, character: col + 20 } },
    });
  });

  it('a label definition: the node, the map entries that point at it', () => {
    const pos = at(dtsi, 'its: msi-controller@fee20000 {', 'its:');
    const text = value(hover(p, DTSI, pos));
    expect(text).toContain('**&its**: `/interrupt-controller@fee00000/msi-controller@fee20000`');
    expect(text).toContain('- compatible: "arm,gic-v3-its"');
    expect(text).toContain('- msi-map entry 0 of `/pcie@f8000000` points here');
    expect(definition(p, DTSI, pos)!.range.start.line).toBe(pos.line); // itself
  });

  it('`&pcie0 {` in the board: the bridge and its map; definition in the .dtsi', () => {
    const pos = at(board, '&pcie0 {', '&pcie0', 2);
    const text = value(hover(p, FIREFLY, pos));
    expect(text).toContain('**&pcie0**: `/pcie@f8000000`');
    expect(text).toContain('**msi-map** on `/pcie@f8000000`, bus-range 00-1f (classic kernel)');
    expect(text).toContain('10:00.0-1f:1f.7 (0x1000-0x1fff): not covered');
    const loc = definition(p, FIREFLY, pos)!;
    expect(loc.uri).toBe(pathToFileURL(DTSI).href);
    expect(loc.range.start).toEqual({ line: lineOf(dtsi, 'pcie0: pcie@f8000000 {'), character: 8 });
  });

  it('a map entry keeps its own hover; a comment or a number has none', () => {
    expect(value(hover(p, DTSI, at(dtsi, 'msi-map = <0x0 &its', '&its')))).toContain('**msi-map** entry 0');
    const commented = dtsi.replace('\t\tmsi-map = <', '\t\t/* &its */ msi-map = <');
    const q = new Project({ roots: [ROOT] });
    q.open(FIREFLY, board);
    q.open(DTSI, commented);
    q.flush();
    expect(hover(q, DTSI, at(commented, '/* &its */', '&its'))).toBeNull();
    expect(definition(q, DTSI, at(commented, '/* &its */', '&its'))).toBeNull();
    expect(definition(p, DTSI, at(dtsi, 'msi-map = <0x0 &its 0x0 0x1000>', '0x1000'))).toBeNull();
  });
});

describe('code actions for a cursor range', () => {
  const p = new Project({ roots: [ROOT] });
  p.open(FIREFLY, board);
  p.flush();
  const mapLine = lineOf(dtsi, 'msi-map = <0x0 &its 0x0 0x1000>;');

  it('the diagnostics that meet the range are found by the server', () => {
    const cursor = { line: mapLine, character: 5 };
    const found = p.diagnosticsIn(DTSI, { start: cursor, end: cursor });
    expect(found.map((d) => d.code)).toEqual(['msi-map-gap']);
    const titles = codeActions(p, DTSI, found).map((a) => a.title);
    expect(titles).toEqual([
      'Disable msi-map-gap for this property (dtmap-disable-next-line)',
      'Extend msi-map entry 0 to cover bus-range: RIDs 00:00.0-1f:1f.7',
    ]);
    // a selection that ends on the map's line meets it; the line above alone does not
    expect(p.diagnosticsIn(DTSI, { start: { line: mapLine - 3, character: 0 }, end: cursor })).toHaveLength(1);
    const above = { line: mapLine - 1, character: 0 };
    expect(p.diagnosticsIn(DTSI, { start: above, end: above })).toEqual([]);
  });
});

describe('rule pages', () => {
  it('each finding links to docs/rules/<id>.md of this package', () => {
    const p = new Project({ roots: [ROOT] });
    p.open(FIREFLY, board);
    const [gap] = p.flush().publish.get(DTSI)!;
    const href = gap!.codeDescription!.href;
    expect(href).toBe(pathToFileURL(resolve('docs/rules/msi-map-gap.md')).href);
    expect(readFileSync(fileURLToPath(href), 'utf8')).toMatch(/^# msi-map-gap/);
  });
});

describe('files changed on disk', () => {
  it('a .dtsi and a header changed on disk are read again by the boards that include them', () => {
    const dir = copyTree();
    const board2 = join(dir, ROCKCHIP, 'rk3399-firefly.dts');
    const dtsi2 = join(dir, ROCKCHIP, 'rk3399-base.dtsi');
    const p = new Project({ roots: [dir] });
    p.open(board2, board);
    expect(
      p
        .flush()
        .publish.get(dtsi2)!
        .map((d) => d.code),
    ).toEqual(['msi-map-gap']);
    // the map fixed on disk (not in a buffer): the gap goes
    writeFileSync(dtsi2, dtsi.replace('msi-map = <0x0 &its 0x0 0x1000>;', 'msi-map = <0x0 &its 0x0 0x2000>;'));
    p.changedOnDisk(dtsi2, readFileSync(dtsi2, 'utf8'));
    let r = p.flush();
    expect(r.checked.map((c) => c.board)).toEqual([board2]);
    expect(r.publish.get(dtsi2)).toEqual([]);
    // a header broken on disk: its error is published at its place
    const header = join(dir, 'scripts/dtc/include-prefixes/dt-bindings/interrupt-controller/irq.h');
    const h = readFileSync(header, 'utf8');
    writeFileSync(header, `${h}\n#error header broken\n`);
    p.changedOnDisk(header, readFileSync(header, 'utf8'));
    r = p.flush();
    expect(r.publish.get(header)!.map((d) => d.message)).toEqual([
      expect.stringContaining('#error header broken [board rk3399-firefly.dts]'),
    ]);
    // an open buffer wins over the disk: nothing is checked for it
    p.open(dtsi2, dtsi);
    p.flush();
    p.changedOnDisk(dtsi2, 'garbage');
    expect(p.flush().checked).toEqual([]);
  });
});

describe('a missing include', () => {
  it('says where dtmap looked, and how to add a folder; creating the file clears it', () => {
    const dir = copyTree();
    const home = join(dir, ROCKCHIP);
    const b = join(home, 'missing.dts');
    const text = '/dts-v1/;\n#include <dt-bindings/soc/nope.h>\n/ { };\n';
    writeFileSync(b, text);
    const p = new Project({ roots: [dir] });
    p.open(b, text);
    const [angled] = p.flush().publish.get(b)!;
    expect(angled!.range.start.line).toBe(1);
    expect(angled!.message).toBe(
      'dt-bindings/soc/nope.h: No such file or directory; looked in scripts/dtc/include-prefixes/. ' +
        'Add an include folder with "include": ["DIR"] in .dtmaprc.json (relative to it), or -I DIR for dtmap check [board missing.dts]',
    );
    const quoted = '/dts-v1/;\n#include "extra/board.dtsi"\n/ { };\n';
    p.change(b, quoted);
    expect(p.flush().publish.get(b)![0]!.message).toContain(
      `looked in ${ROCKCHIP}/, scripts/dtc/include-prefixes/. Add an include folder`,
    );
    const dtc = '/dts-v1/;\n/include/ "gone.dtsi"\n/ { };\n';
    p.change(b, dtc);
    expect(p.flush().publish.get(b)![0]!.message).toMatch(
      new RegExp(`^Couldn't open "gone.dtsi": No such file or directory; looked in ${ROCKCHIP}/, scripts/dtc/`),
    );
    // the file appears on disk: the board is checked again and the error goes
    const gone = join(home, 'gone.dtsi');
    writeFileSync(gone, '/ { model = "x"; };\n');
    p.changedOnDisk(gone, readFileSync(gone, 'utf8'), true);
    expect(p.flush().publish.get(b)).toEqual([]);
    unlinkSync(gone);
    expect(existsSync(gone)).toBe(false);
  });
});
