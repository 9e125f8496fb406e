// dtmap as a library on ACPI input, through the package's entry point (src/index.ts, built to
// dist/index.js): read an IORT, build its machine, ask a RID's walk, run the ACPI rules.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { acpiLookup, buildAcpiMachine, checkAcpi, readAcpiInput, type Iort } from '../../src/index.js';

describe('the library on an IORT', () => {
  it("QEMU's off-by-one table: the walk, the kernel's lines and the findings", () => {
    const file = 'fixtures/acpi/qemu/off-by-one-its.IORT';
    const [iort] = readAcpiInput(file, new Uint8Array(readFileSync(file))) as Iort[];
    const m = buildAcpiMachine(file, iort, undefined);
    const r = acpiLookup(m, 0, 0x100, 'msi');
    expect([r.status, r.id, r.log?.split('\n').length]).toEqual(['translated', 0x100, 2]);
    expect(checkAcpi(m).map((d) => d.rule)).toEqual(['iort-overlap', 'iort-no-iommu']);
  });
});
