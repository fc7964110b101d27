export * from './byte-queue.js';
export * from './console-backend.js';
