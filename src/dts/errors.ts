import { SourceError, type Place } from '../errors.js';

/** The one error the DTS front end throws: where, and what (worded like dtc). */
export class DtsError extends SourceError {
  override name = 'DtsError';
  /** dtc's prefix for this kind of error ("Error", "Lexical error", "ERROR (check_name)", ...). */
  readonly kind: string;

  constructor(at: Place, message: string, kind = 'Error') {
    super(at, message);
    this.kind = kind;
  }
}
