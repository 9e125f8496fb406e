// How a map's input IDs read, beside the vocabulary of words.ts: on a PCI host bridge they are
// requester IDs, read as bus:device.function; on any other node with a map (a Qualcomm video
// node's iommu-map over its context banks, fsl-mc, CDX, a platform device's msi-map keyed by its
// own ID) they are plain IDs, read in hex, with no bus in them.
import { count, idRange, ridList, ridRange } from './words.js';

export interface InputIds {
  /** What one input ID is called: "RID" or "ID". */
  noun: 'RID' | 'ID';
  /** One range: `01:00.0-01:1f.7` or `0x10-0x1f`. */
  range(r: [number, number]): string;
  /** Up to `max` ranges, then "and N more". */
  list(ranges: Array<[number, number]>, max?: number): string;
  /** "3 RIDs", "1 ID". */
  count(n: number): string;
}

const RIDS: InputIds = {
  noun: 'RID',
  range: ridRange,
  list: ridList,
  count: (n) => count(n, 'RID'),
};

const IDS: InputIds = {
  noun: 'ID',
  range: ([a, b]) => idRange(a, b),
  list(ranges, max = 4) {
    const shown = ranges
      .slice(0, max)
      .map(([a, b]) => idRange(a, b))
      .join(', ');
    return ranges.length > max ? `${shown} and ${ranges.length - max} more` : shown;
  },
  count: (n) => count(n, 'ID'),
};

/** The words for a node's input IDs: RIDs on a PCI host bridge (`device_type = "pci"`), IDs elsewhere. */
export function inputIds(pci: boolean): InputIds {
  return pci ? RIDS : IDS;
}
