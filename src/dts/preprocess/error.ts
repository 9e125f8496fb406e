import { SourceError } from '../../errors.js';

/** A preprocessing error at a source position (what makes `cpp` exit with failure). */
export class PreprocessError extends SourceError {
  override name = 'PreprocessError';
}
