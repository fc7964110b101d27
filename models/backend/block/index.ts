export * from './block-backend.js';
export * from './file-store.js';
export * from './memory-store.js';
export * from './serial.js';
export * from './service-model.js';
export * from './store.js';
