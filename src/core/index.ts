// The translation core: rows and a reader's policy in, what each ID gets out. It knows nothing of
// devicetree or ACPI; the fronts (src/map) build its tables (docs/engine.md).
export * from './table.js';
export * from './outcome.js';
export * from './ranges.js';
export { lookup } from './lookup.js';
export { coverage, sweep } from './coverage.js';
