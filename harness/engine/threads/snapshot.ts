/**
 * The numbers one half reports about itself: its meter's counters plus what only the threads engine
 * sees (busy time, real wake-ups, signals sent and delivered). The host writes them into the control
 * block on a snapshot request (the guest brackets its measured phase with two), and both halves send
 * their final ones to the main thread, which sums the two sides as the sim runner sums its meters.
 */
import { COUNTER_NAMES, type Counters, type Meter, zeroCounters } from '../../../models/platform/meter.js';
import { SNAPSHOT_SLOTS } from './link.js';
import type { WaitStats } from './notify.js';

/** Per-thread figures beyond the meter (all counts except `busyNs`). */
export interface ThreadStats {
  /** Wall-clock ns the thread spent outside idle waits. */
  busyNs: number;
  /** Event-loop callbacks run. */
  events: number;
  /** `Atomics.wait` calls that slept, sleeps ended by a notify (real wake-ups), sleeps that timed out. */
  sleeps: number;
  wakeups: number;
  sleepTimeouts: number;
  /** Times this thread's notify woke the peer from a sleep. */
  wokePeer: number;
  /** Guest: exits and hypercalls sent through the mailbox. Host: exits served. */
  exits: number;
  /** Guest: doorbell writes, and those that set a pending bit (the rest coalesced). Host: doorbells delivered. */
  doorbellsRung: number;
  doorbellsPosted: number;
  doorbellsDelivered: number;
  /** Host: interrupt signals sent (line rising edges + MSI writes), posted (set a pending bit), coalesced, dropped. */
  irqSent: number;
  irqPosted: number;
  irqCoalesced: number;
  irqDropped: number;
  /** Guest: interrupts taken (handlers run), pending vectors collected with no handler. */
  irqTaken: number;
  irqUnhandled: number;
}

export const THREAD_STAT_NAMES: readonly (keyof ThreadStats)[] = [
  'busyNs',
  'events',
  'sleeps',
  'wakeups',
  'sleepTimeouts',
  'wokePeer',
  'exits',
  'doorbellsRung',
  'doorbellsPosted',
  'doorbellsDelivered',
  'irqSent',
  'irqPosted',
  'irqCoalesced',
  'irqDropped',
  'irqTaken',
  'irqUnhandled',
];

export function zeroThreadStats(): ThreadStats {
  const s = {} as ThreadStats;
  for (const k of THREAD_STAT_NAMES) s[k] = 0;
  return s;
}

export function waitStatsInto(stats: ThreadStats, wait: WaitStats): void {
  stats.sleeps = wait.sleeps;
  stats.wakeups = wait.wakeups;
  stats.sleepTimeouts = wait.timeouts;
}

/** One half at one instant. */
export interface SideSnapshot {
  readonly counters: Counters;
  readonly stats: ThreadStats;
}

export function takeSnapshot(meter: Meter, stats: ThreadStats): SideSnapshot {
  return { counters: { ...meter.counters }, stats: { ...stats } };
}

const SLOTS_USED = COUNTER_NAMES.length + THREAD_STAT_NAMES.length;
if (SLOTS_USED > SNAPSHOT_SLOTS) throw new Error(`snapshot needs ${SLOTS_USED} slots, the link has ${SNAPSHOT_SLOTS}`);

/** Write a snapshot into `slots[base…]` (the host, answering a snapshot request). */
export function writeSnapshot(s: SideSnapshot, slots: Float64Array, base: number): void {
  let i = base;
  for (const k of COUNTER_NAMES) slots[i++] = s.counters[k];
  for (const k of THREAD_STAT_NAMES) slots[i++] = s.stats[k];
}

export function readSnapshot(slots: Float64Array, base: number): SideSnapshot {
  const counters = zeroCounters();
  const stats = zeroThreadStats();
  let i = base;
  for (const k of COUNTER_NAMES) counters[k] = slots[i++] as number;
  for (const k of THREAD_STAT_NAMES) stats[k] = slots[i++] as number;
  return { counters, stats };
}

/** `later − earlier`, field by field. */
export function diffSnapshots(later: SideSnapshot, earlier: SideSnapshot): SideSnapshot {
  const counters = zeroCounters();
  const stats = zeroThreadStats();
  for (const k of COUNTER_NAMES) counters[k] = later.counters[k] - earlier.counters[k];
  for (const k of THREAD_STAT_NAMES) stats[k] = later.stats[k] - earlier.stats[k];
  return { counters, stats };
}
