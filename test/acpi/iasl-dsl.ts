// A reader of iasl's data-table disassembly (`iasl -d table.dat` -> table.dsl), the oracle the
// ACPI reader is compared with. It reads what iasl prints, line by line:
//
//   [030h 0048 001h]                        Type : 03          field: offset, decimal offset, size
//   [000h 0000   4]                    Signature : "IORT"      size in decimal (iasl before 2020)
//                               Single Mapping : 1             a flag decoded from the field above
//   [767h 1895 016h]                     Padding : 00 00 ... /* ... */\
//   /* 777h 1911   6 */                            00 00 ...   the same buffer, continued
//   Raw Table Data: Length 6300 (0x189C)                       then the table's bytes as hex
//
// Nothing else is trusted: the hex and decimal offsets must agree and a buffer must have as many
// bytes as its size says, or the file is refused.

export type IaslValue =
  /** A hex number (iasl prints every integer field in hex); `note` is text after it. */
  | { kind: 'number'; value: bigint; note?: string }
  /** A quoted string; `note` is text after it (`"IORT"    [IO Remapping Table]`). */
  | { kind: 'string'; value: string; note?: string }
  /** A buffer printed as hex bytes, continuation lines joined. */
  | { kind: 'bytes'; value: number[] }
  /** A heading with no value of its own (`[IORT Memory Access Properties]`): the fields after it are its parts. */
  | { kind: 'group'; value: string };

/** A flag iasl decodes on its own line under a `... (decoded below)` field: no offset of its own. */
export interface IaslFlag {
  label: string;
  value: number;
  line: number;
}

export interface IaslField {
  offset: number;
  size: number;
  /** The label as printed, trimmed (`Flags (decoded below)`). */
  label: string;
  value: IaslValue;
  /** 1-based line in the .dsl. */
  line: number;
  flags: IaslFlag[];
}

export interface IaslDsl {
  /** `20260408` from "Disassembler version 20260408". */
  version?: string;
  /** The table signature from "ACPI Data Table [IORT]". */
  signature?: string;
  fields: IaslField[];
  /** The bytes of the "Raw Table Data" dump, when there is one. */
  raw?: Uint8Array;
  /** Non-empty lines outside the header comment that are none of the above (iasl's warnings). */
  other: Array<{ line: number; text: string }>;
}

const FIELD = /^\[([0-9A-Fa-f]+)h (\d+) +([0-9A-Fa-f]+h|\d+)\](.*?) : (.*)$/;
const CONTINUATION = /^\/\* ([0-9A-Fa-f]+)h (\d+) +([0-9A-Fa-f]+h|\d+) \*\/ +((?:[0-9A-Fa-f]{2} ?)+)/;
/** A buffer's next line in iasl before 2020: bytes alone, indented. */
const OLD_CONTINUATION = /^ +((?:[0-9A-Fa-f]{2} )*[0-9A-Fa-f]{2}) *\\?$/;
const FLAG = /^ {2,}(\S(?:.*\S)?) : ([0-9A-Fa-f]+)$/;
const RAW_HEAD = /^Raw Table Data: Length (\d+) \(0x([0-9A-Fa-f]+)\)$/;
const RAW_LINE = /^ +([0-9A-Fa-f]{4,}): ((?:[0-9A-Fa-f]{2} ?)+)/;
const BYTES = /^((?:[0-9A-Fa-f]{2} )*[0-9A-Fa-f]{2})(?: +\/\*.*\*\/)?\\?$/;

function size(text: string): number {
  return text.endsWith('h') ? parseInt(text.slice(0, -1), 16) : parseInt(text, 10);
}

function bytes(text: string): number[] {
  return text
    .trim()
    .split(/ +/)
    .map((b) => parseInt(b, 16));
}

