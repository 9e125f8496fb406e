import { describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAcpiInput, readAcpiDir, readAcpiInput, readAcpiTable } from '../../src/acpi/source.js';
import type { AcpiTable, Iort } from '../../src/acpi/model.js';
import { AcpiError } from '../../src/errors.js';
import { tempDir } from '../helpers.js';
import { acpidumpBlock, hexLines, iort, itsGroup, rootComplex, smmuV3, table, viot, viotVirtioPci } from './build.js';

const text = (s: string) => new TextEncoder().encode(s);

function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(AcpiError);
    const line = (e as AcpiError).format();
    expect(line).not.toContain('\n');
    return line;
  }
  throw new Error('no error');
}

/** A root complex to an SMMUv3 to an ITS group. */
const IORT = iort(
  [
    {
      type: 2,
      revision: 1,
      body: rootComplex({ segment: 0, limit: 0x30 }, 'rev1'),
      mappings: [{ inputBase: 0, idCount: 0xffff, outputBase: 0, output: 1 }],
    },
    {
      type: 4,
      revision: 2,
      body: smmuV3({ base: 0x9050000n, pxm: 0, idMappingIndex: 0 }),
      mappings: [{ inputBase: 0, idCount: 0xffff, outputBase: 0, output: 2 }],
    },
    { type: 0, body: itsGroup([0]) },
  ],
  { revision: 5, oemId: 'BOCHS ' },
).bytes;

/** QEMU's VIOT for a virtio-iommu at 00:01.0 translating all of segment 0, as acpidump prints it. */
const VIOT_DUMP = `VIOT @ 0x000000007ffe1d8a
    0000: 56 49 4F 54 58 00 00 00 00 67 42 4F 43 48 53 20  VIOTX....gBOCHS 
    0010: 42 58 50 43 20 20 20 20 01 00 00 00 42 58 50 43  BXPC    ....BXPC
    0020: 01 00 00 00 02 00 30 00 00 00 00 00 00 00 00 00  ......0.........
    0030: 03 00 10 00 00 00 08 00 00 00 00 00 00 00 00 00  ................
    0040: 01 00 18 00 00 00 00 00 00 00 00 00 00 00 FF FF  ................
    0050: 30 00 00 00 00 00 00 00                          0.......
`;

/** The start of an acpidump: a FACP block (not read) and an APIC block. */
const OTHER_DUMP = `FACP @ 0x000000007ffe1a00
    0000: 46 41 43 50 14 01 00 00 06 DC 42 4F 43 48 53 20  FACP......BOCHS 
    0010: 42 58 50 43 20 20 20 20 01 00 00 00 42 58 50 43  BXPC    ....BXPC

APIC @ 0x000000007ffe1b14
    0000: 41 50 49 43 A8 00 00 00 04 53 42 4F 43 48 53 20  APIC.....SBOCHS 

`;

/** The banner and first fields iasl -d prints for a data table. */
function dslHead(signature: string): string {
  return `/*
 * Intel ACPI Component Architecture
 * AML/ASL+ Disassembler version 20240927 (64-bit version)
 * Copyright (c) 2000 - 2023 Intel Corporation
 *
 * Disassembly of ${signature.toLowerCase()}.dat
 *
 * ACPI Data Table [${signature}]
 *
 * Format: [HexOffset DecimalOffset ByteLength]  FieldName : FieldValue (in hex)
 */

[000h 0000 004h]                   Signature : "${signature}"
[004h 0004 004h]                Table Length : 00000058
`;
}

function dsl(bytes: Uint8Array): string {
  return `${dslHead(String.fromCharCode(...bytes.subarray(0, 4)))}
Raw Table Data: Length ${bytes.length} (0x${bytes.length.toString(16).toUpperCase()})

${hexLines(bytes, 'iasl')}
`;
}

const signatures = (tables: AcpiTable[]) => tables.map((t) => [t.file, t.signature, t.nodes.length]);

