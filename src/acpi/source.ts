// Where ACPI tables come from, told apart by content, never by file name:
// (a) a raw table, starting with its signature: /sys/firmware/acpi/tables/IORT, `acpidump -b`'s
//     iort.dat, an iasl-compiled .aml/.bin;
// (b) the text of `acpidump`: every table of a machine, each a heading `IORT @ 0x...` and lines
//     `    0000: 49 4F 52 54 ...  IORT...`; its IORT and VIOT blocks are read, each named
//     `file:IORT` / `file:VIOT`;
// (c) an iasl disassembly (`iasl -d`, a .dsl) that ends with its `Raw Table Data: Length N (0xN)`
//     section of the same hex lines; those bytes are the table (the decoded fields above are not);
// (d) a directory like /sys/firmware/acpi/tables (readAcpiDir()).
// Anything else is one AcpiError line saying what the input is and why it holds no IORT or VIOT.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { AcpiError } from '../errors.js';
import { MAX_FILE_BYTES } from '../limits.js';
import { signatureText } from './bytes.js';
import { readIort } from './iort.js';
import type { AcpiTable } from './model.js';
import { readViot } from './viot.js';

const latin1 = new TextDecoder('latin1');
/** A hex line of acpidump or of iasl's raw table data: offset, then 1 to 16 bytes. */
const HEX_LINE = /^\s*([0-9A-Fa-f]{4,8}):((?: [0-9A-Fa-f]{2}(?= |$)){1,16})/;
/** An acpidump block heading: `IORT @ 0x0000000000000000`. */
const DUMP_HEADING = /^([A-Za-z0-9_]{4}) @ 0x[0-9A-Fa-f]+\s*$/;
/** iasl's heading of the raw bytes: `Raw Table Data: Length 3616 (0xE20)`. */
const RAW_HEADING = /^Raw Table Data: Length (\d+) \(0x([0-9A-Fa-f]+)\)/;
const ACPI_SIGNATURES = new Set(['IORT', 'VIOT']);

function startsWithSignature(bytes: Uint8Array): 'IORT' | 'VIOT' | undefined {
  if (bytes.length < 4) return undefined;
  const sig = latin1.decode(bytes.subarray(0, 4));
  return sig === 'IORT' || sig === 'VIOT' ? sig : undefined;
}

/** acpidump text, whose first block may well be `IORT @ 0x...`: the same four bytes as a raw IORT. */
function isDumpText(bytes: Uint8Array): boolean {
  return DUMP_HEADING.test(firstLine(head(bytes, 4096)));
}

/** A raw IORT or VIOT: its signature first, and not the heading of an acpidump block. */
function isRawTable(bytes: Uint8Array): boolean {
  return startsWithSignature(bytes) !== undefined && !isDumpText(bytes);
}

/** Reads one raw table by its signature (IORT or VIOT). */
export function readAcpiTable(file: string, bytes: Uint8Array): AcpiTable {
  const sig = startsWithSignature(bytes);
  if (sig === 'IORT') return readIort(file, bytes);
  if (sig === 'VIOT') return readViot(file, bytes);
  throw new AcpiError(file, { offset: 0 }, `signature ${signatureText(bytes)} is neither "IORT" nor "VIOT"`);
}

/** The first `n` bytes as text, for telling inputs apart. */
function head(bytes: Uint8Array, n = 65536): string {
  return latin1.decode(bytes.subarray(0, n));
}

function firstLine(text: string): string {
  for (const line of text.split('\n', 64)) if (line.trim() !== '') return line.trimEnd();
  return '';
}

/** An iasl disassembly's comment banner or field lines. */
function looksLikeIasl(text: string): boolean {
  return (
    /Intel ACPI Component Architecture/.test(text) ||
    /^\s*Raw Table Data: Length/m.test(text) ||
    /^\[0*0h 0000 +0*4h?\] +Signature : "/m.test(text)
  );
}

/**
 * Whether the bytes are an ACPI input: a raw IORT or VIOT, the text of acpidump (its first line a
 * block heading `XXXX @ 0x...`), or an iasl disassembly. For app/input.ts to choose DT or ACPI by
 * content; readAcpiInput() says what is wrong with an ACPI input that holds no IORT or VIOT.
 */
