#!/usr/bin/env node
// Renders a `dtmap map --format svg|html` file in headless Chromium and checks the screenshot's
// pixels: every gap the picture lists shows the gap colour at the x where its RIDs fall on the
// bar's scale, and the gap colour appears nowhere else on the bar.
//
//   node scripts/render-check.mjs FILE.svg|FILE.html [--expect-gap NODE:MAP:RID]... [--png OUT.png]
//
// --expect-gap names a gap independently of what the file says (MAP is iommu or msi, RID in
// hex, decimal or bb:dd.f); without it, the gaps the file draws are checked. Chromium: `chromium`
// on PATH, or $CHROMIUM. Exit 0 all checks pass, 1 a check failed, 2 usage or rendering trouble.
// No dependencies: the PNG is decoded here with node:zlib.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { inflateSync } from 'node:zlib';

// ---- PNG ------------------------------------------------------------------------------------

/** Decodes an 8-bit, non-interlaced greyscale, RGB or RGBA PNG into RGBA pixels. */
export function decodePng(buf) {
  const SIG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (buf.length < 8 || SIG.some((b, i) => buf[i] !== b)) throw new Error('not a PNG');
  let width = 0,
    height = 0,
    depth = 0,
    type = 0,
    interlace = 0;
  const idat = [];
  for (let o = 8; o + 8 <= buf.length;) {
    const len = buf.readUInt32BE(o);
    const name = buf.toString('latin1', o + 4, o + 8);
    const data = buf.subarray(o + 8, o + 8 + len);
    if (name === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      depth = data[8];
      type = data[9];
      interlace = data[12];
    } else if (name === 'IDAT') idat.push(data);
    else if (name === 'IEND') break;
    o += 12 + len;
  }
  const channels = { 0: 1, 2: 3, 4: 2, 6: 4 }[type];
  if (depth !== 8 || !channels || interlace !== 0)
    throw new Error(`unsupported PNG: depth ${depth}, colour type ${type}, interlace ${interlace}`);
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  if (raw.length < height * (stride + 1)) throw new Error('PNG data too short');
  const px = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = px.subarray(y * stride, (y + 1) * stride);
    const up = y > 0 ? px.subarray((y - 1) * stride, y * stride) : null;
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? out[i - channels] : 0;
      const b = up ? up[i] : 0;
      const c = up && i >= channels ? up[i - channels] : 0;
      let v = line[i];
      switch (filter) {
        case 0:
          break;
        case 1:
          v += a;
          break;
        case 2:
          v += b;
          break;
        case 3:
          v += (a + b) >> 1;
          break;
        case 4: {
          const p = a + b - c,
            pa = Math.abs(p - a),
            pb = Math.abs(p - b),
            pc = Math.abs(p - c);
          v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default:
          throw new Error(`bad PNG filter ${filter} on line ${y}`);
      }
      out[i] = v & 0xff;
    }
  }
  const rgba = Buffer.alloc(width * height * 4);
  for (let i = 0, j = 0; i < width * height; i++, j += channels) {
    const g = px[j];
    if (channels === 1) rgba.set([g, g, g, 255], i * 4);
    else if (channels === 2) rgba.set([g, g, g, px[j + 1]], i * 4);
    else rgba.set([px[j], px[j + 1], px[j + 2], channels === 4 ? px[j + 3] : 255], i * 4);
  }
  return {
    width,
    height,
    pixel: (x, y) =>
      x < 0 || y < 0 || x >= width || y >= height
        ? null
        : [...rgba.subarray((y * width + x) * 4, (y * width + x) * 4 + 4)],
  };
}

// ---- what the file draws ----------------------------------------------------------------------

