// The SVG and HTML pictures rendered by headless Chromium: the one-RID gap of the QEMU
// virtio-iommu DTB shows its colour where RID 0x10 falls. Skipped when Chromium is absent
// (CI installs Debian's `chromium` for it). The PNG decoder is tested without Chromium.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
// @ts-expect-error: a plain .mjs script without type declarations
import { decodePng, findChromium, parseRid, readPicture } from '../../scripts/render-check.mjs';
import { readDtb } from '../../src/dtb/read.js';
import { buildPicture } from '../../src/view/model.js';
import { formatSvg, COLOURS } from '../../src/view/svg.js';
import { formatHtml } from '../../src/view/html.js';

const VIRTIO = 'fixtures/qemu/virt-virtio-iommu.dtb';
const chromium: string | null = findChromium();

/** A PNG of `rows` (RGB or RGBA bytes per line), each line stored with the given filter. */
function png(width: number, channels: 3 | 4, rows: number[][], filters: number[]): Buffer {
  const chunk = (name: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    return Buffer.concat([len, Buffer.from(name, 'latin1'), data, Buffer.alloc(4)]); // CRC not checked by the decoder
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(rows.length, 4);
  ihdr[8] = 8;
  ihdr[9] = channels === 3 ? 2 : 6;
  const raw: number[] = [];
  rows.forEach((line, y) => {
    const f = filters[y % filters.length]!;
    raw.push(f);
    const up = y > 0 ? rows[y - 1]! : line.map(() => 0);
    line.forEach((v, i) => {
      const a = i >= channels ? line[i - channels]! : 0;
      const b = y > 0 ? up[i]! : 0;
      const c = y > 0 && i >= channels ? up[i - channels]! : 0;
      const p = a + b - c;
      const pred = [
        0,
        a,
        b,
        (a + b) >> 1,
        Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c)
          ? a
          : Math.abs(p - b) <= Math.abs(p - c)
            ? b
            : c,
      ][f]!;
      raw.push((v - pred) & 0xff);
    });
  });
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.from(raw))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('render-check PNG decoder', () => {
  it('decodes RGB and RGBA lines stored with each of the five filters', () => {
    for (const channels of [3, 4] as const) {
      const width = 7;
      const rows = Array.from({ length: 10 }, (_, y) =>
        Array.from({ length: width * channels }, (_, i) => (y * 37 + i * 91 + ((i * y) % 13)) & 0xff),
      );
      const img = decodePng(png(width, channels, rows, [0, 1, 2, 3, 4]));
      expect([img.width, img.height]).toEqual([width, 10]);
      for (let y = 0; y < 10; y++)
        for (let x = 0; x < width; x++) {
          const want = rows[y]!.slice(x * channels, x * channels + channels);
          expect(img.pixel(x, y)).toEqual(channels === 3 ? [...want, 255] : want);
        }
      expect(img.pixel(width, 0)).toBeNull();
    }
  });

  it('rejects what it does not read', () => {
    expect(() => decodePng(Buffer.from('GIF89a'))).toThrow(/not a PNG/);
  });

  it('reads the bars and gaps the SVG declares; RIDs as hex, decimal or BDF', () => {
    const svg = formatSvg(buildPicture(readDtb(readFileSync(VIRTIO), VIRTIO), 'classic'));
    const p = readPicture(svg);
    expect(p.rows.map((r: { node: string; map: string; gaps: number[][] }) => [r.node, r.map, r.gaps])).toEqual([
      ['/pcie@10000000', 'iommu', [[16, 16]]],
      ['/pcie@10000000', 'msi', []],
    ]);
    expect([parseRid('00:02.0'), parseRid('0x10'), parseRid('16')]).toEqual([16, 16, 16]);
  });
});

describe.skipIf(!chromium)('rendered in headless Chromium', () => {
  const tree = readDtb(readFileSync(VIRTIO), VIRTIO);
  const picture = buildPicture(tree, 'classic');
  // made in beforeAll: a skipped suite (no chromium) still runs this body, but never its afterAll
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'dtmap-render-test-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const check = (file: string, ...args: string[]) =>
    spawnSync(process.execPath, ['scripts/render-check.mjs', file, ...args], { encoding: 'utf8', timeout: 120_000 });

  it.each([
    ['svg', () => formatSvg(picture)],
    ['html', () => formatHtml(picture, tree)],
  ])('%s: the gap at 00:02.0 (RID 0x10) shows its colour at its x, and nowhere else on the bar', (ext, make) => {
    const file = join(dir, `virtio.${ext}`);
    writeFileSync(file, make());
    const shot = join(dir, `virtio-${ext}.png`);
    const r = check(file, '--expect-gap', '/pcie@10000000:iommu:00:02.0', '--png', shot);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(
      `ok    /pcie@10000000 iommu-map gap RID 0x10 (expected): ${COLOURS.gap.iommu} at x 120-122`,
    );
    expect(r.stdout).toContain(
      'ok    /pcie@10000000 iommu-map: gap colour only at gaps: 3 gap-coloured columns, all at gaps',
    );
    expect(r.status).toBe(0);
    // the screenshot itself: the bar is green (target A) away from the gap
    const img = decodePng(readFileSync(shot));
    const row = readPicture(readFileSync(file, 'utf8')).rows[0];
    expect(img.pixel(500, Math.round(row.y + row.h / 2))).toEqual([0x4d, 0xaf, 0x4a, 255]);
  });

  it('a gap expected where the picture has none fails the check', () => {
    const file = join(dir, 'virtio-neg.svg');
    writeFileSync(file, formatSvg(picture));
    const r = check(file, '--expect-gap', '/pcie@10000000:msi:0x10', '--expect-gap', '/pcie@10000000:iommu:0x8000');
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('FAIL  /pcie@10000000 msi-map gap RID 0x10 (expected)');
    expect(r.stdout).toContain('FAIL  /pcie@10000000 iommu-map gap RID 0x8000 (expected)');
  });
});
