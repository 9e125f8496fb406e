// The ACPI front: IORT and VIOT bytes to the model, the inputs that carry them, the tables Linux
// walks and the machine of PCI segments.
export * from './model.js';
export { readIort, IORT_HEADER_BYTES, IORT_NODE_HEADER_BYTES, IORT_MAPPING_BYTES } from './iort.js';
export { readViot, VIOT_HEADER_BYTES, VIOT_NODE_HEADER_BYTES } from './viot.js';
export { readAcpiTable, readAcpiInput, readAcpiDir, isAcpiInput } from './source.js';
export { AcpiError, type AcpiPlace } from '../errors.js';
export {
  iortWalks,
  viotTable,
  mappingIndex,
  firstHop,
  rootComplexFor,
  segments,
  nodeName,
  type AcpiKind,
  type IortRow,
  type IortTable,
  type ViotRow,
  type ViotTable,
} from './tables.js';
export {
  buildAcpiMachine,
  acpiLookup,
  ACPI_KINDS,
  type AcpiMachine,
  type AcpiSegment,
  type AcpiLookup,
  type AcpiTarget,
} from './machine.js';
