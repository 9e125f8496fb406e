// Parsers for numeric options, wired into commander with `argParser`: a value that is not an
// integer in range is commander's one-line usage error (exit 2).
import { InvalidArgumentError } from 'commander';

/** An integer option from `min` to `max` (decimal, or hex with `0x`). */
export function integerArg(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (text: string): number => {
    const n = /^(0x[0-9a-f]+|\d+)$/i.test(text) ? Number(text) : NaN;
    if (!(n >= min && n <= max))
      throw new InvalidArgumentError(
        max === Number.MAX_SAFE_INTEGER
          ? `expected an integer of at least ${min}`
          : `expected an integer from ${min} to ${max}`,
      );
    return n;
  };
}
