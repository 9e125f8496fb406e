// dtmap's ACPI reader against iasl on 53 real laptop IORTs (fixtures/acpi/laptops): every field
// iasl 20260408 prints must come out of readAcpiInput() at the same offset, with the same size and
// value. What is compared and what is skipped (headings, the padding bytes iasl misprints, decoded
// flag lines other than Single Mapping) is said in iasl-compare.ts.
import { describe, expect, it } from 'vitest';
import { readAcpiInput } from '../../src/acpi/source.js';
import { SourceError } from '../../src/errors.js';
import { compareWithIasl, mismatchLine } from './iasl-compare.js';
import { laptops, readDsl, readLaptop } from './laptop-fixtures.js';

describe('laptop IORTs field by field against iasl', () => {
  const all = laptops();
  const totals = { tables: 0, fields: 0, compared: 0, values: 0, flags: 0, mismatches: 0 };

  it.each(all)('$machine ($table)', ({ table, dsl }) => {
    const oracle = readDsl(dsl);
    const tables = readAcpiInput(table, readLaptop(table));
    expect(tables.map((t) => t.signature)).toEqual(['IORT']);
    const r = compareWithIasl(oracle, tables[0]);
    expect(r.mismatches.slice(0, 20).map(mismatchLine)).toEqual([]);
    // Every iasl field with a value of its own was found and compared.
    expect(r.compared).toBe(oracle.fields.filter((f) => f.value.kind !== 'group').length);
    expect(r.flags).toBe(oracle.fields.flatMap((f) => f.flags).filter((f) => f.label === 'Single Mapping').length);
    totals.tables++;
    totals.fields += oracle.fields.length;
    totals.compared += r.compared;
    totals.values += r.values;
    totals.flags += r.flags;
    totals.mismatches += r.mismatches.length;
  });

  it('compared every table', () => {
    expect(totals.tables).toBe(all.length);
    expect(totals.mismatches).toBe(0);
    expect(totals.compared).toBeGreaterThan(60000);
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
    expect(line).not.toContain('\n');
    expect(line).toMatch(/^microsoft-surface-pro-12-in\.dat: /);
    expect(line).toContain('offset 0x4');
  });
});