describe('readAcpiInput', () => {
  it('reads a raw table by its signature', () => {
    expect(signatures(readAcpiInput('IORT', IORT))).toEqual([['IORT', 'IORT', 3]]);
    const v = viot([{ type: 3, body: viotVirtioPci({ segment: 0, bdf: 8 }) }]).bytes;
    expect(signatures(readAcpiInput('viot.aml', v))).toEqual([['viot.aml', 'VIOT', 1]]);
  });

  it('reads the IORT and VIOT blocks of acpidump text, named file:SIG', () => {
    const dump = OTHER_DUMP + acpidumpBlock('IORT', IORT, 0x7ffe1c00) + VIOT_DUMP;
    const tables = readAcpiInput('machine.txt', text(dump));
    expect(signatures(tables)).toEqual([
      ['machine.txt:IORT', 'IORT', 3],
      ['machine.txt:VIOT', 'VIOT', 2],
    ]);
    const [i, v] = tables as [Iort, AcpiTable];
    expect(i.header.checksumOk).toBe(true);
    expect(i.nodes[0]!.rootComplex).toEqual({ segment: 0, ats: 0, memoryAddressLimit: 0x30 });
    expect(v.header).toMatchObject({ oemId: 'BOCHS ', oemTableId: 'BXPC    ', checksumOk: true, length: 0x58 });
    expect(v.signature === 'VIOT' && v.nodes[1]!.pciRange).toEqual({
      endpointStart: 0,
      segmentStart: 0,
      segmentEnd: 0,
      bdfStart: 0,
      bdfEnd: 0xffff,
      outputNode: 0x30,
    });
  });

  it('reads acpidump text with CRLF line ends, and names a second IORT file:IORT#2', () => {
    const dump = (acpidumpBlock('IORT', IORT) + acpidumpBlock('IORT', IORT, 0x1000)).replace(/\n/g, '\r\n');
    expect(signatures(readAcpiInput('d.txt', text(dump)))).toEqual([
      ['d.txt:IORT', 'IORT', 3],
      ['d.txt:IORT#2', 'IORT', 3],
    ]);
  });

  it('reads the raw table data of an iasl disassembly', () => {
    const tables = readAcpiInput('iort.dsl', text(dsl(IORT)));
    expect(signatures(tables)).toEqual([['iort.dsl', 'IORT', 3]]);
    expect(tables[0]!.header.length).toBe(IORT.length);
    expect(signatures(readAcpiInput('iort.dsl', text(dsl(IORT).replace(/\n/g, '\r\n'))))).toEqual([
      ['iort.dsl', 'IORT', 3],
    ]);
  });

  it('refuses an iasl disassembly without its raw bytes, or of another table', () => {
    expect(errorOf(() => readAcpiInput('iort.dsl', text(dslHead('IORT'))))).toBe(
      'iort.dsl: an iasl disassembly without its "Raw Table Data" section, so without the bytes dtmap reads: ' +
        'give the binary table (acpidump -b, /sys/firmware/acpi/tables/IORT) or iasl -d output that ends with the raw data',
    );
    expect(errorOf(() => readAcpiInput('apic.dsl', text(dslHead('APIC'))))).toBe(
      'apic.dsl: an iasl disassembly of a "APIC" table, not an IORT or VIOT',
    );
    expect(errorOf(() => readAcpiInput('mcfg.dsl', text(dsl(table('MCFG', new Array(8).fill(0))))))).toBe(
      'mcfg.dsl: line 16: an iasl disassembly of a "MCFG" table, not an IORT or VIOT',
    );
    const dsdt = `/*\n * Intel ACPI Component Architecture\n * AML/ASL+ Disassembler version 20240927\n */\nDefinitionBlock ("", "DSDT", 2, "QCOM  ", "SDM8280 ", 0x00000003)\n{\n}\n`;
    expect(errorOf(() => readAcpiInput('dsdt.dsl', text(dsdt)))).toBe(
      'dsdt.dsl: an iasl disassembly of AML code (a DefinitionBlock), not an IORT or VIOT',
    );
  });

  it('refuses raw table data with a missing line or a wrong length', () => {
    const lines = dsl(IORT).split('\n');
    const gap = lines.filter((l) => !l.startsWith('    0020:')).join('\n');
    expect(errorOf(() => readAcpiInput('iort.dsl', text(gap)))).toBe(
      'iort.dsl: line 20: hex line at offset 0x30 where 0x20 was expected (a line missing or repeated)',
    );
    const cut = dsl(IORT).replace(/Length \d+/, 'Length 999');
    expect(errorOf(() => readAcpiInput('iort.dsl', text(cut)))).toBe(
      `iort.dsl: line 16: the raw table data holds ${IORT.length} bytes where its heading says 999`,
    );
  });

  it('reads an acpidump whose other blocks are broken, and refuses a broken IORT block', () => {
    const brokenFacp = OTHER_DUMP.replace('    0010:', '    0020:');
    expect(signatures(readAcpiInput('m.txt', text(brokenFacp + VIOT_DUMP)))).toEqual([['m.txt:VIOT', 'VIOT', 2]]);
    const brokenViot = VIOT_DUMP.replace('    0030:', '    0031:');
    expect(errorOf(() => readAcpiInput('m.txt', text(brokenViot)))).toBe(
      'm.txt: VIOT: line 5: hex line at offset 0x31 where 0x30 was expected (a line missing or repeated)',
    );
    const truncated = VIOT_DUMP.split('\n').slice(0, 5).join('\n');
    expect(errorOf(() => readAcpiInput('m.txt', text(truncated)))).toBe(
      'm.txt:VIOT: VIOT: offset 0x4: table length 0x58 is larger than the 64 (0x40) bytes given',
    );
  });

  it('refuses acpidump text without IORT or VIOT, naming what it holds', () => {
    expect(errorOf(() => readAcpiInput('x86.txt', text(OTHER_DUMP)))).toBe(
      'x86.txt: acpidump text holding no IORT or VIOT table (it holds FACP, APIC)',
    );
  });

  it('refuses other inputs with one line', () => {
    expect(errorOf(() => readAcpiInput('dsdt.dat', table('DSDT', [0x10, 0x20])))).toBe(
      'dsdt.dat: offset 0x0: an ACPI "DSDT" table, not an IORT or VIOT',
    );
    expect(errorOf(() => readAcpiInput('board.dtb', new Uint8Array([0xd0, 0x0d, 0xfe, 0xed, 0, 0, 0, 0x40])))).toBe(
      'board.dtb: offset 0x0: signature "\\xd0\\x0d\\xfe\\xed": not an IORT or VIOT table, nor acpidump or iasl text',
    );
    expect(errorOf(() => readAcpiInput('notes.txt', text('hello\n')))).toBe(
      'notes.txt: neither an IORT or VIOT table nor acpidump or iasl text holding one',
    );
    const mangled: number[] = [];
    for (const b of IORT) mangled.push(...(b >= 0x80 ? [0xef, 0xbf, 0xbd] : [b]));
    expect(errorOf(() => readAcpiInput('iort.dat', Uint8Array.from(mangled)))).toMatch(
      /^iort\.dat: IORT: offset 0x4: .* the file looks UTF-8-mangled/,
    );
  });

  it('readAcpiTable dispatches on the signature', () => {
    expect(readAcpiTable('t', IORT).signature).toBe('IORT');
    expect(errorOf(() => readAcpiTable('t', table('SPCR', [])))).toBe(
      't: offset 0x0: signature "SPCR" is neither "IORT" nor "VIOT"',
    );
  });
});

