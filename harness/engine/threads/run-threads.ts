/**
 * Run one cell on the threads engine (DESIGN §7): the guest half (workload + guest driver) on one
 * worker, the host half (device + reference backend) on another, sharing guest RAM and a control
 * block as SharedArrayBuffers. The main thread only watches: it blocks in `Atomics.wait` on its
 * attention word (so the call is synchronous, like the sim runner's) and ends the run when
 *
 * - both halves are done: the record carries wall-clock metrics (tagged `timing`) and both halves'
 *   meters summed, as the sim engine reports them;
 * - either half fails (an exception, or a device error inside an exit): both workers are terminated
 *   and the record says which half failed and why;
 * - neither half makes progress for `stallMs` (a hung peer, a lost wake-up), or the run exceeds
 *   `timeoutMs`: both are terminated and the record says what each half was doing.
 *
 * Either way no worker is left running: both are terminated before this returns.
 */
import { receiveMessageOnPort } from 'node:worker_threads';
import { SabGuestMemory } from '../../../models/platform/memory.js';
import { findModel } from '../../registry.js';
import type { RunRecord } from '../../results/schema.js';
import { type ResolvedCell, recordHead } from '../../runner/cell.js';
import { cellId } from '../../runner/cell-id.js';
import { RUN_DEFAULTS } from '../../runner/defaults.js';
import { ACTIVITY_TEXT, Activity, CTL_WORDS, SideState, ThreadLink, Word } from './link.js';
import { DEFAULT_SPIN_NS, type NotifyMode } from './notify.js';
import type {
  FailureReport,
  GuestReport,
  HostReport,
  ModelModule,
  Side,
  ThreadsFault,
  WorkerReport,
  WorkerWords,
} from './protocol.js';
import { buildMetrics, type ThreadsDetail, threadsDetail } from './threads-metrics.js';
import { type StartedWorker, startWorker, workerEntry } from './workers.js';

export interface ThreadsRunOptions {
  /** How idle threads wait for doorbells, interrupts and exit replies (default `hybrid`). */
  readonly notify?: NotifyMode;
  /** `hybrid`'s spin budget in ns (default 50 µs). */
  readonly spinNs?: number;
  /** Guest RAM (default 256 MiB, as the sim runner). */
  readonly memBytes?: number;
  /** Neither half making progress for this long is a hang (default 10 s). */
  readonly stallMs?: number;
  /** Wall-clock limit of the whole run (default 10 minutes). */
  readonly timeoutMs?: number;
  /** Limit on worker start-up (module loading, model construction) before the stall watch begins (default 60 s). */
  readonly startMs?: number;
  /** Models the workers import and register first (the workers build models from the registry by id). */
  readonly modelModules?: readonly ModelModule[];
  /** Test hook: make a half throw or hang (engine failure handling, not a model feature). */
  readonly fault?: ThreadsFault;
}

export const THREADS_DEFAULTS = {
  notify: 'hybrid',
  spinNs: DEFAULT_SPIN_NS,
  stallMs: 10_000,
  timeoutMs: 600_000,
  /** Worker start-up (module loading, model construction) before the watchdog starts. */
  startMs: 60_000,
} as const;

/** A run record of the threads engine: the sim record's shape, engine `threads`, plus engine detail. */
export type ThreadsRunRecord = Omit<RunRecord, 'engine'> & { engine: 'threads'; threads?: ThreadsDetail };

/** Main-thread wait slice: how often the watchdog looks at the progress counters. */
const WATCH_SLICE_MS = 20;

type Verdict =
  | { readonly kind: 'done' }
  | { readonly kind: 'failed' }
  | { readonly kind: 'stalled'; readonly ms: number }
  | { readonly kind: 'timeout'; readonly ms: number }
  | { readonly kind: 'start-timeout'; readonly ms: number };