export function isAcpiInput(bytes: Uint8Array): boolean {
  if (startsWithSignature(bytes) || isDumpText(bytes)) return true;
  return looksLikeIasl(head(bytes));
}

/** A block of hex lines: its heading, where it starts, and the bytes so far. */
interface Block {
  kind: 'acpidump' | 'iasl';
  sig?: string;
  line: number;
  /** For iasl: the length its heading declares. */
  declared?: number;
  bytes: Uint8Array;
  count: number;
  /** A broken hex line (a gap or a repeat), thrown only if the block is read. */
  broken?: AcpiError;
}

function append(block: Block, values: number[]): void {
  if (block.count + values.length > block.bytes.length) {
    const grown = new Uint8Array(Math.max(256, block.bytes.length * 2, block.count + values.length));
    grown.set(block.bytes.subarray(0, block.count));
    block.bytes = grown;
  }
  for (const v of values) block.bytes[block.count++] = v;
}

/**
 * Every block of hex lines in acpidump or iasl text, in order. A block's lines must run on without
 * a gap; a broken block is an error only when it is read (a bad DSDT block does not stop the IORT).
 */
function hexBlocks(file: string, text: string): Block[] {
  const blocks: Block[] = [];
  let current: Block | undefined;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    const heading = DUMP_HEADING.exec(line);
    if (heading) {
      current = { kind: 'acpidump', sig: heading[1]!, line: i + 1, bytes: new Uint8Array(0), count: 0 };
      blocks.push(current);
      continue;
    }
    const raw = RAW_HEADING.exec(line.trim());
    if (raw) {
      current = { kind: 'iasl', line: i + 1, declared: Number(raw[1]), bytes: new Uint8Array(0), count: 0 };
      blocks.push(current);
      continue;
    }
    if (line.trim() === '') continue;
    const hexLine = current && HEX_LINE.exec(line);
    if (!current || !hexLine) {
      current = undefined;
      continue;
    }
    if (current.broken) continue;
    const offset = parseInt(hexLine[1]!, 16);
    if (offset !== current.count) {
      current.broken = new AcpiError(
        file,
        { table: current.sig, line: i + 1 },
        `hex line at offset 0x${offset.toString(16)} where 0x${current.count.toString(16)} was expected (a line missing or repeated)`,
      );
      continue;
    }
    append(
      current,
      hexLine[2]!
        .trim()
        .split(' ')
        .map((h) => parseInt(h, 16)),
    );
  }
  return blocks;
}

/**
 * The IORT and VIOT tables of one input, told apart by content (see the file's header): a raw
 * table gives one; acpidump text gives each IORT and VIOT block, named `file:IORT`, `file:VIOT`;
 * an iasl disassembly gives the table of its raw bytes. Bad input, or an input that holds no IORT
 * or VIOT, is an AcpiError of one line.
 */
