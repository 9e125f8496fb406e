// The iasl .dsl reader and the comparison with dtmap's Field lists, on iasl's own output for the
// laptop IORTs (fixtures/acpi/laptops) and on an iasl 20190215 disassembly (fixtures/acpi/iasl-old).
import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Field, Iort, IortNode } from '../../src/acpi/model.js';
import { parseIaslDsl, parseValue, type IaslDsl } from './iasl-dsl.js';
import { LAPTOPS, laptops, readDsl, tableBytes } from './laptop-fixtures.js';
import { compareWithIasl, mismatchLine, normalLabel } from './iasl-compare.js';

const OLD = join(import.meta.dirname, '../../fixtures/acpi/iasl-old');

function le(bytes: Uint8Array, offset: number, size: number): bigint {
  let v = 0n;
  for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[offset + i]);
  return v;
}

describe('parseIaslDsl on iasl 20260408 output', () => {
  const all = laptops();

  it('finds the 53 disassemblies, one per table iasl accepted', () => {
    expect(all.length).toBe(53);
    expect(readdirSync(LAPTOPS).filter((f) => f.endsWith('.iasl.txt'))).toEqual([
      'microsoft-surface-pro-12-in.iasl.txt',
    ]);
  });

  it.each(all)('$machine: every line understood, and the raw dump is the table', ({ table, dsl }) => {
    const d = readDsl(dsl);
    expect(d.other).toEqual([]);
    expect(d.version).toBe('20260408');
    expect(d.signature).toBe('IORT');
    expect(d.raw).toEqual(tableBytes(table));
  });

  it.each(all)('$machine: every value is what the bytes say', ({ table, dsl }) => {
    const bytes = tableBytes(table);
    const d = readDsl(dsl);
    let checked = 0;
    for (const f of d.fields) {
      expect(f.offset + f.size, `${f.label} at ${f.offset}`).toBeLessThanOrEqual(bytes.length);
      const v = f.value;
      if (v.kind === 'number') {
        expect(v.value, `${f.label} at ${f.offset}`).toBe(le(bytes, f.offset, f.size));
        checked++;
      } else if (v.kind === 'string') {
        // A fixed-width header string, or a NUL-terminated device name whose size counts the NUL.
        const text = Buffer.from(bytes.subarray(f.offset, f.offset + f.size)).toString('latin1');
        expect(text === v.value || text === v.value + '\0', `${f.label} at ${f.offset}`).toBe(true);
        checked++;
      } else if (v.kind === 'bytes') {
        // iasl's fault (AcpiDmDumpIort): a named component's padding shows the table's first bytes.
        expect(f.label).toBe('Padding');
        expect(v.value).toEqual([...bytes.subarray(0, f.size)]);
        expect([...bytes.subarray(f.offset, f.offset + f.size)]).not.toEqual(v.value);
      }
    }
    expect(checked).toBeGreaterThan(700);
  });

  it('reads decoded flags and headings', () => {
    const d = readDsl('lenovo-thinkpad-x13s.iasl.dsl');
    const mapping = d.fields.find((f) => f.offset === 0x78d);
    expect(mapping).toMatchObject({ label: 'Flags (decoded below)', size: 4, value: { kind: 'number', value: 0n } });
    expect(mapping?.flags).toEqual([{ label: 'Single Mapping', value: 0, line: mapping!.line + 1 }]);
    const heading = d.fields.find((f) => f.label === 'Memory Properties');
    expect(heading?.value).toEqual({ kind: 'group', value: 'IORT Memory Access Properties' });
    const sig = d.fields[0];
    expect(sig).toMatchObject({
      offset: 0,
      size: 4,
      value: { kind: 'string', value: 'IORT', note: '[IO Remapping Table]' },
    });
    const pad = d.fields.find((f) => f.offset === 0x767);
    expect(pad).toMatchObject({ label: 'Padding', size: 0x16 });
  });
});

