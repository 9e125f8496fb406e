// The ACPI rules (src/checks/acpi) on IORT models written out by hand: each rule fires where Linux
// misreads the table, says which RIDs and why, and stays quiet on a clean table.
import { describe, expect, it } from 'vitest';
import { buildAcpiMachine } from '../../src/acpi/machine.js';
import type { Iort } from '../../src/acpi/model.js';
import { checkAcpi } from '../../src/checks/index.js';
import { header, iortOf, its, node, rc, smmuV3 } from '../acpi/models.js';

const run = (iort: Iort) =>
  checkAcpi(buildAcpiMachine('t', iort, undefined)).map((d) => ({
    rule: d.rule,
    severity: d.severity,
    node: d.node,
    property: d.property,
    rids: d.rids,
  }));
const rules = (iort: Iort) =>
  run(iort).map((d) => `${d.rule}:${d.severity}@${d.node}${d.property ? `/${d.property}` : ''}`);

// An X Elite-like table: SMMUv3 -> ITS, SID = segment << 16 | RID, DeviceID = 0x80000 + SID
const clean = iortOf([
  its(0x30),
  smmuV3(0x48, [[0x0, 0x2ffff, 0x80000, 0x30]]),
  rc(0xa0, 0, [[0x0, 0xffff, 0x0, 0x48]]),
  rc(0xd8, 1, [[0x0, 0xffff, 0x10000, 0x48]]),
  rc(0x110, 2, [[0x0, 0xffff, 0x20000, 0x48]]),
]);

