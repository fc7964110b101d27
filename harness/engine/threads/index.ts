/** The threads engine's public face (DESIGN §7): run a cell on two worker threads, and its options. */

export { isNotifyMode, NOTIFY_MODES, type NotifyMode } from './notify.js';
export type { ModelModule, ThreadsFault } from './protocol.js';
export { runCellThreads, THREADS_DEFAULTS, type ThreadsRunOptions, type ThreadsRunRecord } from './run-threads.js';
export { type SignalAccount, THREADS_METRIC_TAGS, type ThreadsDetail } from './threads-metrics.js';
export { allWorkersExited, liveWorkers, WorkerBuildMissing } from './workers.js';