describe('isAcpiInput', () => {
  it('knows raw tables, acpidump text and iasl disassemblies', () => {
    expect(isAcpiInput(IORT)).toBe(true);
    expect(isAcpiInput(viot([]).bytes)).toBe(true);
    expect(isAcpiInput(text(VIOT_DUMP))).toBe(true);
    expect(isAcpiInput(text(`\n${OTHER_DUMP}`))).toBe(true);
    expect(isAcpiInput(text(dsl(IORT)))).toBe(true);
    expect(isAcpiInput(text(dslHead('IORT')))).toBe(true);
  });

  it('says no to devicetree inputs', () => {
    expect(isAcpiInput(text('/dts-v1/;\n/ { compatible = "acme,board"; };\n'))).toBe(false);
    expect(isAcpiInput(text('// SPDX-License-Identifier: GPL-2.0\n#include "board.dtsi"\n'))).toBe(false);
    expect(isAcpiInput(new Uint8Array([0xd0, 0x0d, 0xfe, 0xed, 0, 0, 0, 0x40]))).toBe(false);
    expect(isAcpiInput(new Uint8Array(0))).toBe(false);
  });
});

describe('readAcpiDir', () => {
  it('reads IORT and VIOT of a /sys/firmware/acpi/tables-like directory', () => {
    const dir = tempDir('dtmap-acpi-');
    writeFileSync(join(dir, 'IORT'), IORT);
    writeFileSync(join(dir, 'VIOT'), viot([{ type: 3, body: viotVirtioPci({ segment: 0, bdf: 8 }) }]).bytes);
    writeFileSync(join(dir, 'DSDT'), table('DSDT', []));
    writeFileSync(join(dir, 'APIC'), table('APIC', []));
    mkdirSync(join(dir, 'data'));
    expect(signatures(readAcpiDir(dir))).toEqual([
      [join(dir, 'IORT'), 'IORT', 3],
      [join(dir, 'VIOT'), 'VIOT', 1],
    ]);
  });

  it('reads acpidump -b output (iort.dat)', () => {
    const dir = tempDir('dtmap-acpi-');
    writeFileSync(join(dir, 'iort.dat'), IORT);
    writeFileSync(join(dir, 'dsdt.dat'), table('DSDT', []));
    expect(signatures(readAcpiDir(dir))).toEqual([[join(dir, 'iort.dat'), 'IORT', 3]]);
  });

  it('refuses a directory with neither, or with a bad table, naming the path', () => {
    const dir = tempDir('dtmap-acpi-');
    writeFileSync(join(dir, 'DSDT'), table('DSDT', []));
    expect(errorOf(() => readAcpiDir(dir))).toBe(
      `${dir}: holds no IORT or VIOT file (looked for IORT, VIOT, iort.dat, viot.dat and the like)`,
    );
    writeFileSync(join(dir, 'IORT'), IORT.subarray(0, 60));
    expect(errorOf(() => readAcpiDir(dir))).toBe(
      `${join(dir, 'IORT')}: IORT: offset 0x4: table length 0x${IORT.length.toString(16)} is larger than the 60 (0x3c) bytes given`,
    );
    expect(errorOf(() => readAcpiDir(join(dir, 'none')))).toBe(
      `${join(dir, 'none')}: cannot be read as a directory (ENOENT)`,
    );
  });
});