describe('ACPI rules', () => {
  it('a clean table has no findings', () => {
    expect(run(clean)).toEqual([]);
  });

  it("QEMU 7.2's off-by-one row: iort-overlap on the touching ID, no IOMMU for 0x100 and up", () => {
    const t = iortOf([
      its(0x30),
      smmuV3(0x48, [[0x0, 0xffff, 0x0, 0x30]]),
      rc(0xa0, 0, [
        [0x0, 0x100, 0x0, 0x48],
        [0x100, 0xfeff, 0x100, 0x30],
      ]),
    ]);
    const found = run(t);
    expect(found.map((d) => [d.rule, d.property, d.rids])).toEqual([
      ['iort-overlap', 'mappings[1]', [[0x100, 0x100]]],
      ['iort-no-iommu', null, [[0x100, 0xffff]]],
    ]);
    const [overlap] = checkAcpi(buildAcpiMachine('t', t, undefined));
    expect(overlap!.message).toMatch(
      /^input ID 0x100, both the last of mapping 0 \(0x0-0x100\) and the first of mapping 1, goes through mapping 1:/,
    );
  });

  it('a NULL first reference: iort-reference, and every RID reaches no ITS (error)', () => {
    const t = iortOf([its(0x30), rc(0x48, 0, [[0, 0xffff, 0, 0]])]);
    expect(rules(t)).toEqual([
      'iort-reference:error@IORT/root-complex@0x48/mappings[0]',
      'iort-no-its:error@IORT/root-complex@0x48',
    ]);
    const d = checkAcpi(buildAcpiMachine('t', t, undefined));
    expect(d[1]!.message).toBe(
      "Every RID (00:00.0-ff:1f.7) reaches no ITS group: on the root bus their MSIs fail; behind a bridge with an MSI domain they take it, with DeviceID = RID. Linux finds no MSI domain for them in the IORT (iort_get_device_domain()), and a function there takes its bus's domain, with its RID as DeviceID, when a bridge above it has one (pci_set_msi_domain()); the first ID mapping of the root complex has a NULL output reference, so Linux maps nothing through it.",
    );
  });

  it('references outside the table, into a node, or to a type Linux does not walk to', () => {
    const t = iortOf([
      its(0x30),
      rc(0x48, 0, [
        [0x0, 0xff, 0, 0x30],
        [0x100, 0xff, 0, 0x31], // inside the ITS node
        [0x200, 0xff, 0, 0x1000], // past the table (length 0x400)
        [0x300, 0xff, 0, 0x48], // itself: a root complex
      ]),
    ]);
    expect(rules(t)).toEqual([
      'iort-reference:error@IORT/root-complex@0x48/mappings[1]',
      'iort-reference:error@IORT/root-complex@0x48/mappings[2]',
      'iort-cycle:error@IORT/root-complex@0x48',
      'iort-no-its:error@IORT/root-complex@0x48',
      'iort-reference:warning@IORT/root-complex@0x48/mappings[3]',
    ]);
    // 0x100-0x2ff are errors at their rows, 0x300-0x3ff loop (ELOOP): only the rest reach nothing
    expect(run(t).find((d) => d.rule === 'iort-no-its')!.rids).toEqual([[0x400, 0xffff]]);
  });

  it('two root complexes on one segment, and a StreamID given to both segments', () => {
    const t = iortOf([
      its(0x30),
      smmuV3(0x48, [[0x0, 0xffff, 0x0, 0x30]]),
      rc(0xa0, 0, [[0x0, 0xffff, 0x0, 0x48]]),
      rc(0xd8, 1, [[0x0, 0xff, 0x0, 0x48]]), // segment 1's RIDs 0-0xff on segment 0's StreamIDs
      rc(0x110, 1, [[0x0, 0xffff, 0x0, 0x30]]),
    ]);
    expect(rules(t)).toEqual([
      'iort-no-its:error@IORT/root-complex@0xd8', // its RIDs 0x100 and up: no mapping
      'iort-shared-id:warning@IORT/root-complex@0xd8',
      'iort-no-iommu:info@IORT/root-complex@0xd8',
      'iort-shared-id:info@IORT/root-complex@0xd8',
      'iort-segment:error@IORT/root-complex@0x110',
    ]);
  });

  it("an SMMUv3's own DeviceID mapping: index past the mappings, not SINGLE, and 6.1 vs 6.2+", () => {
    const base = [its(0x30), rc(0xa0, 0, [[0, 0xffff, 0, 0x48]])];
    const over = iortOf([...base, smmuV3(0x48, [[0x0, 0xffff, 0x0, 0x30]], { priGsiv: 0, idMappingIndex: 1 })]);
    expect(rules(over)).toEqual(['iort-mapping-index:error@IORT/smmu-v3@0x48']);
    expect(checkAcpi(buildAcpiMachine('t', over, undefined))[0]!.message).toMatch(
      /^the SMMU itself gets no MSI domain, and walks through it read every mapping: its DeviceID mapping index 1 is past its 1 mappings\. Linux logs /,
    );
    const plain = iortOf([
      ...base,
      smmuV3(
        0x48,
        [
          [0x0, 0x0, 0x9999, 0x30],
          [0x0, 0xffff, 0x0, 0x30],
        ],
        { priGsiv: 0 },
      ),
    ]);
    expect(rules(plain)).toEqual(['iort-mapping-index:warning@IORT/smmu-v3@0x48/mappings[0]']);
    // revision 5 with all GSIVs and the DeviceID-valid flag: 6.2+ take the index, 6.1 does not
    const rev5 = iortOf([
      ...base,
      smmuV3(
        0x48,
        [
          [0x0, 0x0, 0x9999, 0x30, 1],
          [0x0, 0xffff, 0x0, 0x30],
        ],
        { flags: 1 << 4 },
        5,
      ),
    ]);
    expect(rules(rev5)).toEqual(['iort-mapping-index:info@IORT/smmu-v3@0x48']);
  });

  it('SINGLE on an SMMU mapping that is not its own DeviceID mapping', () => {
    const t = iortOf([
      its(0x30),
      smmuV3(0x48, [
        [0x0, 0x0, 0x5, 0x30, 1],
        [0x0, 0xffff, 0x0, 0x30],
      ]),
      rc(0xa0, 0, [[0, 0xffff, 0, 0x48]]),
    ]);
    expect(rules(t)).toEqual(['iort-single:warning@IORT/smmu-v3@0x48/mappings[0]']);
  });

  it('RMR nodes in a table older than revision 5, and a bad checksum', () => {
    const t = iortOf([node(0x30, 6, [], { rmr: { flags: 0, ranges: [] } })]);
    t.header = { ...header, revision: 3, checksumOk: false };
    expect(rules(t)).toEqual(['acpi-table:warning@IORT', 'iort-rmr-revision:warning@IORT/rmr@0x30']);
    // the first sentence says what happens, the kernel's reason follows
    expect(checkAcpi(buildAcpiMachine('t', t, undefined)).map((d) => d.message)).toEqual([
      'the IORT checksum 0x0 does not make the table\'s bytes sum to 0: Linux still uses the table, but a tool or firmware that checks will not. ACPICA logs "Incorrect checksum in table [IORT]" at boot',
      'the memory this RMR node reserves is not kept mapped for its devices: the table is revision 3. Linux reads RMR nodes only from revision 5 (IORT E.d) on',
    ]);
    t.header = { ...header, revision: 5 };
    expect(rules(t)).toEqual([]);
  });

  it('--rule settings apply to ACPI rules too', () => {
    const t = iortOf([its(0x30), rc(0x48, 0, [[0, 0xffff, 0, 0]])]);
    const d = checkAcpi(buildAcpiMachine('t', t, undefined), {
      rules: { 'iort-no-its': 'warning', 'iort-reference': 'off' },
    });
    expect(d.map((x) => `${x.rule}:${x.severity}`)).toEqual(['iort-no-its:warning']);
  });
});
