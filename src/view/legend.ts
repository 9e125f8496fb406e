// The words of the picture, shared by the text, SVG and HTML writers: row names, marks, and the
// legend lines (targets with their RID and output ID ranges, gaps and untranslated RIDs as BDF
// ranges). Plain strings; each writer adds its own colour.
import type { MapKind } from '../map/map.js';
import { deviceLegend, GAP, hex, ID_NAME, idRange, ridRange } from '../words.js';
import { rangesOf, ridCount, type BridgeView, type MapRow, type Run, type RunKind, type Target } from './model.js';

/** The character a column shows for a kind of run (translated columns show the target's letter). */
export function markOf(kind: RunKind, map: MapKind): string {
  switch (kind) {
    case 'gap':
      return map === 'iommu' ? '.' : '!';
    case 'disabled':
      return 'x';
    case 'error':
      return '#';
    case 'translated':
      return '?';
  }
}

/** What a gap means for each map (docs/semantics.md: what the device gets). */
export const GAP_EFFECT: Record<MapKind, string> = {
  iommu: `the kernel bypasses the IOMMU (${GAP.iommu.dma})`,
  msi: `${GAP.msi.gets} (MSI fails unless the bridge has its own msi-parent)`,
};

const rids = (n: number, pci = true) => `${n} ${pci ? 'RID' : 'ID'}${n === 1 ? '' : 's'}`;

/** Input IDs as written: BDF for a PCI host bridge's RIDs, hex for other nodes' IDs (fsl-mc ICIDs ...). */
export function inputRange(pci: boolean, r: [number, number]): string {
  return pci ? ridRange(r) : idRange(r[0], r[1]);
}

/** Bus of a RID, two hex digits. */
export const bus = (rid: number) => ((rid >>> 8) & 0xff).toString(16).padStart(2, '0');

export function bridgeTitle(b: BridgeView): string {
  const n = b.domain[1] - b.domain[0] + 1;
  const where = b.pci
    ? `bus ${bus(b.domain[0])}-${bus(b.domain[1])}, ${rids(n)}`
    : `IDs ${hex(b.domain[0])}-${hex(b.domain[1])} (not a PCI host bridge)`;
  return `${where}${b.enabled ? '' : ' (node disabled)'}`;
}

/** How many RIDs one column (or pixel) stands for. */
export function scaleNote(n: number, columns: number, pci: boolean): string {
  if (n <= columns) return `1 column = 1 ${pci ? 'RID' : 'ID'}`;
  const per = n / columns;
  const what = pci ? 'RIDs' : 'IDs';
  if (!Number.isInteger(per)) return `1 column ~ ${Math.round(per)} ${what}`;
  return `1 column = ${per} ${what}${pci && per % 256 === 0 ? ` (${per / 256} bus${per === 256 ? '' : 'es'})` : ''}`;
}

/** Translated runs of a target merged where the output IDs continue: `00:00.0-00:01.7 -> 0x0-0xf`. */
export function targetRanges(
  row: MapRow,
  t: Target,
): Array<{ rids: [number, number]; ids: [number, number] | undefined }> {
  const out: Array<{ rids: [number, number]; ids: [number, number] | undefined }> = [];
  for (const r of row.runs) {
    if (r.target !== t) continue;
    const prev = out[out.length - 1];
    const ids: [number, number] | undefined =
      r.idFirst !== undefined && r.idLast !== undefined ? [r.idFirst, r.idLast] : undefined;
    if (
      prev &&
      prev.rids[1] + 1 === r.first &&
      prev.ids &&
      ids &&
      prev.ids[1] + 1 === ids[0] &&
      linear(prev) &&
      ids[1] - ids[0] === r.last - r.first
    ) {
      prev.rids[1] = r.last;
      prev.ids[1] = ids[1];
    } else out.push({ rids: [r.first, r.last], ids });
  }
  return out;
}

const linear = (x: { rids: [number, number]; ids: [number, number] | undefined }) =>
  !!x.ids && x.ids[1] - x.ids[0] === x.rids[1] - x.rids[0];

export function rangeText(
  rids: [number, number],
  ids: [number, number] | undefined,
  map: MapKind,
  mask: number,
  pci = true,
): string {
  if (!ids) return `${inputRange(pci, rids)} -> (no output cell)`;
  const folded = ids[1] - ids[0] !== rids[1] - rids[0];
  return `${inputRange(pci, rids)} -> ${ID_NAME[map]} ${idRange(ids[0], ids[1])}${folded ? ` (folded by mask ${hex(mask)})` : ''}`;
}

export interface LegendItem {
  /** Letter of a target, or the mark of a problem kind. */
  mark: string;
  kind: RunKind | 'device';
  map: MapKind | undefined;
  target: Target | undefined;
  /** First line, then detail lines. */
  title: string;
  lines: string[];
}

