// The common part of the ACPI readers: the 36-byte standard header, the checks every table gets
// before its own layout is read (signature, length, a file stored as UTF-8 text), and a bounded
// little-endian view that records each field as iasl's disassembler labels it.
import { AcpiError } from '../errors.js';
import type { AcpiHeader, Field } from './model.js';

/** Bytes of the standard ACPI table header. */
export const HEADER_BYTES = 36;

const latin1 = new TextDecoder('latin1');

/** The four signature bytes, printable: `"DSDT"`, or `"\x00\x01.."` escapes. */
export function signatureText(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes.subarray(0, 4))
    s += b >= 0x20 && b < 0x7f && b !== 0x22 && b !== 0x5c ? String.fromCharCode(b) : `\\x${hex2(b)}`;
  return `"${s}"`;
}

function hex2(b: number): string {
  return b.toString(16).padStart(2, '0');
}

/** How many EF BF BD runs (U+FFFD as UTF-8) the bytes hold: what a binary saved as text gets. */
export function replacementRuns(bytes: Uint8Array): number {
  let n = 0;
  for (let i = 0; i + 2 < bytes.length; i++)
    if (bytes[i] === 0xef && bytes[i + 1] === 0xbf && bytes[i + 2] === 0xbd) {
      n++;
      i += 2;
    }
  return n;
}

/**
 * A table's bytes (exactly `length` of them), read little-endian. Every read is bounds-checked:
 * a read past the end is an AcpiError, never a RangeError, though the readers check each
 * structure's extent before they read it and so never reach that.
 */
export class TableBytes {
  private readonly view: DataView;
  constructor(
    readonly file: string,
    readonly table: string,
    readonly bytes: Uint8Array,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get length(): number {
    return this.bytes.length;
  }

  fail(offset: number, reason: string): never {
    throw new AcpiError(this.file, { table: this.table, offset }, reason);
  }

  private check(offset: number, size: number): void {
    if (offset < 0 || offset + size > this.bytes.length)
      this.fail(offset, `a ${size}-byte field runs past the table's end (length 0x${this.bytes.length.toString(16)})`);
  }

  u8(offset: number): number {
    this.check(offset, 1);
    return this.view.getUint8(offset);
  }
  u16(offset: number): number {
    this.check(offset, 2);
    return this.view.getUint16(offset, true);
  }
  u32(offset: number): number {
    this.check(offset, 4);
    return this.view.getUint32(offset, true);
  }
  u64(offset: number): bigint {
    this.check(offset, 8);
    return this.view.getBigUint64(offset, true);
  }
  /** An unsigned integer of 1, 2, 3, 4 or 6 bytes as a number; 8 bytes as a bigint. */
  uint(offset: number, size: number): number | bigint {
    if (size === 8) return this.u64(offset);
    this.check(offset, size);
    let v = 0;
    for (let i = size - 1; i >= 0; i--) v = v * 256 + this.bytes[offset + i]!;
    return v;
  }
  /** `size` bytes as Latin-1 text, as iasl prints a fixed-width name. */
  text(offset: number, size: number): string {
    this.check(offset, size);
    return latin1.decode(this.bytes.subarray(offset, offset + size));
  }
  /** `size` bytes as iasl's raw buffers print them: `00 1A FF`. */
  hex(offset: number, size: number): string {
    this.check(offset, size);
    return Array.from(this.bytes.subarray(offset, offset + size), (b) => hex2(b).toUpperCase()).join(' ');
  }
  /**
   * A NUL-terminated string at `offset`, looked for before `end`: the text and the bytes it takes
   * with its NUL (all up to `end` when none is found; iasl's strlen() would run on).
   */
  cString(offset: number, end: number): { text: string; size: number } {
    const stop = Math.min(end, this.bytes.length);
    if (offset >= stop) return { text: '', size: 0 };
    const nul = this.bytes.subarray(offset, stop).indexOf(0);
    const len = nul < 0 ? stop - offset : nul;
    return { text: latin1.decode(this.bytes.subarray(offset, offset + len)), size: nul < 0 ? len : len + 1 };
  }
}

/** Appends fields to a list, reading each value from the table. */
export class FieldList {
  readonly fields: Field[] = [];
  constructor(private readonly t: TableBytes) {}

