/**
 * How a thread of the threads engine waits for its peer and how the peer wakes it (DESIGN §7):
 * doorbells, interrupts and exit replies are `Atomics.notify` on futex words, and a waiting thread
 * either sleeps in `Atomics.wait` (`futex`), spins on the word (`poll`), or spins a bounded budget
 * and then sleeps (`hybrid`, like KVM's halt-polling).
 *
 * A sleeper raises its "sleeping" word before it waits, and a waker notifies only when that word is
 * up. Both are sequentially consistent, so either the waker sees the sleeper's flag or the sleeper's
 * `Atomics.wait` sees the waker's new value and does not sleep: no wake-up is lost (Dekker).
 */

export type NotifyMode = 'futex' | 'poll' | 'hybrid';
export const NOTIFY_MODES: readonly NotifyMode[] = ['futex', 'poll', 'hybrid'];

export function isNotifyMode(text: string): text is NotifyMode {
  return (NOTIFY_MODES as readonly string[]).includes(text);
}

export interface WaitPolicy {
  readonly mode: NotifyMode;
  /** `hybrid`: how long to spin before sleeping, ns. */
  readonly spinNs: number;
}

/** hybrid's spin budget: about one futex sleep/wake round trip (virtio.md §12: 54–124 µs). */
export const DEFAULT_SPIN_NS = 50_000;
export const DEFAULT_WAIT_POLICY: WaitPolicy = { mode: 'hybrid', spinNs: DEFAULT_SPIN_NS };

/**
 * A deadline this close is waited for by spinning in every mode: a futex timeout carries the
 * kernel's timer slack (50 µs for normal threads), so sleeping would overshoot the timer by far.
 */
export const SHORT_WAIT_NS = 50_000;

/** Longest single sleep; a sleeper re-checks its word and the stop flag at least this often. */
export const MAX_SLEEP_MS = 250;

/** Monotonic wall-clock ns (performance.now is uv_hrtime based; unlike hrtime.bigint it allocates nothing). */
export function clockNs(): number {
  return performance.now() * 1e6;
}

export const WaitOutcome = {
  /** The word moved (seen while spinning, or before sleeping). */
  signalled: 0,
  /** The thread slept and a peer's notify woke it: a real wake-up. */
  woken: 1,
  /** The deadline passed (or a bounded sleep ran out) with the word unchanged. */
  timedOut: 2,
} as const;
export type WaitOutcome = (typeof WaitOutcome)[keyof typeof WaitOutcome];

/** Per-thread counts of how waits ended. */
export interface WaitStats {
  /** `Atomics.wait` calls that actually slept. */
  sleeps: number;
  /** Sleeps ended by a peer's notify. */
  wakeups: number;
  /** Sleeps ended by their timeout. */
  timeouts: number;
}

export function zeroWaitStats(): WaitStats {
  return { sleeps: 0, wakeups: 0, timeouts: 0 };
}

/** Spin iterations between clock reads (a clock read costs several loads). */
const SPINS_PER_CLOCK_READ = 32;
/** Loads before a wait first reads the clock: in a busy exchange the signal usually lands within them. */
const QUICK_SPINS = 128;

/**
 * Waits for `ctl[word]` to leave a value, under a policy; one per (thread, word). It also keeps the
 * time spent waiting (`idleNs`), from its first clock read to its return: a wait that the quick spin
 * ends costs no clock read and counts as busy time.
 */
export class Waiter {
  /** Wall-clock ns spent in waits that outlasted the quick spin. */
  idleNs = 0;

  constructor(
    private readonly ctl: Int32Array,
    private readonly word: number,
    private readonly sleepingWord: number,
    private readonly policy: WaitPolicy,
    readonly stats: WaitStats,
  ) {}

  /**
   * Wait until `ctl[word] !== seen` or the clock reaches `deadlineNs` (Infinity: no deadline).
   * Returns after at most one sleep of ≤ MAX_SLEEP_MS, so callers loop and re-check their state.
   */
  wait(seen: number, deadlineNs: number): WaitOutcome {
    const ctl = this.ctl;
    const word = this.word;
    if (this.policy.mode !== 'futex') {
      for (let i = 0; i < QUICK_SPINS; i++) if (Atomics.load(ctl, word) !== seen) return WaitOutcome.signalled;
    } else if (Atomics.load(ctl, word) !== seen) {
      return WaitOutcome.signalled;
    }
    const start = clockNs();
    const outcome = this.waitFrom(start, seen, deadlineNs);
    this.idleNs += clockNs() - start;
    return outcome;
  }

  private waitFrom(start: number, seen: number, deadlineNs: number): WaitOutcome {
    const ctl = this.ctl;
    const word = this.word;
    const mode = this.policy.mode;
    let now = start;
    if (now >= deadlineNs) return WaitOutcome.timedOut;
    if (mode === 'poll' && deadlineNs === Number.POSITIVE_INFINITY) {
      while (Atomics.load(ctl, word) === seen) {}
      return WaitOutcome.signalled;
    }
    let spinUntil = mode === 'poll' ? deadlineNs : mode === 'hybrid' ? now + this.policy.spinNs : now;
    if (deadlineNs - now <= SHORT_WAIT_NS) spinUntil = deadlineNs;
    if (spinUntil > now) {
      for (let i = 1; ; i++) {
        if (Atomics.load(ctl, word) !== seen) return WaitOutcome.signalled;
        if (i % SPINS_PER_CLOCK_READ === 0) {
          now = clockNs();
          if (now >= spinUntil) break;
        }
      }
      // poll spins up to the deadline, so it never gets past here.
      if (now >= deadlineNs) return WaitOutcome.timedOut;
    }
    const timeoutMs = Math.min(MAX_SLEEP_MS, (deadlineNs - now) / 1e6);
    Atomics.store(ctl, this.sleepingWord, 1);
    const r = Atomics.wait(ctl, word, seen, timeoutMs);
    Atomics.store(ctl, this.sleepingWord, 0);
    if (r === 'not-equal') return WaitOutcome.signalled;
    this.stats.sleeps++;
    if (r === 'ok') {
      this.stats.wakeups++;
      return WaitOutcome.woken;
    }
    this.stats.timeouts++;
    return WaitOutcome.timedOut;
  }
}

/**
 * Publish a signal on `ctl[word]` and wake its thread if it sleeps. The caller has already written
 * what the signal announces. Returns true when a sleeping thread was woken.
 */
export function signal(ctl: Int32Array, word: number, sleepingWord: number): boolean {
  Atomics.add(ctl, word, 1);
  return Atomics.load(ctl, sleepingWord) !== 0 && Atomics.notify(ctl, word, 1) > 0;
}
