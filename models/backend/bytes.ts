/**
 * `copyBytes` moved to models/platform/bytes.ts (models use it too, and may not import backend
 * runtime code). This re-export keeps the remaining backend importers working until they import
 * the platform module directly.
 */
export { copyBytes } from '../platform/bytes.js';
