export * from '../core/index.js';
export * from './map.js';
export * from './translate.js';
export * from './readers/index.js';
