/** The result document: schema, validation, atomic I/O, environment metadata. */
export { collectEnv, envHash, sourceState } from './env.js';
export {
  fieldPath,
  ResultsError,
  readResults,
  serializeResults,
  validateResults,
  writeFileAtomic,
  writeResults,
} from './io.js';
export * from './schema.js';
