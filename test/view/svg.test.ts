// The SVG and HTML pictures: standalone, well formed, and a gap always at least MIN_MARK px wide
// with a callout naming it.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { readDtb } from '../../src/dtb/read.js';
import { buildPicture, type Run } from '../../src/view/model.js';
import { formatSvg, LAYOUT, MIN_MARK, runBox, ridX, COLOURS } from '../../src/view/svg.js';
import { formatHtml } from '../../src/view/html.js';
import { node, tree } from '../helpers.js';

const load = (f: string) => readDtb(readFileSync(f), f);
const VIRTIO = 'fixtures/qemu/virt-virtio-iommu.dtb';

/** Tags open and close in order (a small well-formedness check, no parser dependency). */
function balanced(xml: string): boolean {
  const stack: string[] = [];
  const body = xml.replace(/<!doctype[^>]*>/i, '').replace(/<meta[^>]*>/g, '');
  for (const m of body.matchAll(/<(\/?)([a-zA-Z][\w-]*)[^>]*?(\/?)>/g)) {
    if (m[3]) continue;
    if (!m[1]) stack.push(m[2]!);
    else if (stack.pop() !== m[2]) return false;
  }
  return stack.length === 0;
}

/** Nothing fetched from elsewhere: no links, scripts, images, imports or URLs but the SVG namespace. */
function standalone(text: string): void {
  expect(text).not.toMatch(/<script|<image|<link|<iframe|@import|url\(|xlink:href|\shref=|src=/i);
  expect(text.replace(/xmlns="http:\/\/www\.w3\.org\/2000\/svg"/g, '')).not.toMatch(/https?:/);
}

describe('formatSvg', () => {
  const svg = formatSvg(buildPicture(load(VIRTIO), 'classic'));

  it('is a standalone, well-formed SVG', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(balanced(svg)).toBe(true);
    standalone(svg);
  });

  it('draws the one-RID gap at 00:02.0 at least MIN_MARK px wide where RID 0x10 falls, with a callout and legend', () => {
    const rect =
      /<rect class="mark gap" data-first="16" data-last="16" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"[^>]*fill="([^"]+)"/.exec(
        svg,
      );
    expect(rect).not.toBeNull();
    const [x, w] = [Number(rect![1]), Number(rect![2])];
    expect(w).toBeGreaterThanOrEqual(MIN_MARK);
    expect(rect![3]).toBe(COLOURS.gap.iommu);
    const exact = ridX(0, 0xffff, 0x10);
    expect(x).toBeLessThanOrEqual(exact);
    expect(x + w).toBeGreaterThanOrEqual(ridX(0, 0xffff, 0x11));
    expect(svg).toContain('>iommu gap 00:02.0 (1 RID)</text>');
    expect(svg).toContain('>iommu-map gap: 00:02.0 (1 RID)</text>');
    expect(svg).toContain('<title>iommu-map 00:02.0: gap: no entry matches</title>');
  });

  it('a letter per target on wide runs, and each bar carries its scale for render checks', () => {
    expect(svg).toMatch(/<text [^>]*text-anchor="middle"[^>]*>A<\/text>/);
    expect(svg).toMatch(/<text [^>]*text-anchor="middle"[^>]*>B<\/text>/);
    expect(svg).toContain(
      `<g class="row" data-node="/pcie@10000000" data-map="iommu" data-lo="0" data-hi="65535" data-x="${LAYOUT.barX}"`,
    );
  });

  it('property: every problem run is drawn inside the bar, at least MIN_MARK wide, over its exact position', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 0xff }),
        fc.nat({ max: 0xff }),
        fc.nat({ max: 0xffff }),
        fc.nat({ max: 0xffff }),
        (b0, b1, r0, r1) => {
          const lo = Math.min(b0, b1) << 8;
          const hi = (Math.max(b0, b1) << 8) | 0xff;
          const first = lo + (Math.min(r0, r1) % (hi - lo + 1));
          const last = Math.min(hi, first + (Math.max(r0, r1) - Math.min(r0, r1)));
          const run: Run = {
            first,
            last,
            kind: 'gap',
            target: undefined,
            idFirst: undefined,
            idLast: undefined,
            entry: undefined,
            errno: null,
          };
          const [x0, x1] = runBox(lo, hi, run);
          expect(x1 - x0).toBeGreaterThanOrEqual(MIN_MARK - 1e-9);
          expect(x0).toBeGreaterThanOrEqual(LAYOUT.barX - 1e-9);
          expect(x1).toBeLessThanOrEqual(LAYOUT.barX + LAYOUT.barW + 1e-9);
          expect(x0).toBeLessThanOrEqual(ridX(lo, hi, first) + 1e-9);
          expect(x1).toBeGreaterThanOrEqual(ridX(lo, hi, last + 1) - 1e-9);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('gaps too close to label one by one share a callout; the legend names them', () => {
    // 40 one-RID gaps: function 0 of the first 40 devices (00:00.0 to 01:07.0) left out
    const map: number[] = [];
    for (let d = 0; d < 40; d++) map.push(d * 8 + 1, 1, d * 8 + 1, 7);
    map.push(0x140, 1, 0x140, 0xfec0);
    const t = tree([
      node('smmu', { phandle: [1], '#iommu-cells': [1] }),
      node('pcie@0', { device_type: 'pci', 'iommu-map': map }),
    ]);
    const out = formatSvg(buildPicture(t, 'classic'));
    expect(balanced(out)).toBe(true);
    expect(out.match(/class="mark gap"/g)).toHaveLength(40);
    expect(out).toContain('>iommu gaps in 00:00.0-01:07.0: 40 ranges, 40 RIDs</text>');
    expect(out).toContain('iommu-map gap: 00:00.0 (1 RID), 00:01.0 (1 RID)');
    expect(out).toMatch(/and 34(<\/text>\n<text [^>]*>\s*|\s)more \(34 RIDs\)/); // possibly wrapped
  });

  it('more callouts than three lines hold: the rest are counted', () => {
    // 16 one-RID gaps 0x1000 RIDs (about 50 px) apart
    const map: number[] = [];
    for (let k = 0; k < 16; k++) map.push(k * 0x1000 + 1, 1, k * 0x1000 + 1, 0xfff);
    const t = tree([
      node('smmu', { phandle: [1], '#iommu-cells': [1] }),
      node('pcie@0', { device_type: 'pci', 'iommu-map': map }),
    ]);
    const out = formatSvg(buildPicture(t, 'classic'));
    const labelled = out.match(/>iommu gap [0-9a-f:.]+ \(1 RID\)<\/text>/g)!.length;
    expect(labelled).toBeGreaterThanOrEqual(6);
    expect(labelled).toBeLessThan(16);
    expect(out).toContain(`>and ${16 - labelled} more (see the legend)</text>`);
  });

  it('escapes names', () => {
    const t = tree([
      node('a&b<c>', { phandle: [1], '#iommu-cells': [1] }),
      node('pcie@0', { device_type: 'pci', 'iommu-map': [0, 1, 0, 0x10000] }),
    ]);
    const out = formatSvg(buildPicture(t, 'classic'));
    expect(out).toContain('/a&amp;b&lt;c&gt;');
    expect(balanced(out)).toBe(true);
  });
});

describe('formatHtml', () => {
  const t = load(VIRTIO);
  const html = formatHtml(buildPicture(t, 'classic'), t);

  it('is one standalone page with the SVG first, then the translation table', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(balanced(html)).toBe(true);
    standalone(html);
    expect(html.indexOf('<svg')).toBeLessThan(html.indexOf('<table>'));
    expect(html).toContain(formatSvg(buildPicture(t, 'classic')));
    expect(html).toContain(
      '<tr class="bypass iommu"><td>/pcie@10000000</td><td>iommu-map</td><td>00:02.0</td><td>gap: bypass</td><td>0x10</td><td></td></tr>',
    );
    expect(html).toContain('body { margin: 0'); // the SVG at the page's top left: its coordinates are the page's
  });
});
