import type { Span } from '../tree/model.js';
import { oneLine } from '../limits.js';

/** The one error the DTS front end throws: where, and what (worded like dtc). */
export class DtsError extends Error {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** Include chain of the place, outermost first, when it is inside an included file. */
  readonly includedFrom?: string[];
  /** dtc's prefix for this kind of error ("Error", "Lexical error", "ERROR (check_name)", ...). */
  readonly kind: string;
  /** Every file read before the error, the input first (set by compilePreprocessed()). */
  files: string[] = [];

  constructor(file: string, line: number, column: number, message: string, kind = 'Error', includedFrom?: string[]) {
    super(message);
    this.name = 'DtsError';
    this.file = file;
    this.line = line;
    this.column = column;
    this.kind = kind;
    if (includedFrom?.length) this.includedFrom = includedFrom;
  }

  static at(span: Span, message: string, kind = 'Error'): DtsError {
    return new DtsError(span.file, span.line, span.column, message, kind, span.includedFrom);
  }

  /** `file:line:col: error: message`, the one line editors and problem matchers read. */
  format(): string {
    return `${this.file}:${this.line}:${this.column}: error: ${oneLine(this.message)}`;
  }
}