describe('parseIaslDsl on older iasl output', () => {
  it('iasl 20190215 (decimal sizes, CRLF) reads as 20260408 does, field for field', () => {
    const old = readDsl('lenovo-yoga-c630.iasl-20190215.dsl', OLD);
    const now = readDsl('lenovo-yoga-c630.iasl.dsl');
    expect(old.version).toBe('20190215');
    expect(old.other).toEqual([]);
    expect(old.raw).toEqual(now.raw);
    const key = (f: IaslDsl['fields'][number]) =>
      `${f.offset}/${f.size}/${normalLabel(f.label)}/${f.value.kind === 'bytes' ? '' : String(f.value.value)}`;
    const newer = new Set(now.fields.map(key));
    // Buffers aside: iasl 20190215 sized a named component's padding to the node's end (over its
    // ID mappings) and printed its real bytes; 20260408 stops at the mappings.
    // And one field newer iasl splits: the root complex's 3 reserved bytes after Memory Size
    // Limit are PASID Capabilities (2) and Reserved (1) since IORT E.c.
    const missing = old.fields
      .filter((f) => f.value.kind !== 'bytes')
      .map(key)
      .filter((k) => !newer.has(k));
    expect(missing).toEqual([`${0x371}/3/reserved/${0x870300}`]);
    expect(newer).toContain(`${0x371}/2/pasid capabilities/${0x0300}`);
    expect(newer).toContain(`${0x373}/1/reserved/${0x87}`);
    expect(old.fields.filter((f) => f.value.kind === 'bytes').map((f) => f.label)).toEqual(
      now.fields.filter((f) => f.value.kind === 'bytes').map((f) => f.label),
    );
    // 20260408 decodes more of a node (memory properties' parts, later-revision fields).
    expect(now.fields.length).toBeGreaterThanOrEqual(old.fields.length);
  });

  it('the repository disassembly of the .dsl-only machine (iasl 20251212) matches ours', () => {
    const theirs = readDsl('dell-inspron-14-5441-x1p-64-100.dsl');
    const ours = readDsl('dell-inspron-14-5441-x1p-64-100.iasl.dsl');
    expect(theirs.version).toBe('20251212');
    expect(theirs.raw).toEqual(ours.raw);
    expect(theirs.fields.map((f) => [f.offset, f.size, f.label, f.value])).toEqual(
      ours.fields.map((f) => [f.offset, f.size, f.label, f.value]),
    );
  });
});

describe('parseIaslDsl lines', () => {
  const text = (lines: string[]) => ['/*', ' * AML/ASL+ Disassembler version 20180105', ' */', '', ...lines].join('\n');

  it('takes both size forms and the continuation of a buffer', () => {
    const d = parseIaslDsl(
      text([
        '[004h 0004   4]                 Table Length : 0000111B',
        '[010h 0016 008h]                Oem Table ID : "CB-01   "',
        '[020h 0032 004h]       Flags (decoded below) : 00000003',
        '                              Single Mapping : 1',
        '                          Coherency : 1',
        '[024h 0036 012h]                     Padding : 00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F /* ................ */\\',
        '/* 034h 0052   2 */                            10 11                                           /* .. */\\',
      ]),
    );
    expect(d.version).toBe('20180105');
    expect(d.fields.map((f) => [f.offset, f.size, f.label])).toEqual([
      [4, 4, 'Table Length'],
      [16, 8, 'Oem Table ID'],
      [32, 4, 'Flags (decoded below)'],
      [36, 18, 'Padding'],
    ]);
    expect(d.fields[0].value).toEqual({ kind: 'number', value: 0x111bn });
    expect(d.fields[2].flags.map((f) => [f.label, f.value])).toEqual([
      ['Single Mapping', 1],
      ['Coherency', 1],
    ]);
    expect(d.fields[3].value).toEqual({ kind: 'bytes', value: Array.from({ length: 18 }, (_, i) => i) });
    expect(d.other).toEqual([]);
  });

  it('keeps lines it does not know, and refuses lines that contradict themselves', () => {
    expect(parseIaslDsl(text(['**** Unknown IORT node type 0x09']))).toMatchObject({
      other: [{ line: 5, text: '**** Unknown IORT node type 0x09' }],
    });
    expect(() => parseIaslDsl(text(['[010h 0017 004h]                    Reserved : 00000000']))).toThrow(
      'line 5: offsets 010h and 0017 differ',
    );
    expect(() => parseIaslDsl(text(['[010h 0016 003h]                     Padding : 00 01 /* .. */\\']))).toThrow(
      'line 5: 2 bytes in a field of 3',
    );
    expect(() => parseIaslDsl(text(['/* 034h 0052   2 */                            10 11']))).toThrow(
      'buffer continuation at 034h follows nothing',
    );
    expect(() => parseIaslDsl(text(['Raw Table Data: Length 4 (0x4)', '    0000: 49 4F 52  // IOR']))).toThrow(
      'raw dump has 3 bytes, its heading says 4',
    );
  });

  it('reads values as iasl prints them', () => {
    expect(parseValue('0000000015000000')).toEqual({ kind: 'number', value: 0x15000000n });
    expect(parseValue('00')).toEqual({ kind: 'number', value: 0n });
    expect(parseValue('"\\_SB.GPU0"')).toEqual({ kind: 'string', value: '\\_SB.GPU0' });
    expect(parseValue('"QCOM  "')).toEqual({ kind: 'string', value: 'QCOM  ' });
    expect(parseValue('00 /* . */\\')).toEqual({ kind: 'bytes', value: [0] });
    expect(parseValue('00     /* Incorrect checksum, should be 93 */')).toEqual({
      kind: 'number',
      value: 0n,
      note: '/* Incorrect checksum, should be 93 */',
    });
    expect(() => parseValue('maybe')).toThrow('iasl value not understood');
  });
});

