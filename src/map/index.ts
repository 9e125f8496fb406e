export * from './map.js';
export * from './lookup.js';
export * from './coverage.js';
export * from './translate.js';
export * from './readers/index.js';
