// iasl's fields against the Field lists dtmap's ACPI reader makes (src/acpi/model.ts): every
// field iasl prints must be there at the same offset, with the same size and value.
//
// - Numbers compare numerically (iasl prints hex; dtmap holds a number or a bigint), strings as
//   text, and a field is found by its offset (and, where several start at one offset, its label).
// - Headings with no value (`Memory Properties : [IORT Memory Access Properties]`) are skipped: the
//   fields that follow them at the same offsets are their parts and are compared.
// - Buffers (a named component's `Padding`) compare offset and size only: iasl prints the table's
//   first bytes in place of the padding's (AcpiDmDumpIort() in ACPICA's dmtbdump2.c passes the
//   table's start to AcpiDmDumpTable()), so its value is not evidence.
// - A node whose ID mapping array starts inside the fixed fields iasl prints for its type (the
//   revision-0 root complexes of the SDM850 and 8cx tables put theirs at 0x20, where iasl prints
//   Memory Size Limit, PASID Capabilities and Reserved): iasl prints both readings of those bytes.
//   A fixed field there that dtmap does not list is an `overlap`, not a mismatch; the mapping
//   fields over the same bytes are compared as usual.
// - Decoded flag lines have no offset. `Single Mapping` is compared with the ID mapping's `single`
//   (flags bit 0); the others are skipped, as the flags word they are decoded from is compared
//   whole.
import type { Field, Iort, IortIdMapping, Viot } from '../../src/acpi/model.js';
import type { IaslDsl, IaslField } from './iasl-dsl.js';

export interface Mismatch {
  offset: number;
  label: string;
  what: 'missing' | 'size' | 'value' | 'label';
  iasl: string;
  dtmap: string;
}

export interface Comparison {
  /** iasl fields found in dtmap's list and compared (offset, size, and value where it counts). */
  compared: number;
  /** Of those, the ones whose value was compared too. */
  values: number;
  /** Decoded flag lines compared with a model flag. */
  flags: number;
  /** What was skipped, by reason. */
  skipped: Record<string, number>;
  mismatches: Mismatch[];
  /** iasl fields over a node's ID mapping array that dtmap reads as the mapping only. */
  overlaps: Array<{ offset: number; label: string }>;
  /** dtmap fields iasl does not print (offset and name): not a failure, but worth a look. */
  extra: Array<{ offset: number; name: string }>;
}

const MAPPING_LABELS = new Set(['input base', 'id count', 'output base', 'output reference', 'flags']);

export function normalLabel(label: string): string {
  return label
    .replace(/\s*\(decoded below\)\s*$/i, '')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
}

function hex(v: bigint): string {
  return '0x' + v.toString(16).toUpperCase();
}

function showIasl(f: IaslField): string {
  const v = f.value;
  if (v.kind === 'number') return hex(v.value);
  if (v.kind === 'bytes') return v.value.map((b) => b.toString(16).padStart(2, '0')).join(' ');
  return JSON.stringify(v.value);
}

function showDtmap(v: Field['value']): string {
  return typeof v === 'string' ? JSON.stringify(v) : hex(BigInt(v));
}

/** Every field of a table, header and nodes, in table order. */
export function allFields(table: Iort | Viot): Field[] {
  return [...table.fields, ...table.nodes.flatMap((n) => n.fields)].sort((a, b) => a.offset - b.offset);
}

function bump(record: Record<string, number>, key: string): void {
  record[key] = (record[key] ?? 0) + 1;
}

export function compareWithIasl(dsl: IaslDsl, table: Iort | Viot): Comparison {
  const out: Comparison = { compared: 0, values: 0, flags: 0, skipped: {}, mismatches: [], overlaps: [], extra: [] };
  const fields = allFields(table);
  const byOffset = new Map<number, Field[]>();
  for (const f of fields) byOffset.set(f.offset, [...(byOffset.get(f.offset) ?? []), f]);
  const mappings = new Map<number, IortIdMapping>();
  if (table.signature === 'IORT')
    for (const n of table.nodes) for (const m of n.mappings) mappings.set(m.offset + 16, m);
  const used = new Set<Field>();
  const arrays =
    table.signature === 'IORT'
      ? table.nodes.map((n) => [n.offset + n.mappingOffset, n.offset + n.mappingOffset + 20 * n.mappingCount])
      : [];
  const inArray = (offset: number) => arrays.some(([start, end]) => offset >= start && offset < end);

  for (const f of dsl.fields) {
    if (f.value.kind === 'group') {
      bump(out.skipped, 'heading');
      continue;
    }
    const here = byOffset.get(f.offset) ?? [];
    const label = normalLabel(f.label);
    if (!here.some((d) => normalLabel(d.name) === label) && !MAPPING_LABELS.has(label) && inArray(f.offset)) {
      out.overlaps.push({ offset: f.offset, label: f.label });
      continue;
    }
    const found =
      here.find((d) => normalLabel(d.name) === label) ??
      here.find((d) => d.size === f.size && !used.has(d)) ??
      here.find((d) => !used.has(d));
    if (!found) {
      out.mismatches.push({ offset: f.offset, label: f.label, what: 'missing', iasl: showIasl(f), dtmap: '' });
      continue;
    }
    used.add(found);
    out.compared++;
    if (normalLabel(found.name) !== label)
      out.mismatches.push({ offset: f.offset, label: f.label, what: 'label', iasl: f.label, dtmap: found.name });
    if (found.size !== f.size)
      out.mismatches.push({
        offset: f.offset,
        label: f.label,
        what: 'size',
        iasl: String(f.size),
        dtmap: String(found.size),
      });
    const v = f.value;
    if (v.kind === 'bytes') bump(out.skipped, 'buffer value');
    else {
      out.values++;
      const same =
        v.kind === 'number'
          ? typeof found.value !== 'string' && BigInt(found.value) === v.value
          : typeof found.value === 'string' && found.value === v.value;
      if (!same)
        out.mismatches.push({
          offset: f.offset,
          label: f.label,
          what: 'value',
          iasl: showIasl(f),
          dtmap: showDtmap(found.value),
        });
    }
    for (const flag of f.flags) {
      const m = mappings.get(f.offset);
      if (flag.label === 'Single Mapping' && m) {
        out.flags++;
        if (Number(m.single) !== flag.value)
          out.mismatches.push({
            offset: f.offset,
            label: `${f.label} / ${flag.label}`,
            what: 'value',
            iasl: String(flag.value),
            dtmap: String(m.single),
          });
      } else bump(out.skipped, 'decoded flag');
    }
  }
  for (const d of fields) if (!used.has(d)) out.extra.push({ offset: d.offset, name: d.name });
  return out;
}

/** One line per mismatch, for a failing test's message. */
export function mismatchLine(m: Mismatch): string {
  const at = `${m.offset.toString(16).toUpperCase()}h ${m.label}`;
  return m.what === 'missing' ? `${at}: missing (iasl ${m.iasl})` : `${at}: ${m.what} iasl ${m.iasl}, dtmap ${m.dtmap}`;
}
