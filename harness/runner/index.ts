/** The runner's public face: cells, resolution and running. */
export { createReferenceBackend, type ReferenceBackend } from './backends.js';
export {
  type BackendSpec,
  type CellSpec,
  ConfigError,
  DEFAULT_BACKEND,
  type ResolvedCell,
  type ResolveOptions,
  resolveCell,
  SERVICE_MODELS,
  type ServiceModelName,
  type ThreadsWait,
  threadsWait,
} from './cell.js';
export { type CellIdentity, cellId } from './cell-id.js';
export { MeasuredWindow } from './metrics.js';
export { RUN_DEFAULTS, type RunOptions, runCell, runResolved } from './run-cell.js';
