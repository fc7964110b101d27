/**
 * Run one cell. A threads-engine cell goes to harness/engine/threads (its wait settings taken
 * from the cell, since they are part of its identity). A sim cell: machine → reference backend on the host actor `device`
 * → model host half → model guest half (brought up through the protocol) → workload. The
 * engine runs until the workload finishes or fails, or a safety limit trips; the run then
 * ends with status `ok`, `unsupported` (the model declined the knobs, nothing ran) or
 * `error` (with the reason) — never a hang, never an exception for a failed run.
 */
import type { BackendFor } from '../../models/platform/backend-api.js';
import type { DeviceClass, PortFor } from '../../models/platform/ports.js';
import { LatencyRecorder } from '../../workloads/latency.js';
import { type WorkloadContext, WorkloadUnsupported } from '../../workloads/workload.js';
import { createSimMachine, HOST_DEVICE } from '../engine/sim/machine.js';
import { runCellThreads, type ThreadsRunOptions } from '../engine/threads/index.js';
import type { RunRecord } from '../results/schema.js';
import { createReferenceBackend } from './backends.js';
import { type CellSpec, type ResolvedCell, type ResolveOptions, recordHead, resolveCell, threadsWait } from './cell.js';
import { RUN_DEFAULTS } from './defaults.js';
import { MeasuredWindow } from './metrics.js';

export { RUN_DEFAULTS } from './defaults.js';

export interface RunOptions extends ResolveOptions {
  /** Guest RAM (default 256 MiB). */
  readonly memBytes?: number;
  /** Safety limit on engine events (default 200 M). */
  readonly maxEvents?: number;
  /** Safety limit on virtual time in ns (default 1 virtual hour). */
  readonly maxVirtualNs?: number;
  /** Test hook: wrap the reference backend (e.g. to inject faults) before the model sees it. */
  readonly wrapBackend?: <C extends DeviceClass>(cls: C, backend: BackendFor[C]) => BackendFor[C];
  /** Test hook: wrap the port before the workload sees it (e.g. to instrument it). */
  readonly wrapPort?: <C extends DeviceClass>(cls: C, port: PortFor[C]) => PortFor[C];
  /** Threads-engine cells: limits and test hooks (the cell's notify and spin settings win). */
  readonly threads?: ThreadsRunOptions;
}

/** Largest latency buffer preallocated up front; more samples grow it. */
const MAX_PREALLOCATED_SAMPLES = 1 << 20;

type Outcome =
  | { readonly kind: 'running' }
  | { readonly kind: 'finished' }
  | { readonly kind: 'failed'; readonly error: Error };

const RUNNING: Outcome = { kind: 'running' };
const FINISHED: Outcome = { kind: 'finished' };

/** Resolve and run one cell. Throws `ConfigError` for a bad spec; every run failure is a record. */
export function runCell(spec: CellSpec, options: RunOptions = {}): RunRecord {
  return runResolved(resolveCell(spec, options), options);
}

export function runResolved(cell: ResolvedCell, options: RunOptions = {}): RunRecord {
  const wait = threadsWait(cell.spec);
  if (wait !== undefined) return runCellThreads(cell, { ...options.threads, ...wait });
  const head = recordHead(cell);
  try {
    const support = cell.model.support(cell.spec.device, cell.config);
    if (!support.ok) return { ...head, status: 'unsupported', reason: support.reason };
    return { ...head, ...execute(cell, options) };
  } catch (error) {
    return { ...head, status: 'error', reason: errorText(error) };
  }
}

function errorText(error: unknown): string {
  if (error instanceof Error) return `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}`;
  return String(error);
}

function execute(cell: ResolvedCell, options: RunOptions): Pick<RunRecord, 'status' | 'reason' | 'metrics'> {
  const { spec, model, workload, params, config } = cell;
  const cls = spec.device;
  const machine = createSimMachine({
    memBytes: options.memBytes ?? RUN_DEFAULTS.memBytes,
    profile: cell.profile,
    seed: spec.seed,
  });
  const { guest, host } = machine;
  const needs = workload.backendNeeds?.(params) ?? {};
  const reference = createReferenceBackend(cls, host, host.actor(HOST_DEVICE), cell.backend, needs);
  const backend = options.wrapBackend ? options.wrapBackend(cls, reference.backend) : reference.backend;
  model.createHost(cls, host, backend, config);

  let outcome: Outcome = RUNNING;
  const settle = (next: Outcome): void => {
    if (outcome.kind === 'running') outcome = next;
  };
  const latency = new LatencyRecorder(Math.min(MAX_PREALLOCATED_SAMPLES, workload.expectedOps(params)));
  const measured = new MeasuredWindow(machine, () => guest.sched.now());
  const notes: Record<string, number> = {};

  const startWorkload = (port: PortFor[typeof cls]): void => {
    const ctx: WorkloadContext<typeof cls> = {
      port: options.wrapPort ? options.wrapPort(cls, port) : port,
      guest,
      params,
      knobs: config.knobs,
      seed: spec.seed,
      latency,
      probe: reference.probe,
      measured: {
        begin: () => measured.begin(),
        end: (ops, bytes) => measured.end(ops, bytes),
      },
      note: (key, value) => {
        notes[key] = value;
      },
      finish: () => settle(FINISHED),
      fail: (error) => settle({ kind: 'failed', error }),
    };
    try {
      workload.start(ctx);
    } catch (error) {
      settle({ kind: 'failed', error: error instanceof Error ? error : new Error(String(error)) });
    }
  };
  model.createGuest(cls, guest, config, startWorkload, (error) =>
    settle({ kind: 'failed', error: new Error(`device bring-up failed: ${error.message}`) }),
  );

  const maxEvents = options.maxEvents ?? RUN_DEFAULTS.maxEvents;
  const maxVirtualNs = options.maxVirtualNs ?? RUN_DEFAULTS.maxVirtualNs;
  const summary = machine.run({ until: () => outcome.kind !== 'running', maxEvents, maxTimeNs: maxVirtualNs });
  const final = outcome as Outcome;
  switch (final.kind) {
    case 'finished':
      return { status: 'ok', metrics: measured.metrics(latency, notes) };
    case 'failed':
      // The device cannot do what the workload asks (e.g. depth beyond its queue): not a failure.
      if (final.error instanceof WorkloadUnsupported) return { status: 'unsupported', reason: final.error.message };
      return { status: 'error', reason: errorText(final.error) };
    case 'running':
      break;
  }
  const phase = { before: 'before', measuring: 'during', measured: 'after' }[measured.state.kind];
  const where = `after ${summary.events} events at ${(machine.nowNs() / 1e6).toFixed(3)} ms virtual, ${phase} the measured phase`;
  switch (summary.reason) {
    case 'idle':
      return { status: 'error', reason: `the simulation went idle before the workload finished (${where})` };
    case 'maxEvents':
      return {
        status: 'error',
        reason: `safety limit: ${maxEvents} events reached before the workload finished (${where})`,
      };
    case 'maxTime':
      return { status: 'error', reason: `safety limit: ${maxVirtualNs / 1e9} s of virtual time reached (${where})` };
    default:
      return {
        status: 'error',
        reason: `the engine stopped (${summary.reason}) before the workload finished (${where})`,
      };
  }
}