describe('compareWithIasl', () => {
  const dsl = parseIaslDsl(
    [
      '[024h 0036 004h]                  Node Count : 00000001',
      '[030h 0048 001h]                        Type : 02',
      '[031h 0049 002h]                      Length : 0024',
      '[038h 0056 008h]           Memory Properties : [IORT Memory Access Properties]',
      '[038h 0056 004h]             Cache Coherency : 00000001',
      '[03Ch 0060 004h]                  Input base : 00000000',
      '[040h 0064 004h]            Output Reference : 00000030',
      '[044h 0068 004h]       Flags (decoded below) : 00000001',
      '                              Single Mapping : 1',
      '[050h 0080 002h]                 Device Name : "\\_SB.X"',
    ].join('\n'),
  );
  const field = (name: string, offset: number, size: number, value: Field['value']): Field => ({
    name,
    offset,
    size,
    value,
  });
  const node = (fields: Field[], single: boolean): IortNode => ({
    offset: 0x30,
    type: 2,
    typeName: 'root-complex',
    length: 0x24,
    revision: 0,
    identifier: 0,
    mappingCount: 1,
    mappingOffset: 0x0c,
    mappings: [
      { index: 0, offset: 0x34, inputBase: 0, idCount: 0, outputBase: 0, outputReference: 0x30, flags: 1, single },
    ],
    fields,
  });
  const iort = (n: IortNode): Iort =>
    ({ signature: 'IORT', file: 't', nodes: [n], fields: [field('Node Count', 0x24, 4, 1)] }) as unknown as Iort;

  it('counts what agrees and skips headings and other decoded flags', () => {
    const r = compareWithIasl(
      dsl,
      iort(
        node(
          [
            field('Type', 0x30, 1, 2),
            field('Length', 0x31, 2, 0x24),
            field('Cache Coherency', 0x38, 4, 1),
            field('Input Base', 0x3c, 4, 0),
            field('Output Reference', 0x40, 4, 0x30n),
            field('Flags', 0x44, 4, 1),
            field('Device Name', 0x50, 2, '\\_SB.X'),
            field('Reserved', 0x52, 2, 0),
          ],
          true,
        ),
      ),
    );
    expect(r.mismatches.map(mismatchLine)).toEqual([]);
    expect(r).toMatchObject({ compared: 8, values: 8, flags: 1, skipped: { heading: 1 } });
    expect(r.extra).toEqual([{ offset: 0x52, name: 'Reserved' }]);
  });

  it('takes a fixed field over the mapping array as an overlap, not a mismatch', () => {
    const over = parseIaslDsl(
      [
        '[030h 0048 001h]                        Type : 02',
        '[03Ch 0060 001h]           Memory Size Limit : 00',
        '[03Dh 0061 002h]          PASID Capabilities : 0000',
        '[03Ch 0060 004h]                  Input base : 00000000',
      ].join('\n'),
    );
    const r = compareWithIasl(over, iort(node([field('Type', 0x30, 1, 2), field('Input base', 0x3c, 4, 0)], true)));
    expect(r.mismatches).toEqual([]);
    expect(r.overlaps).toEqual([
      { offset: 0x3c, label: 'Memory Size Limit' },
      { offset: 0x3d, label: 'PASID Capabilities' },
    ]);
    expect(r.compared).toBe(2);
    // Outside the array the same field is missing.
    const outside = compareWithIasl(over, iort({ ...node([field('Type', 0x30, 1, 2)], true), mappingCount: 0 }));
    expect(outside.mismatches.map(mismatchLine)).toEqual([
      '3Ch Memory Size Limit: missing (iasl 0x0)',
      '3Dh PASID Capabilities: missing (iasl 0x0)',
      '3Ch Input base: missing (iasl 0x0)',
    ]);
  });

  it('names what is missing, mis-sized, of another value, or of another flag', () => {
    const r = compareWithIasl(
      dsl,
      iort(
        node(
          [
            field('Type', 0x30, 1, '2'),
            field('Length', 0x31, 1, 0x24),
            field('Cache Coherency', 0x38, 4, 0),
            field('Input base', 0x3c, 4, 0),
            field('Flags', 0x44, 4, 1),
            field('Name', 0x50, 2, '\\_SB.Y'),
          ],
          false,
        ),
      ),
    );
    expect(r.mismatches.map(mismatchLine)).toEqual([
      '30h Type: value iasl 0x2, dtmap "2"',
      '31h Length: size iasl 2, dtmap 1',
      '38h Cache Coherency: value iasl 0x1, dtmap 0x0',
      '40h Output Reference: missing (iasl 0x30)',
      '44h Flags (decoded below) / Single Mapping: value iasl 1, dtmap false',
      '50h Device Name: label iasl Device Name, dtmap Name',
      '50h Device Name: value iasl "\\\\_SB.X", dtmap "\\\\_SB.Y"',
    ]);
  });
});
