// `dtmap query` on ACPI input (an IORT, a VIOT, an acpidump): what each segment:bus:dev.fn
// becomes, through the root complex Linux takes for the segment (src/acpi/machine.ts).
import chalk from 'chalk';
import { sameOutcome } from '../../core/outcome.js';
import { acpiLookup, type AcpiLookup, type AcpiMachine } from '../../acpi/machine.js';
import { nodeName, type AcpiKind } from '../../acpi/tables.js';
import { bdf, hex, ID_NAME } from '../../words.js';
import type { IdSpec } from '../rid.js';

export interface AcpiQueryRow {
  segment: number;
  rid: number;
  /** The node the segment's RIDs start from: its root complex (IORT), else the VIOT. */
  node: string | null;
  results: Partial<Record<AcpiKind, AcpiLookup>>;
}

/** What each kind of ID gets where no table reaches the kind's target. */
const NONE: Record<AcpiKind, string> = {
  iommu: 'no IOMMU: its DMA is not translated by Linux',
  msi: 'no ITS: no MSI domain',
};

export function runAcpiQuery(m: AcpiMachine, ids: IdSpec[], map: 'iommu' | 'msi' | 'both'): AcpiQueryRow[] {
  const kinds: AcpiKind[] = map === 'both' ? ['iommu', 'msi'] : [map];
  const rows: AcpiQueryRow[] = [];
  for (const spec of ids) {
    const segment = spec.domain ?? 0;
    const seg = m.segments.find((s) => s.segment === segment);
    const node = seg?.rootComplex ? nodeName(seg.rootComplex) : seg ? 'VIOT' : null;
    for (let rid = spec.first; rid <= spec.last; rid++) {
      const results: AcpiQueryRow['results'] = {};
      for (const k of kinds) results[k] = acpiLookup(m, segment, rid, k);
      rows.push({ segment, rid, node, results });
    }
  }
  return rows;
}

/** The VIOT's refusal of the virtio-iommu's own function (viot_dev_iommu_init()): no firmware fault. */
const isSelf = (r: AcpiLookup | undefined): boolean =>
  r?.status === 'error' && r.entry?.node.typeName === 'virtio-iommu-pci';

/** Exit 1 when a lookup is an error or a RID reaches no ITS (where the IORT gives DeviceIDs). */
export const acpiQueryFails = (rows: AcpiQueryRow[]): boolean =>
  rows.some(
    (r) =>
      (r.results.iommu?.status === 'error' && !isSelf(r.results.iommu)) ||
      r.results.msi?.status === 'error' ||
      r.results.msi?.status === 'bypass',
  );

export function acpiQueryJson(rows: AcpiQueryRow[]): string {
  const json = rows.map((r) => {
    const o: Record<string, unknown> = { node: r.node, segment: r.segment, rid: r.rid, device: null };
    for (const [k, v] of Object.entries(r.results))
      o[k] = {
        status: v.status,
        mask: v.mask,
        masked: v.masked,
        target: v.target ? nodeName(v.target) : null,
        targetLabel: null,
        id: v.id ?? null,
        ids: v.ids,
        entry: v.entry?.index ?? null,
        errno: v.errno,
        log: v.log,
        via: v.via.map((h) => ({ node: nodeName(h.target), entry: h.entry.index, id: h.idFirst })),
      };
    return o;
  });
  return JSON.stringify(json, null, 2) + '\n';
}

const ridText = (segment: number, rid: number) => `${segment.toString(16).padStart(4, '0')}:${bdf(rid)} (${hex(rid)})`;

