import type { Rule } from '../types.js';
import { gapOf } from './gaps.js';
import { bdf, count, deviceList, gapDma, mapIommus, ridList } from '../../words.js';

/** of_iommu_configure(): a RID (or DMA alias) that of_map_id() bypasses leaves the device with no
 *  IOMMU: Linux uses direct DMA, and the IOMMU hardware decides whether that DMA gets through. */
export const iommuMapGap: Rule = {
  id: 'iommu-map-gap',
  severity: 'info',
  description: 'RIDs of bus-range not covered by iommu-map get no IOMMU (their DMA untranslated or aborted, per IOMMU)',
  visits: 'bridge',
  check(ctx, b, report) {
    const gap = gapOf(b, 'iommu');
    if (!gap) return;
    const ownFunction = gap.devices.filter((d) => d.node.prop('#iommu-cells'));
    const endpoints = gap.devices.filter((d) => d.endpoint && !ownFunction.includes(d));
    // the DMA still reaches the IOMMU hardware; what it does there is the IOMMU driver's choice
    const iommus = mapIommus(gap.map.entries);
    const dma = gapDma(iommus);
    const on = iommus.length === 1 ? ` at ${iommus[0]!.path}` : '';
    let message = `${count(gap.total, 'RID')} of bus-range not in iommu-map bypass translation (no IOMMU, direct DMA; ${dma.dma}${on}): ${ridList(gap.rids)}`;
    if (ownFunction.length && gap.total === ownFunction.length)
      message = `RID ${ownFunction.map((d) => bdf(d.rid)).join(', ')} is left out of iommu-map on purpose: it is the IOMMU's own function (${ownFunction.map((d) => d.node.path).join(', ')}), which does not translate its own DMA`;
    else if (ownFunction.length)
      message += ` (${ownFunction.map((d) => bdf(d.rid)).join(', ')} is the IOMMU's own function)`;
    if (endpoints.length) message += `; described devices in the gap: ${deviceList(endpoints, b)}`;
    report.at(b, gap.map, { message, severity: endpoints.length ? 'warning' : 'info', rids: gap.rids });
  },
};