  /** An unsigned integer field of `size` bytes at absolute `offset`; returns its value. */
  int(name: string, offset: number, size: 1 | 2 | 3 | 4 | 6): number {
    const value = this.t.uint(offset, size) as number;
    this.fields.push({ name, offset, size, value });
    return value;
  }
  u64(name: string, offset: number): bigint {
    const value = this.t.u64(offset);
    this.fields.push({ name, offset, size: 8, value });
    return value;
  }
  /** A fixed-width text field, up to its first NUL (as iasl prints it: "HONOR" of "HONOR\0"). */
  text(name: string, offset: number, size: number): string {
    const value = this.t.text(offset, size).split('\0')[0]!;
    this.fields.push({ name, offset, size, value });
    return value;
  }
  raw(name: string, offset: number, size: number): void {
    this.fields.push({ name, offset, size, value: this.t.hex(offset, size) });
  }
  push(field: Field): void {
    this.fields.push(field);
  }
}

/**
 * The checks every table gets, then its header: the signature must be `expected`, the bytes must
 * hold the header and the length the header claims (a shorter `length` reads only that many; a
 * longer one is an error, and "looks UTF-8-mangled" when the bytes carry U+FFFD runs). A bad
 * checksum is no error (Linux's acpi_tb_verify_checksum() only warns): `checksumOk` says it.
 */
export function readHeader(
  file: string,
  input: Uint8Array,
  expected: 'IORT' | 'VIOT',
): { t: TableBytes; header: AcpiHeader; fields: FieldList } {
  const fail = (offset: number, reason: string): never => {
    throw new AcpiError(file, { table: expected, offset }, reason);
  };
  if (input.length < 4) fail(0, `${input.length} bytes, too short for a table signature`);
  const sig = latin1.decode(input.subarray(0, 4));
  if (sig !== expected) fail(0, `signature ${signatureText(input)} is not "${expected}"`);
  if (input.length < HEADER_BYTES)
    fail(0, `${input.length} bytes, shorter than the ${HEADER_BYTES}-byte ACPI table header`);
  const length = new DataView(input.buffer, input.byteOffset, input.byteLength).getUint32(4, true);
  const mangled = length !== input.length ? replacementRuns(input) : 0;
  if (mangled > 0)
    fail(
      4,
      `table length 0x${length.toString(16)} does not match the ${input.length} bytes given, which hold ` +
        `${mangled} EF BF BD sequence${mangled === 1 ? '' : 's'} (U+FFFD): the file looks UTF-8-mangled ` +
        `(a binary stored as text); take the table again as binary (acpidump -b, or copy /sys/firmware/acpi/tables/${expected})`,
    );
  if (length > input.length)
    fail(
      4,
      `table length 0x${length.toString(16)} is larger than the ${input.length} (0x${input.length.toString(16)}) bytes given`,
    );
  if (length < HEADER_BYTES)
    fail(4, `table length 0x${length.toString(16)} is shorter than the ${HEADER_BYTES}-byte ACPI table header`);
  const bytes = input.subarray(0, length);
  const t = new TableBytes(file, expected, bytes);
  let sum = 0;
  for (const b of bytes) sum = (sum + b) & 0xff;
  const f = new FieldList(t);
  const header: AcpiHeader = {
    signature: f.text('Signature', 0, 4),
    length: f.int('Table Length', 4, 4),
    revision: f.int('Revision', 8, 1),
    checksum: f.int('Checksum', 9, 1),
    oemId: f.text('Oem ID', 10, 6),
    oemTableId: f.text('Oem Table ID', 16, 8),
    oemRevision: f.int('Oem Revision', 24, 4),
    creatorId: f.text('Asl Compiler ID', 28, 4),
    creatorRevision: f.int('Asl Compiler Revision', 32, 4),
    checksumOk: sum === 0,
  };
  return { t, header, fields: f };
}

/** `0x1f` */
export function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

/**
 * A node's type (its first byte) and length (the u16 at `lengthAt`), checked as both readers and
 * Linux need: the header fits in the table, the length covers the header (or the walk would not
 * advance) and stays within the table.
 */
export function nodeBounds(
  t: TableBytes,
  base: number,
  headerBytes: number,
  lengthAt: number,
): { type: number; length: number } {
  if (base + headerBytes > t.length)
    t.fail(base, `node header (${headerBytes} bytes) runs past the table's end (length ${hex(t.length)})`);
  const type = t.u8(base);
  const length = t.u16(base + lengthAt);
  if (length < headerBytes)
    t.fail(base, `node of type ${type} has length ${hex(length)}, shorter than its ${headerBytes}-byte header`);
  if (base + length > t.length)
    t.fail(
      base,
      `node of type ${type} claims ${hex(base + length - t.length)} bytes past the table's end (length ${hex(t.length)})`,
    );
  return { type, length };
}

/**
 * `count` nodes from `first`, each `length` bytes on from the last (iort_scan_node(), viot's
 * walk): a count that claims more nodes than fit is an error at the count's offset `countAt`.
 */
export function readNodes<N extends { length: number }>(
  t: TableBytes,
  count: number,
  first: number,
  countAt: number,
  read: (offset: number) => N,
): N[] {
  const nodes: N[] = [];
  let offset = first;
  for (let i = 0; i < count; i++) {
    // iort_scan_node(): "IORT node pointer overflows, bad table!" and the walk gives up
    if (offset >= t.length)
      t.fail(
        countAt,
        `node count ${count} claims more nodes than fit: node ${i} would start at offset ${hex(offset)}, ` +
          `${offset === t.length ? 'at' : 'past'} the table's end (length ${hex(t.length)})`,
      );
    const node = read(offset);
    nodes.push(node);
    offset += node.length;
  }
  return nodes;
}
