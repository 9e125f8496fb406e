// The translation core: rows and a reader's policy in, what each ID gets out. It knows nothing of
// devicetree or ACPI; the fronts (src/map) build its tables (docs/engine.md).
export {
  rowRange,
  type Errno,
  type Miss,
  type Provisional,
  type RangeTest,
  type Row,
  type Table,
  type WalkError,
} from './table.js';
export { sameOutcome, type CoverageOf, type Hop, type LookupOf, type Outcome, type SegmentOf } from './outcome.js';
export { intersectRanges, mergeRanges, preimage } from './ranges.js';
export { lookup } from './lookup.js';
export { coverage, sweep } from './coverage.js';
