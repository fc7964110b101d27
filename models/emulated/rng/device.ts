/**
 * The RNG device model (specs/trap-emulate.md §5, §7 item 22, §8 H13): two read-only registers
 * in an 8-port window, no interrupt. Every guest access is one exit into `read`/`write` here.
 *
 * Readiness is a deadline, not a timer: an RNGDATA read that hands out a word sets
 * `readyAtNs = now + latency`, and the next word is drawn from the backend at the first access
 * at or after that deadline. With no interrupt, nothing can observe the word earlier, so this is
 * the same device as one that schedules readiness — without a timer event or a device wake-up
 * per word. The backend may give fewer bytes than asked (rate limit) or none: the bytes are kept
 * (≤ 4, never more) and the device stays not ready until a whole word is in; it never blocks.
 *
 * Each access does O(1) work — at most one backend read of ≤ 4 bytes — and allocates nothing (H14).
 */
import type { EntropyBackend } from '../../platform/backend-api.js';
import type { AccessSize, IoHandler } from '../../platform/bus.js';
import type { Scheduler } from '../../platform/scheduler.js';
import { RNG_WORD_BYTES, RngDone, RngRegister } from './registers.js';

/** Register-level state worth showing in traces and tests. */
export interface RngDeviceState {
  readonly ready: boolean;
  /** Bytes of the next word already taken from the backend (0–4). */
  readonly bufferedBytes: number;
  readonly readyAtNs: number;
}

export interface RngDeviceStats {
  /** Words handed out by RNGDATA reads (narrow reads included). */
  words: number;
  /** RNGDATA reads while not ready (answered 0, no side effect). */
  notReadyDataReads: number;
  /** RNGDONE reads answered 0. */
  notReadyDonePolls: number;
  /** Backend reads (each asks for the missing bytes of one word). */
  backendReads: number;
  /** Backend reads that threw: counted as no bytes, the device stays not ready. */
  backendErrors: number;
  /** Accesses to offsets that are neither RNGDATA nor RNGDONE (read 0 / ignored). */
  reservedAccesses: number;
  /** Writes (all ignored: both registers are read-only). */
  ignoredWrites: number;
}

const LOW_BYTES: Record<AccessSize, number> = { 1: 0xff, 2: 0xffff, 4: 0xffffffff };

export class RngDevice implements IoHandler {
  readonly stats: RngDeviceStats = {
    words: 0,
    notReadyDataReads: 0,
    notReadyDonePolls: 0,
    backendReads: 0,
    backendErrors: 0,
    reservedAccesses: 0,
    ignoredWrites: 0,
  };
  /** The next word, low byte first, as the backend produced it. */
  private readonly word = new Uint8Array(RNG_WORD_BYTES);
  private buffered = 0;
  private readyAtNs = 0;

  /**
   * @param clock the device actor's clock: `now()` inside an exit is the time of the access.
   * @param latencyNs time from an RNGDATA read to the next word (0 = at once).
   */
  constructor(
    private readonly backend: EntropyBackend,
    private readonly clock: Scheduler,
    private readonly latencyNs: number,
  ) {
    if (!(latencyNs >= 0 && latencyNs < Number.POSITIVE_INFINITY)) {
      throw new RangeError(`RNG latency ${latencyNs} ns: expected a finite number ≥ 0`);
    }
  }

  read(offset: number, size: AccessSize): number {
    if (offset === RngRegister.RNGDONE) {
      if (this.ready()) return RngDone.ready;
      this.stats.notReadyDonePolls++;
      return RngDone.notReady;
    }
    if (offset === RngRegister.RNGDATA) return this.readData(size);
    this.stats.reservedAccesses++;
    return 0;
  }

  write(offset: number, _size: AccessSize, _value: number): void {
    // Both registers are read-only; nothing else decodes (§5: writes ignored).
    if (offset !== RngRegister.RNGDATA && offset !== RngRegister.RNGDONE) this.stats.reservedAccesses++;
    this.stats.ignoredWrites++;
  }

  state(): RngDeviceState {
    return {
      ready: this.buffered === RNG_WORD_BYTES && this.clock.now() >= this.readyAtNs,
      bufferedBytes: this.buffered,
      readyAtNs: this.readyAtNs,
    };
  }

  /** A narrower read returns the low bytes and still consumes the whole word (§5). */
  private readData(size: AccessSize): number {
    if (!this.ready()) {
      this.stats.notReadyDataReads++;
      return 0;
    }
    const w = this.word;
    const value =
      ((w[0] as number) | ((w[1] as number) << 8) | ((w[2] as number) << 16) | ((w[3] as number) << 24)) >>> 0;
    this.buffered = 0;
    this.readyAtNs = this.clock.now() + this.latencyNs;
    this.stats.words++;
    return (value & LOW_BYTES[size]) >>> 0;
  }

  /** Ready = deadline passed and a whole word in hand; tops the word up from the backend once due. */
  private ready(): boolean {
    if (this.clock.now() < this.readyAtNs) return false;
    if (this.buffered < RNG_WORD_BYTES) this.topUp();
    return this.buffered === RNG_WORD_BYTES;
  }

  private topUp(): void {
    this.stats.backendReads++;
    let got = 0;
    try {
      got = this.backend.read(this.word, this.buffered, RNG_WORD_BYTES - this.buffered);
    } catch {
      // A failing backend is an empty one: never let it escape the exit.
      this.stats.backendErrors++;
      return;
    }
    // Trust nothing: a backend reporting more than asked (or garbage) cannot overfill the word.
    if (got > 0) this.buffered = Math.min(RNG_WORD_BYTES, this.buffered + Math.floor(got));
  }
}