function describe(kind: AcpiKind, first: AcpiLookup, last: AcpiLookup): string {
  const ids = first === last ? hex(first.id ?? 0) : `${hex(first.id ?? 0)}-${hex(last.id ?? 0)}`;
  const via = first.via.map((h) => `${nodeName(h.target)} ${hex(h.idFirst)}`).join(' -> ');
  const lines = first.log ? first.log.split('\n').map((l) => `\n${' '.repeat(12)}${chalk.dim('kernel: ' + l)}`) : [];
  let head: string;
  switch (first.status) {
    case 'no-map':
      head = chalk.dim(`no table: ${NONE[kind]}`);
      break;
    case 'translated':
      head = `${chalk.green('->')} ${via ? `${via} -> ` : ''}${nodeName(first.target!)} ${ID_NAME[kind]} ${chalk.bold(ids)} ${chalk.dim(`[mapping ${first.entry!.index}]`)}`;
      break;
    case 'bypass':
      head = `${chalk.yellow('none')} (${NONE[kind]})${via ? chalk.dim(` after ${via}`) : ''}`;
      break;
    case 'error':
      head = isSelf(first)
        ? `${chalk.dim('none')} (the virtio-iommu itself: Linux does not translate it, viot_dev_iommu_init() -EINVAL)`
        : `${chalk.red('error -' + first.errno)}${first.entry ? chalk.dim(` [mapping ${first.entry.index} of ${nodeName(first.entry.node)}]`) : ''}`;
  }
  return head + lines.join('');
}

export function acpiQueryPretty(rows: AcpiQueryRow[]): string {
  const out: string[] = [];
  let i = 0;
  while (i < rows.length) {
    // merge consecutive RIDs of one segment with the same outcome in every kind
    let j = i;
    while (
      j + 1 < rows.length &&
      rows[j + 1]!.segment === rows[i]!.segment &&
      rows[j + 1]!.rid === rows[j]!.rid + 1 &&
      Object.keys(rows[i]!.results).every((k) => {
        const a = rows[i]!.results[k as AcpiKind]!;
        const b = rows[j + 1]!.results[k as AcpiKind]!;
        return sameOutcome(a, b) && a.log === b.log;
      })
    )
      j++;
    const a = rows[i]!;
    const b = rows[j]!;
    const rid = a === b ? ridText(a.segment, a.rid) : `${ridText(a.segment, a.rid)} - ${ridText(b.segment, b.rid)}`;
    out.push(`${chalk.bold(a.node ?? `segment ${a.segment}: no root complex`)}  RID ${rid}`);
    for (const k of Object.keys(a.results) as AcpiKind[])
      out.push(`  ${ID_NAME[k].padEnd(8)}  ${describe(k, a.results[k]!, b.results[k]!)}`);
    i = j + 1;
  }
  return out.join('\n') + '\n';
}

/** `query --all` on ACPI input: every segment's coverage as compact ranges, per kind. */
export function acpiTable(m: AcpiMachine, map: 'iommu' | 'msi' | 'both', format: 'pretty' | 'json'): string {
  const kinds: AcpiKind[] = map === 'both' ? ['iommu', 'msi'] : [map];
  const rows = m.segments.flatMap((s) =>
    kinds.flatMap((kind) =>
      (s.tables[kind]?.coverage.segments ?? []).map((g) => ({
        segment: s.segment,
        node: s.rootComplex ? nodeName(s.rootComplex) : 'VIOT',
        map: kind,
        first: g.first,
        last: g.last,
        status: g.status,
        target: g.target ? nodeName(g.target) : null,
        idFirst: g.idFirst ?? null,
        idLast: g.idLast ?? null,
        entry: g.entry?.index ?? null,
        errno: g.errno,
        via: g.via.map((h) => nodeName(h.target)),
      })),
    ),
  );
  if (format === 'json') return JSON.stringify(rows, null, 2) + '\n';
  const out: string[] = [];
  let head = '';
  for (const r of rows) {
    const h = `segment ${r.segment} (${r.node})`;
    if (h !== head) out.push(chalk.bold((head = h)));
    const rids = r.first === r.last ? bdf(r.first) : `${bdf(r.first)}-${bdf(r.last)}`;
    const what =
      r.status === 'translated'
        ? `${chalk.green('->')} ${[...r.via, r.target].join(' -> ')} ${ID_NAME[r.map]} ${chalk.bold(r.idFirst === r.idLast ? hex(r.idFirst!) : `${hex(r.idFirst!)}-${hex(r.idLast!)}`)} ${chalk.dim(`[mapping ${r.entry}]`)}`
        : r.status === 'bypass'
          ? `${chalk.yellow('none')} (${NONE[r.map]})`
          : `${chalk.red('error -' + r.errno)}`;
    out.push(`  ${ID_NAME[r.map].padEnd(8)}  ${rids.padEnd(15)}  ${what}`);
  }
  return out.join('\n') + '\n';
}
