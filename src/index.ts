// dtmap as a library: readers, the tree model, the translation engine, the machine and the checks.
export * from './tree/model.js';
export { SourceError, type Place } from './errors.js';
export { readDtb, isDtb, DtbError } from './dtb/read.js';
export * from './map/index.js';
export {
  check,
  checkContext,
  RULES,
  ACPI_RULES,
  checkAcpi,
  buildContext,
  type CheckOptions,
  type Diagnostic,
  type Rule,
  type AcpiRule,
  type RuleMeta,
  type Severity,
  type Location,
  type Context,
} from './checks/index.js';
export { msiFallback } from './checks/msi-fallback.js';
export { buildMachine, type Bridge, type Machine } from './machine/machine.js';
export { enumerate, describedDevices, type PciFunction, type Described } from './machine/topology.js';
export {
  hostMsiDomain,
  busFallbacks,
  fallbackGroups,
  msiParent,
  type BusFallback,
  type FallbackGroup,
  type ParentForm,
} from './machine/msi-domain.js';
export { formatJson } from './report/json.js';
export { formatPretty } from './report/pretty.js';
export { summarizeMaps, summarize, type FileReport, type MapSummary, type Summary } from './report/model.js';
export { applyOverlay, OverlayError } from './overlay/apply.js';
export { readLiveTree, isLiveTree, LiveTreeError, type LiveTreeOptions } from './live/read.js';
export {
  readDts,
  compileDts,
  parseDts,
  DtsError,
  PreprocessError,
  type ReadDtsOptions,
  type CompiledDts,
} from './dts/index.js';
export { writeDtb, type WriteDtbOptions } from './dtb/write.js';
export * from './acpi/index.js';
export {
  LimitError,
  MAX_FILE_BYTES,
  MAX_OUTPUT_BYTES,
  MAX_TOKENS,
  MAX_EXPANSION_TOKENS,
  MAX_PROPERTY_BYTES,
  MAX_MAP_ENTRIES,
  MAX_TREE_ITEMS,
} from './limits.js';
