// Nodes with maps that are no PCI host bridges (fixtures/rules/non-pci-ids: a Qualcomm video
// node's context banks, CDX, fsl-mc): their input IDs read as IDs in hex, never as bus:dev.fn,
// and nothing speaks of a bus or bus-range, in check's messages and pretty output and in query.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { readDtb } from '../../src/dtb/read.js';
import { buildContext, checkContext } from '../../src/checks/index.js';
import { summarizeMaps } from '../../src/report/model.js';
import { formatPretty } from '../../src/report/pretty.js';
import { queryPretty, runQuery } from '../../src/cli/commands/query.js';
import { tablePretty, tableRows } from '../../src/cli/commands/table.js';
import { withoutColour } from '../helpers.js';
import { buildPicture } from '../../src/view/model.js';
import { formatText } from '../../src/view/text.js';

const tree = readDtb(readFileSync('fixtures/rules/non-pci-ids.dtb'), 'non-pci-ids.dtb');
const BDF = /\b[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]\b/;

describe('nodes that are not PCI host bridges', () => {
  withoutColour();
  const ctx = buildContext(tree, 'classic');
  const found = checkContext(ctx);

  it('messages name IDs in hex', () => {
    expect(found.map((d) => d.message)).toEqual([
      'entry 1 (masked IDs 0x100-0x101) is partly shadowed (1 of 2 masked IDs): 0x100 go to entry 0',
      'entries 1 and 2 both give /soc/iommu@5000000 ID 0x1948: different input IDs share one StreamID',
      'entry 1: msi-map-mask 0xff ignores rid-base 0x100: no input ID reaches it, but any ID that does fails with -EFAULT',
    ]);
  });

  it('pretty output has no bus line; JSON marks the maps pci: false', () => {
    const maps = summarizeMaps(ctx);
    expect(maps.map((m) => m.pci)).toEqual([false, false, false, false]);
    const text = formatPretty([{ file: 'non-pci-ids.dtb', error: null, maps, diagnostics: found }]);
    expect(text).toContain('  /soc/video-codec@aa00000\n');
    expect(text).not.toMatch(/\bbus\b/);
    expect(text).not.toMatch(BDF);
  });

  it('query says ID, in hex; query --all says DeviceID = ID', () => {
    const rows = runQuery(tree, [{ first: 0x100, last: 0x101, text: '0x100-0x101' }], {
      node: '/soc/video-codec@aa00000',
      map: 'both',
      kernel: 'classic',
    });
    const text = queryPretty(tree, rows);
    expect(text.split('\n').filter((l) => l.startsWith('/'))).toEqual([
      '/soc/video-codec@aa00000  ID 0x100',
      '/soc/video-codec@aa00000  ID 0x101',
    ]);
    expect(text).not.toMatch(BDF);
    const table = tablePretty(
      tableRows(tree, { node: '/soc/fsl-mc@80c000000', map: 'both', format: 'pretty', kernel: 'classic' }),
    );
    expect(table).toContain('not a PCI host bridge: IDs 0x0-0xffff');
    expect(table).not.toMatch(/= RID|\bbus\b/);
  });

  it('map draws an ID space, with no bus axis', () => {
    const text = formatText(buildPicture(tree, 'classic'));
    expect(text.split('\n')[0]).toBe('non-pci-ids.dtb  ID space (classic kernel, Linux 5.3-7.1)');
    expect(text).toContain('IDs 0x0-0xffff (not a PCI host bridge)');
    expect(text).not.toMatch(/\bbus\b/);
    expect(text).not.toMatch(BDF);
  });
});
