// The one error every front end (DTS, preprocessor, DTB, live tree, overlay) and every limit
// throws for bad input: where it is, and what is wrong, as one line.

/** Where an error is: a file, and in source text the line and column (1-based) and the include chain. */
export interface Place {
  file: string;
  line?: number;
  column?: number;
  /** Include chain of the file, outermost first ("board.dts:12"); none for the input itself. */
  includedFrom?: string[];
}

/**
 * Bad input, at its place. In source text (`line` set) the message says only what is wrong; an
 * error with no line (a DTB, a live tree, an overlay) names its file at the start of the message.
 */
export class SourceError extends Error {
  override name = 'SourceError';
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  /** Include chain of `file`, outermost first ("board.dts:12"); empty for the input itself. */
  readonly includedFrom: string[];
  /** Every file read before the error, the input first (set by the DTS front end). */
  files: string[] = [];

  constructor(at: Place, message: string) {
    super(message);
    this.file = at.file;
    this.line = at.line;
    this.column = at.column;
    this.includedFrom = at.includedFrom ?? [];
  }

  /**
   * The one line the CLI prints and reports carry: `file:line:col: error: message` in source text
   * (the line dtc, editors and problem matchers read), else the message.
   */
  format(): string {
    return this.line === undefined
      ? oneLine(this.message)
      : `${this.file}:${this.line}:${this.column}: error: ${oneLine(this.message)}`;
  }
}

/**
 * A message that quotes source text as one printable line: control characters escaped (a
 * quoted token can hold newlines), and cut after 500 characters (it can be megabytes long).
 */
export function oneLine(message: string): string {
  const s = message.replace(/[\x00-\x08\x0a-\x1f\x7f]/g, (c) =>
    c === '\n' ? '\\n' : c === '\r' ? '\\r' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
  return s.length > 500 ? `${s.slice(0, 500)}...` : s;
}

/** Where in an ACPI input an error is: the table (`IORT`, `VIOT`), a byte offset in it, or a text line. */
export interface AcpiPlace {
  table?: string;
  offset?: number;
  line?: number;
}

/**
 * A malformed ACPI input, as one line: `board-iort.dat: IORT: offset 0x5c: node of type 2 claims
 * 0x48 bytes past the table's end (length 0x80)`. The offset is absolute in the table; a line (of
 * acpidump or iasl text) is 1-based.
 */
export class AcpiError extends SourceError {
  override name = 'AcpiError';
  readonly table?: string;
  readonly offset?: number;
  readonly textLine?: number;
  constructor(
    file: string,
    at: AcpiPlace,
    readonly reason: string,
  ) {
    const where = [
      at.table,
      at.line === undefined ? undefined : `line ${at.line}`,
      at.offset === undefined ? undefined : `offset 0x${at.offset.toString(16)}`,
    ].filter((s) => s !== undefined);
    super({ file }, [file, ...where, reason].join(': '));
    this.table = at.table;
    this.offset = at.offset;
    this.textLine = at.line;
  }
}
