/**
 * Entropy workloads: read `bs`-byte buffers from the entropy port, closed loop or at a
 * Poisson `rate` (load.ts):
 * - `drain` — bulk reads (4 KiB, or the port's maximum if smaller): bytes per second;
 * - `small` — 32-byte reads, the size a kernel asks for to seed a CRNG: per-read cost.
 * Bytes actually returned are counted (a device may return fewer than asked) and hashed
 * (32-bit FNV-1a, in completion order), so two runs over a seeded backend can be compared for
 * determinism and throughput counts real bytes, not requested ones.
 */
import { declaredDepth, requireDepth, startGuarded } from '../job.js';
import { expectedLoadOps, LoadDriver, type LoadTarget, loadParams, loadPlan } from '../load.js';
import { fnv1a } from '../pattern.js';
import { param, type Workload, type WorkloadContext } from '../workload.js';

/** `drain` read size when `bs` is 0, capped by the port. */
const BULK_READ_BYTES = 4096;

class EntropyJob implements LoadTarget {
  private readonly bs: number;
  private readonly driver: LoadDriver;
  private readonly addrs: number[] = [];
  private readonly onRead: ((n: number) => void)[] = [];
  private readonly scratch: Uint8Array;
  private bytes = 0;
  private shortReads = 0;
  private digest = 0x811c9dc5;
  private stopped = false;

  constructor(private readonly ctx: WorkloadContext<'entropy'>) {
    const port = ctx.port;
    const bs = param(ctx.params, 'bs');
    this.bs = bs === 0 ? Math.min(BULK_READ_BYTES, port.maxRead) : bs;
    if (this.bs > port.maxRead) {
      throw new Error(`bs ${this.bs} exceeds the port's maximum read of ${port.maxRead} bytes`);
    }
    const depth = ctx.knobs.iodepth;
    requireDepth(depth, declaredDepth(port), 'entropy');
    this.driver = new LoadDriver(ctx.guest.sched, loadPlan(ctx.params, depth), this, ctx.latency, ctx.seed);
    this.scratch = new Uint8Array(this.bs);
    for (let slot = 0; slot < depth; slot++) {
      this.addrs.push(ctx.guest.alloc.alloc(this.bs, 64));
      this.onRead.push((n) => this.completed(slot, n));
    }
  }

  start(): void {
    this.ctx.note('readBytes', this.bs);
    this.ctx.measured.begin();
    this.driver.start();
  }

  issue(slot: number): void {
    this.ctx.port.read(this.addrs[slot] as number, this.bs, this.onRead[slot] as (n: number) => void);
  }

  private completed(slot: number, n: number): void {
    if (this.stopped) return;
    if (!Number.isInteger(n) || n < 0 || n > this.bs) {
      this.stopped = true;
      this.driver.stop();
      this.ctx.fail(new Error(`entropy read of ${this.bs} bytes reported ${n} bytes`));
      return;
    }
    this.driver.record(slot);
    if (n < this.bs) this.shortReads++;
    if (n > 0) {
      this.ctx.guest.mem.load(this.addrs[slot] as number, n, this.scratch, 0);
      this.digest = fnv1a(this.scratch, 0, n, this.digest);
      this.bytes += n;
    }
    this.driver.release(slot);
  }

  drained(ops: number): void {
    this.ctx.measured.end(ops, this.bytes);
    this.ctx.note('bytes', this.bytes);
    this.ctx.note('shortReads', this.shortReads);
    this.ctx.note('digest', this.digest);
    this.ctx.finish();
  }
}

function entropyWorkload(id: string, bs: number, bsDescription: string, description: string): Workload<'entropy'> {
  return {
    id,
    cls: 'entropy',
    description,
    params: [
      { key: 'bs', default: bs, min: bs === 0 ? 0 : 1, unit: 'bytes', description: bsDescription },
      ...loadParams(1_000),
    ],
    expectedOps: expectedLoadOps,
    start: (ctx) => startGuarded(ctx, () => new EntropyJob(ctx)),
  };
}

export const drain = entropyWorkload(
  'drain',
  0,
  "bytes requested per read; 0 = min(4096, port's maxRead)",
  'bulk entropy reads; bytes returned counted and hashed (FNV-1a) for determinism checks',
);

export const small = entropyWorkload(
  'small',
  32,
  'bytes requested per read',
  '32-byte entropy reads (CRNG seeding size): per-read cost; bytes counted and hashed',
);
