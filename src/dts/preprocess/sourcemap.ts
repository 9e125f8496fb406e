// Where each piece of the preprocessed text was written, as plain data (typed arrays and strings)
// so that a preprocessed file can be handed to another thread and located there.

import type { Span } from '../../tree/model.js';

/**
 * Segment k starts at output offset `out[k]` and was written in inclusion `inst[k]` at
 * `line[k]`:`col[k]`; unless `fixed[k]` (macro output, which all maps to the invocation), the
 * column advances with the offset.
 */
export interface SourceMap {
  out: Int32Array;
  inst: Int32Array;
  line: Int32Array;
  col: Int32Array;
  fixed: Uint8Array;
  /** Per inclusion: the file, and its include chain (outermost first, "board.dts:12"). */
  files: string[];
  chains: string[][];
}

/** The buffers of a source map, to transfer rather than copy in postMessage(). */
export function sourceMapBuffers(map: SourceMap): ArrayBuffer[] {
  return [map.out.buffer, map.inst.buffer, map.line.buffer, map.col.buffer, map.fixed.buffer] as ArrayBuffer[];
}

/** Output offset -> span, for a text of `length` characters preprocessed from `file`. */
export function locator(map: SourceMap, file: string, length: number): (offset: number) => Span {
  const { out, inst, line, col, fixed, files, chains } = map;
  return (offset) => {
    // the last segment starting at or before offset
    let lo = 0;
    let hi = out.length - 1;
    let k = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (out[mid]! <= offset) {
        k = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (k < 0) return { file, line: 1, column: 1 };
    const i = inst[k]!;
    let column = col[k]!;
    if (!fixed[k]) column += Math.max(0, Math.min(offset, length) - out[k]!);
    const span: Span = { file: files[i]!, line: line[k]!, column };
    if (chains[i]!.length) span.includedFrom = chains[i]!;
    return span;
  };
}
