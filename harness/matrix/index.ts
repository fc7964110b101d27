/** The matrix: request expansion, planning, sharding, worker processes, repeats, documents, merging. */
export {
  DEFAULT_SUITE,
  expandMatrix,
  MATRIX_DEFAULTS,
  type MatrixRequest,
  product,
  type Registry,
  type SuiteEntry,
  specLabel,
} from './axes.js';
export { type DocumentInfo, resultDocument, runId, runInfo, sortRuns } from './document.js';
export { MergeError, type MergeInput, type MergeResult, mergeResults } from './merge.js';
export { type PlannedCell, planMatrix, selectShard } from './plan.js';
export { type PoolOptions, type PoolTask, runInWorkers, workerEntry } from './pool.js';
export { combineRepeats, deterministicPart, differingPaths, TIMING_METRICS } from './repeat.js';
export { type MatrixRunOptions, runMatrix, type TaskInfo, taskCount } from './run-matrix.js';
export { inShard, parseShard, type ShardSpec, shardOf } from './shard.js';
