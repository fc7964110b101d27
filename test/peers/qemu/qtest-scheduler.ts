/**
 * The guest vCPU as a small event loop. QEMU runs in real time, so `now()` is wall-clock
 * nanoseconds since the platform started. Work queued with `after` runs only inside
 * `runUntil` / `drain`; when nothing is due, the loop asks its interrupt source to look
 * at QEMU (IRQ lines, MSI scratch words) and otherwise sleeps until a line changes, the
 * next timer is due, or a short poll interval passes.
 */
import type { Scheduler, TimerId } from '../../../models/platform/scheduler.js';
import { QtestError } from './qtest-process.js';

/** What the loop polls when idle (QtestInterrupts). */
export interface InterruptSource {
  /** Queue dispatches for lines QEMU changed; free (shared memory). Returns true if any was queued. */
  pollLines(): boolean;
  /** Queue dispatches for MSI scratch words; costs a qtest round trip. */
  pollMessages(): boolean;
  /** Current IRQ change counter, then sleep until it moves or `ms` passes. */
  changes(): number;
  sleep(seenChanges: number, ms: number): void;
}

interface Timer {
  id: number;
  due: number;
  fn: (() => void) | undefined;
}

/** Idle sleep between MSI polls: short, because MSI is only seen by polling guest RAM. */
const IDLE_POLL_MS = 0.25;
const DEFAULT_RUN_TIMEOUT_MS = 5_000;

export class QtestScheduler implements Scheduler {
  readonly actor = 'vcpu0';
  private readonly t0 = performance.now();
  /** Pending timers, sorted by (due, id). */
  private readonly queue: Timer[] = [];
  /** Spent timer records, reused by `after`. */
  private readonly spare: Timer[] = [];
  private nextId = 1;
  private source: InterruptSource | undefined;

  attach(source: InterruptSource): void {
    this.source = source;
  }

  now(): number {
    return Math.round((performance.now() - this.t0) * 1e6);
  }

  after(delayNs: number, fn: () => void): TimerId {
    const t = this.spare.pop() ?? { id: 0, due: 0, fn: undefined };
    t.id = this.nextId++;
    t.due = this.now() + Math.max(0, delayNs);
    t.fn = fn;
    // Insert after every timer due no later (FIFO among equals).
    let i = this.queue.length;
    while (i > 0 && (this.queue[i - 1] as Timer).due > t.due) i--;
    this.queue.splice(i, 0, t);
    return t.id;
  }

  cancel(id: TimerId): void {
    for (let i = 0; i < this.queue.length; i++) {
      const t = this.queue[i] as Timer;
      if (t.id !== id) continue;
      this.queue.splice(i, 1);
      this.recycle(t);
      return;
    }
  }

  get pending(): number {
    return this.queue.length;
  }

  private recycle(t: Timer): void {
    t.fn = undefined;
    this.spare.push(t);
  }

  /** Run the earliest timer if it is due; true if one ran. */
  private runOne(): boolean {
    const t = this.queue[0];
    if (t === undefined || t.due > this.now()) return false;
    this.queue.shift();
    const fn = t.fn as () => void;
    this.recycle(t);
    fn();
    return true;
  }

  /** Run due work and interrupts QEMU has already signalled, without waiting. */
  drain(): void {
    for (;;) {
      if (this.runOne()) continue;
      if (this.source?.pollLines() || this.source?.pollMessages()) continue;
      return;
    }
  }

  /**
   * Run the vCPU until `predicate` holds: due work first, then interrupts; when idle,
   * sleep until QEMU reports a line, a timer is due, or it is time to poll MSI again.
   * Throws if the predicate is still false after `timeoutMs` of wall-clock time.
   */
  runUntil(predicate: () => boolean, timeoutMs = DEFAULT_RUN_TIMEOUT_MS): void {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      if (predicate()) return;
      if (this.runOne()) continue;
      const src = this.source;
      const seen = src?.changes() ?? 0;
      if (src?.pollLines() || src?.pollMessages()) continue;
      const left = deadline - performance.now();
      if (left <= 0) throw new QtestError(`runUntil: condition still false after ${timeoutMs} ms`);
      const next = this.queue[0];
      const untilTimer = next === undefined ? IDLE_POLL_MS : Math.max(0, (next.due - this.now()) / 1e6);
      const ms = Math.min(IDLE_POLL_MS, untilTimer, left);
      if (src !== undefined) src.sleep(seen, ms);
      else if (ms > 0) Atomics.wait(IDLE_WORD, 0, 0, ms);
    }
  }
}

/** Nothing ever notifies this word: waiting on it is a plain sleep. */
const IDLE_WORD = new Int32Array(new SharedArrayBuffer(4));
