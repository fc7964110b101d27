/**
 * The reference entropy backend (DESIGN §5): seeded, reproducible bytes by default, the
 * host CSPRNG when asked. An optional rate limit is a token bucket in simulated time:
 * `read` then returns what the bucket allows — possibly 0 — and never blocks.
 */
import { randomFillSync } from 'node:crypto';
import type { EntropyBackend } from '../../platform/backend-api.js';
import type { Meter } from '../../platform/meter.js';
import type { Rng } from '../../platform/rng.js';
import type { Scheduler } from '../../platform/scheduler.js';

export interface EntropyBackendOptions {
  /** `seeded` (default): the backend's Rng. `crypto`: node's CSPRNG (the source of `crypto.randomBytes`). */
  source?: 'seeded' | 'crypto';
  /** Bytes per simulated second; omitted = unlimited. */
  bytesPerSecond?: number;
  /** Bucket size, bytes: the most a read can get after idling. Default 1/10 s worth (at least 1). */
  burstBytes?: number;
}

export interface EntropyBackendStats {
  reads: number;
  bytes: number;
  /** Reads that got fewer bytes than asked because of the rate limit. */
  shortReads: number;
}

export class ReferenceEntropyBackend implements EntropyBackend {
  readonly stats: EntropyBackendStats = { reads: 0, bytes: 0, shortReads: 0 };
  private readonly source: 'seeded' | 'crypto';
  private readonly bytesPerNs: number;
  private readonly burst: number;
  private tokens: number;
  private refilledAt: number;
  /** Unused bytes of the last Rng word, low byte next, so the byte stream ignores read sizes. */
  private word = 0;
  private wordBytes = 0;

  constructor(
    opts: EntropyBackendOptions,
    private readonly sched: Scheduler,
    // Entropy is served from memory; no device service time to meter.
    readonly meter: Meter,
    private readonly rng: Rng,
  ) {
    this.source = opts.source ?? 'seeded';
    const rate = opts.bytesPerSecond;
    if (rate !== undefined && !(rate > 0)) throw new RangeError(`bytesPerSecond ${rate} must be positive`);
    this.bytesPerNs = rate === undefined ? 0 : rate / 1e9;
    this.burst = rate === undefined ? 0 : (opts.burstBytes ?? Math.max(1, Math.floor(rate / 10)));
    if (rate !== undefined && !(this.burst >= 1)) throw new RangeError(`burstBytes ${this.burst} must be ≥ 1`);
    this.tokens = this.burst; // start full: the first read after attach is not starved
    this.refilledAt = sched.now();
  }

  get limited(): boolean {
    return this.bytesPerNs > 0;
  }

  read(into: Uint8Array, offset: number, length: number): number {
    this.stats.reads++;
    let n = Math.max(0, Math.min(length, into.length - offset));
    if (this.limited) {
      const now = this.sched.now();
      this.tokens = Math.min(this.burst, this.tokens + (now - this.refilledAt) * this.bytesPerNs);
      this.refilledAt = now;
      const allowed = Math.floor(this.tokens);
      if (allowed < n) {
        n = allowed;
        this.stats.shortReads++;
      }
      this.tokens -= n;
    }
    if (n === 0) return 0;
    if (this.source === 'crypto') randomFillSync(into, offset, n);
    else this.fillSeeded(into, offset, n);
    this.stats.bytes += n;
    return n;
  }

  /**
   * The seeded stream is the Rng's words in little-endian byte order, whatever the read
   * sizes: a 4-byte register read and a 4 KiB ring buffer see the same bytes.
   */
  private fillSeeded(into: Uint8Array, offset: number, length: number): void {
    let i = offset;
    const end = offset + length;
    while (i < end) {
      if (this.wordBytes === 0) {
        this.word = this.rng.u32();
        this.wordBytes = 4;
      }
      into[i++] = this.word & 0xff;
      this.word >>>= 8;
      this.wordBytes--;
    }
  }
}

export function createEntropyBackend(
  opts: EntropyBackendOptions,
  sched: Scheduler,
  meter: Meter,
  rng: Rng,
): ReferenceEntropyBackend {
  return new ReferenceEntropyBackend(opts, sched, meter, rng);
}