const attrs = (tag) => Object.fromEntries([...tag.matchAll(/([\w-]+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
const unesc = (s) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/** The picture's size, and each bar (node, map, RID domain, box, gap colour) with the gaps it draws. */
export function readPicture(text) {
  const root = /<svg\b[^>]*data-dtmap="map"[^>]*>/.exec(text);
  if (!root) throw new Error('no dtmap map picture (<svg data-dtmap="map">) in the file');
  const r = attrs(root[0]);
  const rows = [];
  for (const m of text.matchAll(/<g class="row"[^>]*>([\s\S]*?)<\/g>/g)) {
    const a = attrs(m[0].slice(0, m[0].indexOf('>') + 1));
    const gaps = [...m[1].matchAll(/<rect class="mark gap"[^>]*>/g)]
      .map((g) => attrs(g[0]))
      .map((g) => [Number(g['data-first']), Number(g['data-last'])]);
    rows.push({
      node: unesc(a['data-node']),
      map: a['data-map'],
      lo: +a['data-lo'],
      hi: +a['data-hi'],
      x: +a['data-x'],
      y: +a['data-y'],
      w: +a['data-w'],
      h: +a['data-h'],
      colour: a['data-gap-colour'],
      gaps,
    });
  }
  return { width: Math.ceil(+r.width), height: Math.ceil(+r.height), rows };
}

export function parseRid(s) {
  const bdf = /^([0-9a-f]{1,2}):([0-9a-f]{1,2})\.([0-7])$/i.exec(s);
  if (bdf) return (parseInt(bdf[1], 16) << 8) | (parseInt(bdf[2], 16) << 3) | Number(bdf[3]);
  const n = Number(s);
  if (!Number.isInteger(n) || n < 0) throw new Error(`bad RID ${s}`);
  return n;
}

// ---- rendering ----------------------------------------------------------------------------------

export function findChromium() {
  for (const bin of [process.env.CHROMIUM, 'chromium', 'chromium-browser', 'google-chrome'].filter(Boolean)) {
    const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
    if (r.status === 0) return bin;
  }
  return null;
}

/** Screenshots `file` at width x height CSS px (device scale 1) into a PNG buffer. */
export function screenshot(file, width, height, chromium = findChromium()) {
  if (!chromium) throw new Error('chromium not found (install it, or set CHROMIUM)');
  const dir = mkdtempSync(join(tmpdir(), 'dtmap-render-'));
  try {
    const png = join(dir, 'shot.png');
    const args = [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--hide-scrollbars',
      '--no-first-run',
      '--mute-audio',
      `--user-data-dir=${join(dir, 'profile')}`,
      '--force-device-scale-factor=1',
      `--window-size=${width},${height}`,
      `--screenshot=${png}`,
      pathToFileURL(resolve(file)).href,
    ];
    const r = spawnSync(chromium, args, { encoding: 'utf8', timeout: 90_000 });
    if (!existsSync(png))
      throw new Error(`chromium wrote no screenshot (exit ${r.status}${r.error ? `, ${r.error.message}` : ''})`);
    return readFileSync(png);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- checks -----------------------------------------------------------------------------------

const hexColour = (s) => [1, 3, 5].map((i) => parseInt(s.slice(i, i + 2), 16));
const near = (p, c, tol = 10) =>
  p && Math.abs(p[0] - c[0]) <= tol && Math.abs(p[1] - c[1]) <= tol && Math.abs(p[2] - c[2]) <= tol;

/** Columns of the bar's middle line that show the row's gap colour. */
function gapColumns(img, row) {
  const colour = hexColour(row.colour);
  const cols = [];
  const y = Math.round(row.y + row.h / 2);
  for (let x = Math.floor(row.x); x < Math.ceil(row.x + row.w); x++) if (near(img.pixel(x, y), colour)) cols.push(x);
  return cols;
}

/** Pixel x range where RIDs [a, b] fall on the row's scale, widened by `slack` px. */
function span(row, a, b, slack) {
  const n = row.hi - row.lo + 1;
  return [row.x + ((a - row.lo) / n) * row.w - slack, row.x + ((b + 1 - row.lo) / n) * row.w + slack];
}

/**
 * Checks a screenshot against the picture: each expected gap shows its colour within MIN_MARK px
 * of where its RIDs fall, and no gap colour appears on a bar away from every gap.
 */
export function checkImage(img, picture, expect = [], slack = 3) {
  const results = [];
  for (const row of picture.rows) {
    const cols = gapColumns(img, row);
    const wanted = [
      ...row.gaps.map(([a, b]) => ({ a, b, source: 'drawn' })),
      ...expect
        .filter((e) => e.node === row.node && e.map === row.map)
        .map((e) => ({ a: e.rid, b: e.rid, source: 'expected' })),
    ];
    for (const g of wanted) {
      const [x0, x1] = span(row, g.a, g.b, slack);
      const hit = cols.filter((x) => x + 1 > x0 && x < x1);
      results.push({
        ok: hit.length > 0,
        what: `${row.node} ${row.map}-map gap ${g.a === g.b ? `RID 0x${g.a.toString(16)}` : `RIDs 0x${g.a.toString(16)}-0x${g.b.toString(16)}`} (${g.source})`,
        detail: hit.length
          ? `${row.colour} at x ${hit[0]}-${hit[hit.length - 1]} (expected ${x0.toFixed(1)}-${x1.toFixed(1)})`
          : `no ${row.colour} pixel between x ${x0.toFixed(1)} and ${x1.toFixed(1)} at y ${Math.round(row.y + row.h / 2)}`,
      });
    }
    const stray = cols.filter(
      (x) =>
        !row.gaps.some(([a, b]) => {
          const [x0, x1] = span(row, a, b, slack);
          return x + 1 > x0 && x < x1;
        }),
    );
    results.push({
      ok: stray.length === 0,
      what: `${row.node} ${row.map}-map: gap colour only at gaps`,
      detail: stray.length
        ? `${stray.length} stray ${row.colour} pixels, first at x ${stray[0]}`
        : `${cols.length} gap-coloured columns, all at gaps`,
    });
  }
  for (const e of expect)
    if (!picture.rows.some((r) => r.node === e.node && r.map === e.map))
      results.push({ ok: false, what: `${e.node} ${e.map}-map`, detail: 'no such bar in the picture' });
  return results;
}

export function renderCheck(file, { expect = [], png, chromium } = {}) {
  const picture = readPicture(readFileSync(file, 'utf8'));
  const shot = screenshot(file, picture.width, picture.height, chromium);
  if (png) writeFileSync(png, shot);
  const img = decodePng(shot);
  if (img.width < picture.width || img.height < picture.height)
    throw new Error(`screenshot is ${img.width}x${img.height}, picture is ${picture.width}x${picture.height}`);
  return { picture, results: checkImage(img, picture, expect) };
}

function main(argv) {
  const expect = [];
  let png;
  let file;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--expect-gap') {
      const m = /^(\/.*?):(iommu|msi):(.+)$/.exec(argv[++i] ?? '');
      if (!m) return usage(`bad --expect-gap ${argv[i]}: use NODE:iommu|msi:RID`);
      expect.push({ node: m[1], map: m[2], rid: parseRid(m[3]) });
    } else if (a === '--png') png = argv[++i];
    else if (a.startsWith('-')) return usage(`unknown option ${a}`);
    else if (file) return usage('one file at a time');
    else file = a;
  }
  if (!file) return usage('no file given');
  let out;
  try {
    out = renderCheck(file, { expect, png });
  } catch (e) {
    process.stderr.write(`render-check: ${file}: ${e.message}\n`);
    return 2;
  }
  for (const r of out.results) process.stdout.write(`${r.ok ? 'ok  ' : 'FAIL'}  ${r.what}: ${r.detail}\n`);
  const failed = out.results.filter((r) => !r.ok).length;
  process.stdout.write(
    `${failed ? 'FAIL' : 'ok'}: ${out.results.length - failed}/${out.results.length} checks passed (${file}, ${out.picture.width}x${out.picture.height})\n`,
  );
  return failed ? 1 : 0;
}

function usage(msg) {
  process.stderr.write(
    `render-check: ${msg}\nusage: node scripts/render-check.mjs FILE.svg|FILE.html [--expect-gap NODE:MAP:RID]... [--png OUT.png]\n`,
  );
  return 2;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href)
  process.exitCode = main(process.argv.slice(2));
