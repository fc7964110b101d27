/**
 * Metrics of a threads-engine run: the sim record's shape (so tables and reports read both), filled
 * with wall-clock figures. Counters are the guest's and the host's meters summed over the measured
 * phase, exactly as the sim runner sums its two meters; throughput is ops ÷ wall time of the measured
 * phase (never a mean of rates); latency comes from the HDR histogram. Engine detail (notify mode,
 * real wake-ups, signals sent and delivered, the encoded histogram) goes beside the metrics.
 */
import { addCounters, COUNTER_NAMES, zeroCounters } from '../../../models/platform/meter.js';
import type { Metrics, MetricTag } from '../../results/schema.js';
import { MAX_DOORBELLS, MSI_VECTORS, type ThreadLink, Word } from './link.js';
import type { WaitPolicy } from './notify.js';
import type { GuestReport, HostReport } from './protocol.js';
import type { ThreadStats } from './snapshot.js';

/**
 * How each metric group is tagged under the threads engine (measurement.md §5.3): the same names as
 * the sim engine, wall-clock figures `timing`. `virtualNs` holds the measured phase's wall time and
 * `actors` the two threads' busy time (outside idle waits).
 */
export const THREADS_METRIC_TAGS = {
  ops: { kind: 'deterministic', basis: 'count', unit: 'ops', better: 'none' },
  bytes: { kind: 'deterministic', basis: 'count', unit: 'bytes', better: 'none' },
  iops: { kind: 'timing', basis: 'wall', unit: 'ops/s', better: 'higher' },
  bw_bytes: { kind: 'timing', basis: 'wall', unit: 'bytes/s', better: 'higher' },
  lat_ns: { kind: 'timing', basis: 'wall', unit: 'ns', better: 'lower' },
  counters: { kind: 'timing', basis: 'count', unit: 'events', better: 'lower' },
  perOp: { kind: 'timing', basis: 'count', unit: 'events/op', better: 'lower' },
  virtualNs: { kind: 'timing', basis: 'wall', unit: 'ns', better: 'none' },
  actors: { kind: 'timing', basis: 'wall', unit: 'ns', better: 'lower' },
  workload: { kind: 'deterministic', basis: 'count', unit: 'various', better: 'none' },
  simOpsPerWallSec: { kind: 'timing', basis: 'wall', unit: 'ops/s', better: 'higher' },
} as const satisfies Record<keyof Metrics, MetricTag>;

export function buildMetrics(guest: GuestReport): Metrics {
  const window = guest.window;
  if (window === undefined) throw new Error('no measured phase');
  const { ops, bytes, wallNs, latency } = guest;
  const seconds = wallNs / 1e9;
  const counters = addCounters(addCounters(zeroCounters(), window.guest.counters), window.host.counters);
  const perOp = zeroCounters();
  for (const k of COUNTER_NAMES) perOp[k] = ops === 0 ? 0 : counters[k] / ops;
  const busy = (name: string, s: ThreadStats) => ({
    name,
    busyNs: Math.max(0, s.busyNs),
    util: Math.min(1, Math.max(0, s.busyNs) / wallNs),
  });
  return {
    ops,
    bytes,
    iops: ops / seconds,
    bw_bytes: bytes / seconds,
    lat_ns: {
      count: latency.count,
      mean: latency.mean,
      p50: latency.p50,
      p90: latency.p90,
      p99: latency.p99,
      p999: latency.p999,
      min: latency.min,
      max: latency.max,
    },
    counters,
    perOp,
    virtualNs: wallNs,
    actors: [busy('guest-thread', window.guest.stats), busy('host-thread', window.host.stats)],
    workload: { ...guest.notes },
    simOpsPerWallSec: ops / seconds,
  };
}

/** Signals over the whole run, sent vs delivered, with what was still pending when both halves stopped. */
export interface SignalAccount {
  readonly doorbells: {
    readonly rung: number;
    readonly posted: number;
    readonly delivered: number;
    readonly pendingAtEnd: number;
  };
  readonly interrupts: {
    readonly sent: number;
    readonly posted: number;
    readonly coalesced: number;
    readonly dropped: number;
    readonly taken: number;
    readonly unhandled: number;
    readonly msiPendingAtEnd: number;
  };
}

export interface ThreadsDetail {
  readonly notify: WaitPolicy['mode'];
  readonly spinNs: number;
  /** Per-thread figures over the measured phase. */
  readonly window: { readonly guest: ThreadStats; readonly host: ThreadStats };
  /** Real wake-ups (futex sleeps ended by a notify) of both threads per measured op. */
  readonly wakeupsPerOp: number;
  readonly signals: SignalAccount;
  /** The latency histogram, hdr-histogram-js `encodeIntoCompressedBase64`. */
  readonly latencyHdr: string;
}

function popcount(x: number): number {
  let v = x >>> 0;
  let n = 0;
  while (v !== 0) {
    v &= v - 1;
    n++;
  }
  return n;
}

/** Read once both halves have stopped (their workers terminated). */
export function threadsDetail(
  policy: WaitPolicy,
  guest: GuestReport,
  host: HostReport,
  link: ThreadLink,
): ThreadsDetail {
  const window = guest.window;
  if (window === undefined) throw new Error('no measured phase');
  const ctl = link.ctl;
  let msiPending = 0;
  for (let w = 0; w < MSI_VECTORS / 32; w++) msiPending += popcount(Atomics.load(ctl, Word.msiPending + w));
  const doorbellsPending = popcount(
    Atomics.load(ctl, Word.doorbellPending) & (MAX_DOORBELLS === 32 ? -1 : (1 << MAX_DOORBELLS) - 1),
  );
  const g = guest.total.stats;
  const h = host.total.stats;
  return {
    notify: policy.mode,
    spinNs: policy.spinNs,
    window: { guest: window.guest.stats, host: window.host.stats },
    wakeupsPerOp: guest.ops === 0 ? 0 : (window.guest.stats.wakeups + window.host.stats.wakeups) / guest.ops,
    signals: {
      doorbells: {
        rung: g.doorbellsRung,
        posted: g.doorbellsPosted,
        delivered: h.doorbellsDelivered,
        pendingAtEnd: doorbellsPending,
      },
      interrupts: {
        sent: h.irqSent,
        posted: h.irqPosted,
        coalesced: h.irqCoalesced + g.irqCoalesced,
        dropped: h.irqDropped,
        taken: g.irqTaken,
        unhandled: g.irqUnhandled,
        msiPendingAtEnd: msiPending,
      },
    },
    latencyHdr: guest.latency.hdr,
  };
}