/** Targets used by the bridge, in letter order. */
export function bridgeTargets(b: BridgeView): Target[] {
  const set = new Set<Target>();
  for (const row of b.rows) for (const r of row.runs) if (r.target) set.add(r.target);
  return [...set].sort((x, y) => x.index - y.index);
}

const MAX_RANGES = 4;

/** The legend of one bridge: each target with its ranges, then gaps, untranslated RIDs, errors, devices. */
export function legend(b: BridgeView): LegendItem[] {
  const items: LegendItem[] = [];
  for (const t of bridgeTargets(b)) {
    const lines: string[] = [];
    const kinds: string[] = [];
    for (const row of b.rows) {
      const ranges = targetRanges(row, t);
      if (!ranges.length) continue;
      kinds.push(row.kind === 'iommu' ? 'IOMMU' : 'MSI controller');
      if (row.notProvider.includes(t))
        lines.push(
          `not ${row.kind === 'iommu' ? 'an IOMMU (no #iommu-cells)' : 'an MSI controller (no msi-controller property)'}: the kernel gets nothing from it`,
        );
      for (const r of ranges.slice(0, MAX_RANGES))
        lines.push(`${row.property.padEnd(9)}  ${rangeText(r.rids, r.ids, row.kind, row.mask, b.pci)}`);
      if (ranges.length > MAX_RANGES)
        lines.push(`${row.property.padEnd(9)}  and ${ranges.length - MAX_RANGES} more ranges (dtmap query --all)`);
    }
    const label = t.label ? ` (${t.label})` : '';
    const state = t.enabled ? '' : `, disabled: RIDs mapped to it are untranslated (x)`;
    items.push({
      mark: t.letter,
      kind: t.enabled ? 'translated' : 'disabled',
      map: undefined,
      target: t,
      title: `${t.path}${label}  ${[...new Set(kinds)].join(', ')}${state}`,
      lines,
    });
  }
  for (const row of b.rows) {
    const gaps = rangesOf(row.runs, 'gap');
    if (gaps.length)
      items.push({
        mark: markOf('gap', row.kind),
        kind: 'gap',
        map: row.kind,
        target: undefined,
        title: `${row.property} gap: ${listRanges(gaps, b.pci)}`,
        lines: [`no entry matches: ${GAP_EFFECT[row.kind]}`, ...devicesIn(b, gaps)],
      });
    const disabled = row.runs.filter((r) => r.kind === 'disabled');
    if (disabled.length) {
      const ranges = rangesOf(row.runs, 'disabled');
      const to = [...new Set(disabled.map((r) => r.target!.path))].join(', ');
      items.push({
        mark: markOf('disabled', row.kind),
        kind: 'disabled',
        map: row.kind,
        target: undefined,
        title: `${row.property} untranslated: ${listRanges(ranges, b.pci)}`,
        lines: [
          `the matching entry's target is disabled (${to}): ${row.kind === 'iommu' ? 'no IOMMU' : 'no MSI domain'}`,
          ...devicesIn(b, ranges),
        ],
      });
    }
    const errors = row.runs.filter((r) => r.kind === 'error');
    if (errors.length) {
      const byErrno = new Map<string, Run[]>();
      for (const r of errors) byErrno.set(r.errno ?? '?', [...(byErrno.get(r.errno ?? '?') ?? []), r]);
      for (const [errno, list] of byErrno)
        items.push({
          mark: markOf('error', row.kind),
          kind: 'error',
          map: row.kind,
          target: undefined,
          title: `${row.property} kernel error -${errno}: ${listRanges(rangesOf(list, 'error'), b.pci)}`,
          lines: ['of_map_id() fails for these RIDs (dtmap check explains why)'],
        });
    }
  }
  if (b.devices.length) {
    const shown = b.devices.slice(0, 6).map(deviceLegend);
    items.push({
      mark: '^',
      kind: 'device',
      map: undefined,
      target: undefined,
      title: `described PCI devices: ${shown.join(', ')}${b.devices.length > 6 ? ` and ${b.devices.length - 6} more` : ''}`,
      lines: [],
    });
  }
  return items;
}

/** "described here: 00:02.0 virtio_iommu@2,0" for devices inside the ranges. */
function devicesIn(b: BridgeView, ranges: Array<[number, number]>): string[] {
  const inside = b.devices.filter((d) => ranges.some(([x, y]) => x <= d.rid && d.rid <= y));
  if (!inside.length) return [];
  const shown = inside.slice(0, 4).map(deviceLegend);
  return [`described here: ${shown.join(', ')}${inside.length > 4 ? ` and ${inside.length - 4} more` : ''}`];
}

/** Up to 6 BDF ranges with their size, then "and N more". */
export function listRanges(ranges: Array<[number, number]>, pci = true, max = 6): string {
  const shown = ranges.slice(0, max).map((r) => `${inputRange(pci, r)} (${rids(r[1] - r[0] + 1, pci)})`);
  return ranges.length > max
    ? `${shown.join(', ')} and ${ranges.length - max} more (${rids(ridCount(ranges.slice(max)), pci)})`
    : shown.join(', ');
}