export function runCellThreads(cell: ResolvedCell, options: ThreadsRunOptions = {}): ThreadsRunRecord {
  const fields = { ...recordHead(cell), engine: 'threads' as const };
  // The id names the engine: recompute it now that the engine is threads whatever the spec said.
  const head = { ...fields, id: cellId(fields) };
  try {
    const support = cell.model.support(cell.spec.device, cell.config);
    if (!support.ok) return { ...head, status: 'unsupported', reason: support.reason };
    const plugged = (options.modelModules ?? []).length > 0;
    if (!plugged && findModel(cell.model.id) !== cell.model) {
      return {
        ...head,
        status: 'error',
        reason: `the threads engine builds models from the registry by id; model ${cell.model.id} is not registered (pass it as a model module)`,
      };
    }
    return { ...head, ...execute(cell, options) };
  } catch (error) {
    return { ...head, status: 'error', reason: error instanceof Error ? error.message : String(error) };
  }
}

function execute(
  cell: ResolvedCell,
  options: ThreadsRunOptions,
): Pick<ThreadsRunRecord, 'status' | 'reason' | 'metrics' | 'threads'> {
  const notify = options.notify ?? THREADS_DEFAULTS.notify;
  const policy = { mode: notify, spinNs: options.spinNs ?? THREADS_DEFAULTS.spinNs };
  const entry = workerEntry();
  const link = ThreadLink.allocate();
  const ram = SabGuestMemory.allocate(options.memBytes ?? RUN_DEFAULTS.memBytes);
  const shared = {
    spec: cell.spec,
    ram,
    link: link.buffer,
    policy,
    fault: options.fault,
    modelModules: options.modelModules ?? [],
  };
  const workers: Record<Side, StartedWorker> = {
    host: startWorker(entry, { ...shared, role: 'host', words: workerWords('host') }),
    guest: startWorker(entry, { ...shared, role: 'guest', words: workerWords('guest') }),
  };
  let verdict: Verdict;
  try {
    verdict = watch(link, options);
  } finally {
    link.requestStop();
    // Give a half that is stopping cleanly a moment to post its report, then end both threads.
    settle(link, 1000);
    void workers.guest.worker.terminate();
    void workers.host.worker.terminate();
  }
  const reports = { guest: drain(workers.guest), host: drain(workers.host) };
  const failures = [...reports.host, ...reports.guest].filter((r): r is FailureReport => r.kind === 'failure');
  if (verdict.kind !== 'done' || failures.length > 0) {
    return { status: 'error', reason: failureReason(verdict, failures, link) };
  }
  const guest = reports.guest.find((r): r is GuestReport => r.kind === 'guest-report');
  const host = reports.host.find((r): r is HostReport => r.kind === 'host-report');
  if (guest === undefined || host === undefined) {
    return { status: 'error', reason: `the ${guest === undefined ? 'guest' : 'host'} half ended without a report` };
  }
  if (guest.outcome.kind === 'failed') return { status: 'error', reason: guest.outcome.reason };
  if (guest.phase !== 'measured' || guest.window === undefined) {
    return { status: 'error', reason: 'the workload finished without completing a measured phase' };
  }
  if (!(guest.wallNs > 0)) return { status: 'error', reason: `the measured phase took ${guest.wallNs} ns` };
  return {
    status: 'ok',
    metrics: buildMetrics(guest),
    threads: threadsDetail(policy, guest, host, link),
  };
}

function workerWords(side: Side): WorkerWords {
  return {
    count: CTL_WORDS,
    state: side === 'guest' ? Word.guestState : Word.hostState,
    done: SideState.done,
    failed: SideState.failed,
    stop: Word.stop,
    mainAttention: Word.mainAttention,
    wake: [Word.hostAttention, Word.guestAttention],
    notify: [Word.reply],
  };
}

