/**
 * The reference backend every model shares (DESIGN §5). It implements the contracts in
 * models/platform/backend-api.ts and imports nothing but models/platform.
 */

export { copyBytes } from '../platform/bytes.js';
export * from './block/index.js';
export * from './console/index.js';
export * from './entropy/index.js';
export * from './hash.js';
export * from './net/index.js';
export * from './recording.js';
