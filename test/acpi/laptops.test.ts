// dtmap's ACPI reader against iasl on 53 real laptop IORTs (fixtures/acpi/laptops): every field
// iasl 20260408 prints must come out of readAcpiInput() at the same offset, with the same size and
// value. What is compared and what is skipped (headings, the padding bytes iasl misprints, decoded
// flag lines other than Single Mapping, fixed fields iasl prints over a mapping array) is said in
// iasl-compare.ts; the .dsl reader has its own test, iasl-dsl.test.ts.
import { describe, expect, it } from 'vitest';
import { SourceError } from '../../src/errors.js';
import { readAcpiInput } from '../../src/acpi/source.js';
import { compareWithIasl, mismatchLine } from './iasl-compare.js';
import { laptops, readDsl, readLaptop } from './laptop-fixtures.js';

/**
 * Differences from iasl known today, each with its reason; the test fails when one goes away
 * too, so the list stays true.
 */
/** Fields where dtmap and iasl disagree, per machine: none today. */
const KNOWN: Record<string, string[]> = {};

describe('laptop IORTs field by field against iasl', () => {
  const all = laptops();
  const totals = { tables: 0, compared: 0, values: 0, flags: 0, overlaps: 0, mismatches: 0 };

  it.each(all)('$machine ($table)', ({ machine, table, dsl }) => {
    const oracle = readDsl(dsl);
    const tables = readAcpiInput(table, readLaptop(table));
    expect(tables.map((t) => t.signature)).toEqual(['IORT']);
    const r = compareWithIasl(oracle, tables[0]);
    expect(r.mismatches.slice(0, 20).map(mismatchLine)).toEqual(KNOWN[machine] ?? []);
    // Every iasl field with a value of its own was compared, or read by dtmap as a mapping.
    expect(r.compared + r.overlaps.length).toBe(oracle.fields.filter((f) => f.value.kind !== 'group').length);
    expect(new Set(r.overlaps.map((o) => o.label))).toSatisfy((labels: Set<string>) =>
      [...labels].every((l) => ['Memory Size Limit', 'PASID Capabilities', 'Reserved'].includes(l)),
    );
    expect(r.flags).toBe(oracle.fields.flatMap((f) => f.flags).filter((f) => f.label === 'Single Mapping').length);
    totals.tables++;
    totals.compared += r.compared;
    totals.values += r.values;
    totals.flags += r.flags;
    totals.overlaps += r.overlaps.length;
    totals.mismatches += r.mismatches.length;
  });

  it('compared every table', () => {
    expect(totals.tables).toBe(all.length);
    expect(totals.mismatches).toBe(Object.values(KNOWN).flat().length);
    expect(totals.compared).toBeGreaterThan(60000);
    if (process.env.DTMAP_ACPI_TOTALS) console.log(JSON.stringify(totals));
  });
});

describe('the mangled table', () => {
  // Stored as UTF-8 text: bytes above 0x7F became EF BF BD, so its Length reads 0x14BDBFEF in a
  // 5752-byte file. iasl refuses it too (microsoft-surface-pro-12-in.iasl.txt).
  const name = 'microsoft-surface-pro-12-in.dat';

  it('is refused with one line naming the file and the offset', () => {
    let error: unknown;
    try {
      readAcpiInput(name, readLaptop(name));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SourceError);
    const line = (error as SourceError).format();
    expect(line).toBe(
      'microsoft-surface-pro-12-in.dat: IORT: offset 0x4: table length 0x14bdbfef does not match the 5752 bytes ' +
        'given, which hold 193 EF BF BD sequences (U+FFFD): the file looks UTF-8-mangled (a binary stored as ' +
        'text); take the table again as binary (acpidump -b, or copy /sys/firmware/acpi/tables/IORT)',
    );
  });
});