function watch(link: ThreadLink, options: ThreadsRunOptions): Verdict {
  const ctl = link.ctl;
  const stallMs = options.stallMs ?? THREADS_DEFAULTS.stallMs;
  const timeoutMs = options.timeoutMs ?? THREADS_DEFAULTS.timeoutMs;
  const startMs = options.startMs ?? THREADS_DEFAULTS.startMs;
  const started = Date.now();
  let running = false;
  let progress = -1;
  let lastMove = started;
  for (;;) {
    const seen = Atomics.load(ctl, Word.mainAttention);
    const gs = Atomics.load(ctl, Word.guestState);
    const hs = Atomics.load(ctl, Word.hostState);
    if (gs === SideState.failed || hs === SideState.failed) return { kind: 'failed' };
    if (gs === SideState.done && hs === SideState.done) return { kind: 'done' };
    const now = Date.now();
    if (now - started > timeoutMs) return { kind: 'timeout', ms: timeoutMs };
    if (!running) {
      running = gs !== SideState.starting && hs !== SideState.starting;
      if (!running && now - started > startMs) return { kind: 'start-timeout', ms: now - started };
      lastMove = now;
    } else {
      // Either half moving is progress; a half that finished does not count as stuck.
      const p = Atomics.load(ctl, Word.guestProgress) + Atomics.load(ctl, Word.hostProgress) + gs + hs;
      if (p !== progress) {
        progress = p;
        lastMove = now;
      } else if (now - lastMove > stallMs) {
        return { kind: 'stalled', ms: now - lastMove };
      }
    }
    Atomics.wait(ctl, Word.mainAttention, seen, WATCH_SLICE_MS);
  }
}

/** Wait up to `ms` for both halves to leave the running states. */
function settle(link: ThreadLink, ms: number): void {
  const ctl = link.ctl;
  const deadline = Date.now() + ms;
  const over = (s: number): boolean => s === SideState.done || s === SideState.failed;
  while (!(over(Atomics.load(ctl, Word.guestState)) && over(Atomics.load(ctl, Word.hostState)))) {
    const left = deadline - Date.now();
    if (left <= 0) return;
    const seen = Atomics.load(ctl, Word.mainAttention);
    Atomics.wait(ctl, Word.mainAttention, seen, Math.min(left, WATCH_SLICE_MS));
  }
}

function drain(w: StartedWorker): WorkerReport[] {
  const out: WorkerReport[] = [];
  for (let m = receiveMessageOnPort(w.port); m !== undefined; m = receiveMessageOnPort(w.port)) {
    out.push(m.message as WorkerReport);
  }
  return out;
}

function activity(link: ThreadLink, side: Side): string {
  const word = side === 'guest' ? Word.guestActivity : Word.hostActivity;
  return ACTIVITY_TEXT[Atomics.load(link.ctl, word)] ?? 'in an unknown state';
}

function failureReason(verdict: Verdict, failures: readonly FailureReport[], link: ThreadLink): string {
  const state = `guest half ${activity(link, 'guest')}; host half ${activity(link, 'host')}`;
  // A watchdog verdict is the cause: failures reported after it come from the stop it requested.
  switch (verdict.kind) {
    case 'stalled': {
      const guestBlocked = Atomics.load(link.ctl, Word.guestActivity) === Activity.awaitingReply;
      const who = guestBlocked ? 'the host half stopped answering exits' : 'neither half was woken';
      return `hang: no progress for ${verdict.ms} ms, ${who} (${state})`;
    }
    case 'timeout':
      return `timeout: the run exceeded ${verdict.ms} ms (${state})`;
    case 'start-timeout':
      return `the workers did not start within ${verdict.ms} ms (${state})`;
    case 'failed':
    case 'done':
      break;
  }
  // The first failure is the cause; a peer's failure after it is usually the consequence.
  const first = failures[0];
  if (first === undefined) return `a half failed without a report (${state})`;
  const also = failures.slice(1).find((f) => f.side !== first.side);
  return `${first.side} half failed: ${first.reason}${also === undefined ? '' : ` (then the ${also.side} half: ${also.reason})`}`;
}
