// query words a gap's DMA per the map's IOMMU (words.ts gapDma()), in its JSON and its text.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { readDtb } from '../../src/dtb/read.js';
import { queryJson, queryPretty, runQuery } from '../../src/cli/commands/query.js';
import { withoutColour } from '../helpers.js';

withoutColour();

function rows(name: string, rid: number) {
  const tree = readDtb(readFileSync(`fixtures/rules/${name}.dtb`), `${name}.dtb`);
  const ids = [{ first: rid, last: rid, text: String(rid) }];
  return { tree, rows: runQuery(tree, ids, { map: 'iommu', kernel: 'classic' }) };
}

describe('query on a gap', () => {
  it('SMMUv3: aborted', () => {
    const { tree, rows: r } = rows('iommu-gap-endpoint', 0x100);
    const json = JSON.parse(queryJson(tree, r));
    expect(json[0].iommu.status).toBe('bypass');
    expect(json[0].gapDma).toMatchObject({ verdict: 'aborted', dma: 'DMA aborted' });
    expect(queryPretty(tree, r)).toContain('bypass (no IOMMU: DMA aborted)');
  });
  it('MMU-500: depends on arm-smmu.disable_bypass; a translated RID has no gapDma', () => {
    const { tree, rows: r } = rows('iommus-qcom-pcie', 0x1);
    expect(JSON.parse(queryJson(tree, r))[0].gapDma.dma).toBe('DMA aborted unless arm-smmu.disable_bypass=0');
    const ok = rows('iommus-qcom-pcie', 0x100);
    expect(JSON.parse(queryJson(ok.tree, ok.rows))[0].gapDma).toBeUndefined();
  });
});
