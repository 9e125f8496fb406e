// The tables QEMU 7.2 wrote for the ACPI boots of `npm run test:kernel` (fixtures/acpi/qemu),
// IORT and VIOT, field by field against iasl 20260408's disassembly of each (`*.iasl.dsl` beside
// them, made by scripts/acpi-iasl.sh): the same comparison as the laptop tables' (iasl-compare.ts).
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readAcpiInput } from '../../src/acpi/source.js';
import { compareWithIasl, mismatchLine } from './iasl-compare.js';
import { readDsl } from './laptop-fixtures.js';

const QEMU = join(import.meta.dirname, '../../fixtures/acpi/qemu');
const tables = readdirSync(QEMU).filter((f) => /\.(IORT|VIOT)$/.test(f));

describe("QEMU's tables field by field against iasl", () => {
  it('every table has its disassembly', () => {
    expect(tables.length).toBe(6);
    for (const t of tables) expect(readdirSync(QEMU)).toContain(`${t}.iasl.dsl`);
  });

  it.each(tables)('%s', (name) => {
    const oracle = readDsl(`${name}.iasl.dsl`, QEMU);
    const [table] = readAcpiInput(name, new Uint8Array(readFileSync(join(QEMU, name))));
    expect(table!.signature).toBe(name.slice(-4));
    const r = compareWithIasl(oracle, table!);
    expect(r.mismatches.map(mismatchLine)).toEqual([]);
    expect(r.compared + r.overlaps.length).toBe(oracle.fields.filter((f) => f.value.kind !== 'group').length);
    expect(r.compared).toBeGreaterThan(20);
  });
});
