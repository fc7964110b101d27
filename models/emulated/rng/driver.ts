/**
 * The RNG guest driver: the EntropyPort of models/platform/ports.ts, driving the registers the way
 * Linux drivers/char/hw_random/amd-rng.c `amd_rng_read` does (specs/trap-emulate.md §5):
 * per word, `inl RNGDONE`; if ≠ 0, `inl RNGDATA`; else sleep and poll again. 2 exits per 4 bytes,
 * +1 per not-ready poll.
 *
 * The sleep is a `guest.sched.after` delay, never a spin. Waits are bounded per read by
 * `len/4 + 1` (amd-rng.c's `timeout = max / 4 + 1`): once they are spent, the next not-ready poll
 * ends the read with the bytes gathered so far — possibly 0 from a starved backend. (amd-rng.c
 * sleeps once more before giving up; that last sleep changes nothing it returns, so it is left out.)
 * A tail shorter than a word takes a whole word and keeps its low bytes.
 */
import type { GuestPlatform } from '../../platform/machine.js';
import type { EntropyPort } from '../../platform/ports.js';
import { RNG_BASE, RNG_POLL_WAIT_NS, RNG_WORD_BYTES, RngDone, RngRegister } from './registers.js';

/** Largest single read (bytes): 16 Ki words, 32 Ki exits in the common case. */
export const RNG_MAX_READ = 65536;

/** An absent device: an unmapped port reads all-ones, and RNGDONE is only ever 0 or 1. */
export class RngProbeError extends Error {
  constructor(base: number, value: number) {
    super(`no RNG at port 0x${base.toString(16)}: RNGDONE read 0x${value.toString(16)} (expected 0 or 1)`);
    this.name = 'RngProbeError';
  }
}

type Done = (n: number) => void;

/** Driver lifecycle: one read at a time (the device has one word register). */
type Phase = 'idle' | 'reading' | 'waiting';

export interface RngDriverStats {
  /** Waits taken because RNGDONE read 0. */
  waits: number;
  /** Reads ended with fewer bytes than asked because the wait budget ran out. */
  shortReads: number;
}

export class RngDriver implements EntropyPort {
  readonly maxRead = RNG_MAX_READ;
  /** One word register: one read at a time (workloads read this to size their depth). */
  readonly maxInflight = 1;
  readonly stats: RngDriverStats = { waits: 0, shortReads: 0 };
  private readonly dataPort: number;
  private readonly donePort: number;
  /** Register → RAM staging for the store into the caller's buffer (metered as a guest copy). */
  private readonly staging = new Uint8Array(RNG_WORD_BYTES);
  private phase: Phase = 'idle';
  private addr = 0;
  private len = 0;
  private got = 0;
  private waitsLeft = 0;
  private done: Done | undefined;
  /** Made once: scheduled to run the read loop, no closure per operation. */
  private readonly step = (): void => this.run();

  private constructor(
    private readonly guest: GuestPlatform,
    base: number,
  ) {
    this.dataPort = base + RngRegister.RNGDATA;
    this.donePort = base + RngRegister.RNGDONE;
  }

  /** Bring-up: probe RNGDONE once (1 exit); the part is always enabled, nothing else to set. */
  static probe(guest: GuestPlatform, base = RNG_BASE): RngDriver {
    const done = guest.io.in(base + RngRegister.RNGDONE, 4);
    if (done !== RngDone.notReady && done !== RngDone.ready) throw new RngProbeError(base, done);
    return new RngDriver(guest, base);
  }

  get busy(): boolean {
    return this.phase !== 'idle';
  }

  read(addr: number, len: number, done: Done): void {
    if (this.phase !== 'idle') throw new Error('RNG driver: one read at a time (a read is in progress)');
    if (!Number.isSafeInteger(len) || len < 0 || len > RNG_MAX_READ) {
      throw new RangeError(`RNG read of ${len} bytes: expected 0..${RNG_MAX_READ}`);
    }
    if (!this.guest.mem.inRange(addr, len)) {
      throw new RangeError(`RNG read buffer [0x${addr.toString(16)}, +${len}) outside guest memory`);
    }
    this.addr = addr;
    this.len = len;
    this.got = 0;
    this.waitsLeft = Math.floor(len / RNG_WORD_BYTES) + 1;
    this.done = done;
    this.phase = 'reading';
    // Run on the vCPU as its own event: exits are priced there, and completion never recurses into the caller.
    this.guest.sched.after(0, this.step);
  }

  private run(): void {
    this.phase = 'reading';
    const io = this.guest.io;
    while (this.got < this.len) {
      if (io.in(this.donePort, 4) === RngDone.notReady) {
        if (this.waitsLeft === 0) {
          this.stats.shortReads++;
          break;
        }
        this.waitsLeft--;
        this.stats.waits++;
        this.phase = 'waiting';
        this.guest.sched.after(RNG_POLL_WAIT_NS, this.step);
        return;
      }
      const value = io.in(this.dataPort, 4);
      const n = Math.min(RNG_WORD_BYTES, this.len - this.got);
      const s = this.staging;
      s[0] = value & 0xff;
      s[1] = (value >>> 8) & 0xff;
      s[2] = (value >>> 16) & 0xff;
      s[3] = value >>> 24;
      this.guest.mem.write(this.addr + this.got, s, 0, n);
      this.got += n;
    }
    const done = this.done as Done;
    this.done = undefined;
    this.phase = 'idle';
    done(this.got);
  }
}