export function readAcpiInput(file: string, bytes: Uint8Array): AcpiTable[] {
  if (isRawTable(bytes)) return [readAcpiTable(file, bytes)];
  const start = head(bytes, 4096);
  // Another ACPI table as binary: a signature of four name characters and a plausible length.
  if (/^[A-Z0-9_]{4}/.test(start) && bytes.length >= 8 && start.slice(0, 64).includes('\0')) {
    const length = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(4, true);
    if (length <= bytes.length && length >= 36)
      throw new AcpiError(file, { offset: 0 }, `an ACPI ${signatureText(bytes)} table, not an IORT or VIOT`);
  }
  if (start.includes('\0'))
    throw new AcpiError(
      file,
      { offset: 0 },
      `signature ${signatureText(bytes)}: not an IORT or VIOT table, nor acpidump or iasl text`,
    );

  const text = latin1.decode(bytes);
  const blocks = hexBlocks(file, text);
  const tables: AcpiTable[] = [];
  const named = new Map<string, number>();
  for (const block of blocks) {
    const data = block.bytes.subarray(0, block.count);
    if (block.kind === 'iasl') {
      if (block.broken) throw block.broken;
      if (block.declared !== undefined && block.declared !== block.count)
        throw new AcpiError(
          file,
          { line: block.line },
          `the raw table data holds ${block.count} bytes where its heading says ${block.declared}`,
        );
      const sig = startsWithSignature(data);
      if (!sig)
        throw new AcpiError(
          file,
          { line: block.line },
          `an iasl disassembly of a ${signatureText(data)} table, not an IORT or VIOT`,
        );
      tables.push(readAcpiTable(file, data));
      continue;
    }
    if (!block.sig || !ACPI_SIGNATURES.has(block.sig)) continue;
    if (block.broken) throw block.broken;
    const n = (named.get(block.sig) ?? 0) + 1;
    named.set(block.sig, n);
    tables.push(readAcpiTable(`${file}:${block.sig}${n > 1 ? `#${n}` : ''}`, data));
  }
  if (tables.length > 0) return tables;

  const dumped = blocks.filter((b) => b.kind === 'acpidump').map((b) => b.sig!);
  if (dumped.length > 0) {
    const shown = [...new Set(dumped)];
    throw new AcpiError(
      file,
      {},
      `acpidump text holding no IORT or VIOT table (it holds ${shown.slice(0, 12).join(', ')}${shown.length > 12 ? ', ...' : ''})`,
    );
  }
  if (looksLikeIasl(text)) {
    const sig = /^\[[^\]]*\] +Signature : "([^"]*)"/m.exec(text)?.[1];
    if (/^\s*DefinitionBlock\s*\(/m.test(text))
      throw new AcpiError(file, {}, 'an iasl disassembly of AML code (a DefinitionBlock), not an IORT or VIOT');
    if (sig !== undefined && !ACPI_SIGNATURES.has(sig))
      throw new AcpiError(file, {}, `an iasl disassembly of a "${sig}" table, not an IORT or VIOT`);
    throw new AcpiError(
      file,
      {},
      'an iasl disassembly without its "Raw Table Data" section, so without the bytes dtmap reads: ' +
        'give the binary table (acpidump -b, /sys/firmware/acpi/tables/IORT) or iasl -d output that ends with the raw data',
    );
  }
  throw new AcpiError(file, {}, 'neither an IORT or VIOT table nor acpidump or iasl text holding one');
}

/** Names of table files in a directory: sysfs's `IORT`, acpidump -b's `iort.dat`, and the like. */
const TABLE_FILE = /^(iort|viot)\d*(\.(dat|aml|bin))?$/i;

/**
 * The IORT and VIOT of a directory like /sys/firmware/acpi/tables (files `IORT`, `VIOT`) or the
 * output of `acpidump -b` (`iort.dat`): each file read as a raw table, in name order. A directory
 * with neither is an AcpiError; so is a file that cannot be read (the kernel makes its tables
 * root-only) or is larger than MAX_FILE_BYTES.
 */
export function readAcpiDir(dir: string): AcpiTable[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    throw new AcpiError(dir, {}, `cannot be read as a directory (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const files = names.filter((n) => TABLE_FILE.test(n)).sort();
  const tables: AcpiTable[] = [];
  for (const name of files) {
    const path = join(dir, name);
    let bytes: Uint8Array;
    try {
      const st = statSync(path);
      if (!st.isFile()) continue;
      if (st.size > MAX_FILE_BYTES)
        throw new AcpiError(path, {}, `${st.size} bytes, larger than dtmap's limit of ${MAX_FILE_BYTES} bytes`);
      bytes = new Uint8Array(readFileSync(path));
    } catch (e) {
      if (e instanceof AcpiError) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      throw new AcpiError(
        path,
        {},
        code === 'EACCES' || code === 'EPERM'
          ? 'cannot be read: permission denied (the kernel makes ACPI tables readable by root only; run as root or copy the file with sudo)'
          : `cannot be read (${code ?? 'error'})`,
      );
    }
    tables.push(readAcpiTable(path, bytes));
  }
  if (tables.length === 0)
    throw new AcpiError(dir, {}, 'holds no IORT or VIOT file (looked for IORT, VIOT, iort.dat, viot.dat and the like)');
  return tables;
}
