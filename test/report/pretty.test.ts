// Pretty output as a reader meets it: a finding's first sentence (which RIDs, what happens) by
// default and its whole message with -v, wrapped to a terminal's width under a hanging indent.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { readDtb } from '../../src/dtb/read.js';
import { buildContext, checkContext } from '../../src/checks/index.js';
import { firstSentence, formatPretty, wrap } from '../../src/report/pretty.js';
import { summarizeMaps, type FileReport } from '../../src/report/model.js';
import { withoutColour } from '../helpers.js';

withoutColour();

const load = (file: string): FileReport[] => {
  const ctx = buildContext(readDtb(readFileSync(file), file), 'classic');
  return [{ file, error: null, maps: summarizeMaps(ctx), diagnostics: checkContext(ctx) }];
};
/** The lines of a finding's message: those after its header, up to the next header or blank line. */
const messageLines = (text: string): string[] => {
  const lines = text.split('\n');
  const at = lines.findIndex((l) => /^ {4}(error|warning|info) /.test(l));
  const out: string[] = [];
  for (const l of lines.slice(at + 1)) {
    if (!l.startsWith('        ')) break;
    out.push(l);
  }
  return out;
};

describe('firstSentence()', () => {
  it('ends at the first full stop and space, not at "e.g."; keeps the runner\'s "(node disabled)"', () => {
    expect(firstSentence('A gets B: e.g. C. Because D. And E')).toBe('A gets B: e.g. C');
    expect(firstSentence('one sentence, 0x1.0 kept')).toBe('one sentence, 0x1.0 kept');
    expect(firstSentence('A gets B. Because C (node disabled)')).toBe('A gets B (node disabled)');
  });

  it("is the first sentence of every message a rule writes, and what its RIDs' outcome says", () => {
    const [r] = load('fixtures/rules/msi-gap-port-unmapped.dtb');
    const gap = r!.diagnostics.find((d) => d.rule === 'msi-map-gap')!;
    expect(firstSentence(gap.message)).toBe(
      '7936 RIDs of bus-range not in msi-map (00:00.0-00:1f.7, 02:00.0-1f:1f.7): they get no MSI domain, so MSI/MSI-X allocation fails',
    );
    expect(gap.message.length).toBeGreaterThan(firstSentence(gap.message).length + 100);
  });
});

describe('wrap()', () => {
  it("breaks at spaces within the width, continuation lines hanging at the first line's indent", () => {
    const lines = wrap('aaa bbb ccc ddd eee fff ggg', 20, '        ');
    expect(lines).toEqual(['        aaa bbb ccc', '        ddd eee fff', '        ggg']);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(20);
  });

  it('gives a word longer than the room a line of its own', () => {
    expect(wrap('a /soc@0/interrupt-controller@17100000/msi-controller@17140000 b', 40, '  ')).toEqual([
      '  a',
      '  /soc@0/interrupt-controller@17100000/msi-controller@17140000',
      '  b',
    ]);
  });
});

describe('formatPretty(): messages', () => {
  const reports = load('fixtures/rules/msi-gap-port-unmapped.dtb');
  const message = reports[0]!.diagnostics.find((d) => d.rule === 'msi-map-gap')!.message;

  it('prints the first sentence by default, on one line when no width is given (piped output)', () => {
    expect(messageLines(formatPretty(reports))).toEqual([`        ${firstSentence(message)}`]);
  });

  it('prints the whole message with verbose', () => {
    expect(messageLines(formatPretty(reports, { verbose: true }))).toEqual([`        ${message}`]);
  });

  it('wraps to the width with a hanging indent, losing no word', () => {
    const lines = messageLines(formatPretty(reports, { verbose: true, width: 60 }));
    expect(lines.length).toBeGreaterThan(5);
    for (const l of lines) {
      expect(l.length).toBeLessThanOrEqual(60);
      expect(l).toMatch(/^ {8}\S/);
    }
    expect(lines.map((l) => l.trim()).join(' ')).toBe(message);
  });
});