export function parseValue(text: string): IaslValue {
  const s = text.trim();
  const str = /^"(.*?)"(?:\s+(\S.*))?$/s.exec(s);
  if (str)
    return str[2] === undefined ? { kind: 'string', value: str[1] } : { kind: 'string', value: str[1], note: str[2] };
  if (/^\[.*\]$/.test(s)) return { kind: 'group', value: s.slice(1, -1) };
  // A buffer: its lines end in a backslash (iasl before 2020 starts it on the next line).
  if (s === '\\') return { kind: 'bytes', value: [] };
  const buf = BYTES.exec(s);
  if (buf && (buf[1].includes(' ') || s.endsWith('\\'))) return { kind: 'bytes', value: bytes(buf[1]) };
  const num = /^([0-9A-Fa-f]+)(?:\s+(\S.*))?$/.exec(s);
  if (num) {
    const value = BigInt('0x' + num[1]);
    return num[2] === undefined ? { kind: 'number', value } : { kind: 'number', value, note: num[2] };
  }
  throw new Error(`iasl value not understood: ${JSON.stringify(s)}`);
}

/** Reads an iasl .dsl of a data table; throws on a line that contradicts itself. */
export function parseIaslDsl(text: string): IaslDsl {
  const out: IaslDsl = { fields: [], other: [] };
  const lines = text.split(/\r?\n/);
  let inComment = false;
  let raw: number[] | undefined;
  let rawLength = 0;
  let last: IaslField | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const at = i + 1;
    const where = `line ${at}`;
    if (inComment || (line.startsWith('/*') && !CONTINUATION.test(line))) {
      inComment = !line.includes('*/');
      const v = /Disassembler version (\d+)/.exec(line);
      if (v) out.version = v[1];
      const sig = /ACPI Data Table \[(\w{4})\]/.exec(line);
      if (sig) out.signature = sig[1];
      continue;
    }
    if (line.trim() === '') continue;
    if (raw) {
      const m = RAW_LINE.exec(line);
      if (!m) {
        out.other.push({ line: at, text: line });
        continue;
      }
      if (parseInt(m[1], 16) !== raw.length)
        throw new Error(`${where}: raw dump offset ${m[1]} after ${raw.length} bytes`);
      raw.push(...bytes(m[2]));
      continue;
    }
    let m = FIELD.exec(line);
    if (m) {
      const offset = parseInt(m[1], 16);
      if (offset !== parseInt(m[2], 10)) throw new Error(`${where}: offsets ${m[1]}h and ${m[2]} differ`);
      const field: IaslField = {
        offset,
        size: size(m[3]),
        label: m[4].trim(),
        value: parseValue(m[5]),
        line: at,
        flags: [],
      };
      if (field.value.kind === 'bytes' && field.value.value.length > field.size)
        throw new Error(`${where}: ${field.value.value.length} bytes in a field of ${field.size}`);
      out.fields.push(field);
      last = field;
      continue;
    }
    m = CONTINUATION.exec(line);
    if (m) {
      const offset = parseInt(m[1], 16);
      const v = last?.value;
      if (!last || v?.kind !== 'bytes' || offset !== last.offset + v.value.length)
        throw new Error(`${where}: buffer continuation at ${m[1]}h follows nothing it continues`);
      v.value.push(...bytes(m[4]));
      continue;
    }
    m = OLD_CONTINUATION.exec(line);
    if (m && last?.value.kind === 'bytes' && last.value.value.length < last.size) {
      last.value.value.push(...bytes(m[1]));
      continue;
    }
    m = FLAG.exec(line);
    if (m && last) {
      last.flags.push({ label: m[1], value: parseInt(m[2], 16), line: at });
      continue;
    }
    m = RAW_HEAD.exec(line);
    if (m) {
      rawLength = parseInt(m[1], 10);
      if (rawLength !== parseInt(m[2], 16)) throw new Error(`${where}: raw lengths ${m[1]} and 0x${m[2]} differ`);
      raw = [];
      continue;
    }
    out.other.push({ line: at, text: line });
  }
  for (const f of out.fields)
    if (f.value.kind === 'bytes' && f.value.value.length !== f.size)
      throw new Error(`line ${f.line}: ${f.value.value.length} bytes in a field of ${f.size}`);
  if (raw) {
    if (raw.length !== rawLength) throw new Error(`raw dump has ${raw.length} bytes, its heading says ${rawLength}`);
    out.raw = Uint8Array.from(raw);
  }
  return out;
}
