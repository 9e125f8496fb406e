import { oneLine } from '../../limits.js';

/** A preprocessing error at a source position (what makes `cpp` exit with failure). */
export class PreprocessError extends Error {
  override name = 'PreprocessError';

  constructor(
    message: string,
    public file: string,
    public line: number,
    public column: number,
    /** Include chain of `file`, outermost first ("board.dts:12"). */
    public chain: string[] = [],
  ) {
    super(message);
  }

  /** Every file read before the error, the input first (set by preprocess()). */
  files: string[] = [];

  /** `file:line:col: error: message`, the one line editors and problem matchers parse. */
  format(): string {
    return `${this.file}:${this.line}:${this.column}: error: ${oneLine(this.message)}`;
  }
}
