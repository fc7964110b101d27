export * from './entropy-backend.js';
