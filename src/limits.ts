// Input limits. Every front end stops at these with one clear line (file:line:col for source)
// before a hostile input can exhaust memory or time. The largest kernel board is far inside
// them (about 190 KB and 50 000 tokens after cpp); a run at the limits stays within a 1 GiB
// address space (`ulimit -v 1048576`, where node leaves about 200 MiB of JS heap).

import { SourceError } from './errors.js';

const MIB = 1024 * 1024;

/** Any one file read: a board, an included file, an /incbin/, a DTB, a live-tree property. */
export const MAX_FILE_BYTES = 64 * MIB;

/** The preprocessed text of one board. */
export const MAX_OUTPUT_BYTES = 64 * MIB;

/**
 * Tokens: those lexed in the files that one board reads, and those dtc's lexer reads after cpp.
 * A token costs about 200 bytes of heap on its way through the preprocessor.
 */
export const MAX_TOKENS = 1_000_000;

/**
 * Tokens that macro expansion builds for one board (arguments collected, expanded, substituted):
 * a macro that doubles at each of 40 levels stops here within a few seconds.
 */
export const MAX_EXPANSION_TOKENS = 8_000_000;

/** Property values of one tree, together (a DTB's are bounded by its file size). */
export const MAX_PROPERTY_BYTES = 64 * MIB;

/**
 * Entries of one iommu-map or msi-map (the kernel's largest has 16): checking costs about 2 ms
 * an entry, as each is followed over the whole RID space.
 */
export const MAX_MAP_ENTRIES = 1024;

/** Nodes, properties and memory reservations of one tree (DTB, live tree). */
export const MAX_TREE_ITEMS = 1_000_000;

/**
 * A limit passed: thrown where the caller knows the place (front ends turn it into their own
 * error), or by the engine with the file named (the CLI prints it as an input error).
 */
export class LimitError extends SourceError {
  override name = 'LimitError';
}

/**
 * Throws LimitError, at the start of `file`, when a file of `bytes` is over MAX_FILE_BYTES; call it
 * before reading.
 */
export function checkFileSize(bytes: number, file: string): void {
  if (bytes > MAX_FILE_BYTES)
    throw new LimitError(
      { file, line: 1, column: 1 },
      `file of ${bytes} bytes is larger than ${mib(MAX_FILE_BYTES)} (dtmap's limit)`,
    );
}

/**
 * The one line for a resource that ran out anyway (a stack or an allocation the limits above did
 * not foresee), or undefined when `e` is not that: a hostile input never shows a JS error.
 */
export function exhaustedMessage(e: unknown): string | undefined {
  if (!(e instanceof RangeError)) return undefined;
  if (/call stack/i.test(e.message)) return 'input nested too deeply (out of stack)';
  // (not "Invalid array length": that is a negative or absurd size, a bug to fix, not a big input)
  if (/allocation failed|invalid string length|out of memory/i.test(e.message))
    return 'input too large (out of memory)';
  return undefined;
}

/** Bytes with a unit, for messages: "64 MiB", "1000000". */
export function mib(n: number): string {
  return n % MIB === 0 ? `${n / MIB} MiB` : `${n} bytes`;
}
