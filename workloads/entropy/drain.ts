/**
 * `drain` — read `bs`-byte buffers from the entropy port `ops` times, one read at a time.
 * Bytes actually returned are counted (a device may return fewer than asked) and hashed
 * (32-bit FNV-1a, in order), so two runs over a seeded backend can be compared for
 * determinism and a run's throughput counts real bytes, not requested ones.
 */
import { startGuarded } from '../job.js';
import { fnv1a } from '../pattern.js';
import { param, type Workload, type WorkloadContext } from '../workload.js';

class DrainJob {
  private readonly bs: number;
  private readonly ops: number;
  private readonly addr: number;
  private readonly scratch: Uint8Array;
  private readonly onRead: (n: number) => void;
  private issued = 0;
  private sentAt = 0;
  private bytes = 0;
  private shortReads = 0;
  private digest = 0x811c9dc5;

  constructor(private readonly ctx: WorkloadContext<'entropy'>) {
    const port = ctx.port;
    this.bs = param(ctx.params, 'bs');
    this.ops = param(ctx.params, 'ops');
    if (this.bs > port.maxRead)
      throw new Error(`bs ${this.bs} exceeds the port's maximum read of ${port.maxRead} bytes`);
    if (ctx.knobs.iodepth !== 1) {
      throw new Error(`entropy ports carry one read at a time: iodepth must be 1, got ${ctx.knobs.iodepth}`);
    }
    this.addr = ctx.guest.alloc.alloc(this.bs, 64);
    this.scratch = new Uint8Array(this.bs);
    this.onRead = (n) => this.completed(n);
  }

  start(): void {
    this.ctx.measured.begin();
    this.read();
  }

  private read(): void {
    this.issued++;
    this.sentAt = this.ctx.guest.sched.now();
    this.ctx.port.read(this.addr, this.bs, this.onRead);
  }

  private completed(n: number): void {
    if (!Number.isInteger(n) || n < 0 || n > this.bs) {
      this.ctx.fail(new Error(`entropy read of ${this.bs} bytes reported ${n} bytes`));
      return;
    }
    this.ctx.latency.record(this.ctx.guest.sched.now() - this.sentAt);
    if (n < this.bs) this.shortReads++;
    if (n > 0) {
      this.ctx.guest.mem.load(this.addr, n, this.scratch, 0);
      this.digest = fnv1a(this.scratch, 0, n, this.digest);
      this.bytes += n;
    }
    if (this.issued < this.ops) {
      this.read();
      return;
    }
    this.ctx.measured.end(this.ops, this.bytes);
    this.ctx.note('bytes', this.bytes);
    this.ctx.note('shortReads', this.shortReads);
    this.ctx.note('digest', this.digest);
    this.ctx.finish();
  }
}

export const drain: Workload<'entropy'> = {
  id: 'drain',
  cls: 'entropy',
  description: 'read bs-byte buffers ops times; bytes returned counted and hashed (FNV-1a) for determinism checks',
  params: [
    { key: 'bs', default: 64, min: 1, unit: 'bytes', description: 'bytes requested per read' },
    { key: 'ops', default: 1_000, min: 1, unit: 'ops', description: 'reads in the measured phase' },
  ],
  expectedOps: (params) => param(params, 'ops'),
  start: (ctx) => startGuarded(ctx, () => new DrainJob(ctx)),
};
