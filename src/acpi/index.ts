// The ACPI front's readers: IORT and VIOT bytes to the model, and the inputs that carry them.
export * from './model.js';
export { readIort, IORT_HEADER_BYTES, IORT_NODE_HEADER_BYTES, IORT_MAPPING_BYTES } from './iort.js';
export { readViot, VIOT_HEADER_BYTES, VIOT_NODE_HEADER_BYTES } from './viot.js';
export { readAcpiTable, readAcpiInput, readAcpiDir, isAcpiInput } from './source.js';
export { AcpiError, type AcpiPlace } from '../errors.js';
