/**
 * `bulk` — write `size` bytes to the console in chunks of `bs`, one write at a time, then
 * check that the backend's output holds exactly those bytes in order (no loss, no
 * duplication, no reordering). Chunk contents derive from (seed, chunk index).
 */
import { pollUntil, startGuarded } from '../job.js';
import { fillStream, hexAround } from '../pattern.js';
import { param, VerificationError, type Workload, type WorkloadContext } from '../workload.js';

/** Default chunk when `bs` is 0: a line-sized write, capped by the port. */
const AUTO_CHUNK_BYTES = 256;
const DRAIN_POLL_NS = 10_000;
const DRAIN_POLLS = 1_000;

class BulkJob {
  private readonly size: number;
  private readonly bs: number;
  private readonly chunks: number;
  private readonly addr: number;
  private readonly chunk: Uint8Array;
  private readonly onWritten: () => void;
  private outputBaseline = 0;
  private issued = 0;
  private sentAt = 0;

  constructor(private readonly ctx: WorkloadContext<'console'>) {
    const port = ctx.port;
    this.size = param(ctx.params, 'size');
    const bs = param(ctx.params, 'bs');
    this.bs = bs === 0 ? Math.min(AUTO_CHUNK_BYTES, port.maxWrite) : bs;
    if (this.bs > port.maxWrite)
      throw new Error(`bs ${this.bs} exceeds the port's maximum write of ${port.maxWrite} bytes`);
    if (ctx.knobs.iodepth !== 1) {
      throw new Error(`console ports carry one write at a time: iodepth must be 1, got ${ctx.knobs.iodepth}`);
    }
    this.chunks = Math.ceil(this.size / this.bs);
    this.addr = ctx.guest.alloc.alloc(this.bs, 64);
    this.chunk = new Uint8Array(this.bs);
    this.onWritten = () => this.written();
  }

  start(): void {
    this.outputBaseline = this.ctx.probe.output().length;
    this.ctx.measured.begin();
    this.write();
  }

  private chunkLength(index: number): number {
    return Math.min(this.bs, this.size - index * this.bs);
  }

  private write(): void {
    const index = this.issued++;
    const len = this.chunkLength(index);
    fillStream(this.chunk, 0, len, this.ctx.seed, index);
    this.ctx.guest.mem.store(this.addr, this.chunk, 0, len);
    this.sentAt = this.ctx.guest.sched.now();
    this.ctx.port.write(this.addr, len, this.onWritten);
  }

  private written(): void {
    this.ctx.latency.record(this.ctx.guest.sched.now() - this.sentAt);
    if (this.issued < this.chunks) {
      this.write();
      return;
    }
    this.ctx.measured.end(this.chunks, this.size);
    const received = (): number => this.ctx.probe.output().length - this.outputBaseline;
    pollUntil(
      this.ctx.guest.sched,
      DRAIN_POLL_NS,
      DRAIN_POLLS,
      () => received() >= this.size,
      () => this.verify(),
      () =>
        this.ctx.fail(new VerificationError(`console backend received ${received()} of ${this.size} bytes written`)),
    );
  }

  private verify(): void {
    const output = this.ctx.probe.output();
    const got = output.length - this.outputBaseline;
    if (got !== this.size) {
      this.ctx.fail(new VerificationError(`console backend received ${got} bytes, ${this.size} were written`));
      return;
    }
    for (let index = 0; index < this.chunks; index++) {
      const len = this.chunkLength(index);
      fillStream(this.chunk, 0, len, this.ctx.seed, index);
      const base = this.outputBaseline + index * this.bs;
      for (let i = 0; i < len; i++) {
        if (output[base + i] !== this.chunk[i]) {
          const at = index * this.bs + i;
          this.ctx.fail(
            new VerificationError(
              `console output byte ${at}: expected 0x${(this.chunk[i] as number).toString(16).padStart(2, '0')} ` +
                `got 0x${(output[base + i] as number).toString(16).padStart(2, '0')} ` +
                `[expected ${hexAround(this.chunk, i)} | actual ${hexAround(output.subarray(base, base + len), i)}]`,
            ),
          );
          return;
        }
      }
    }
    this.ctx.note('verifiedBytes', this.size);
    this.ctx.finish();
  }
}

export const bulk: Workload<'console'> = {
  id: 'bulk',
  cls: 'console',
  description: 'write size bytes in bs-byte chunks, one write at a time; backend output checked byte for byte',
  params: [
    { key: 'size', default: 65_536, min: 1, unit: 'bytes', description: 'bytes written in the measured phase' },
    { key: 'bs', default: 0, min: 0, unit: 'bytes', description: "chunk per write; 0 = min(256, port's maxWrite)" },
  ],
  expectedOps: (params) => {
    const bs = param(params, 'bs');
    return Math.ceil(param(params, 'size') / (bs === 0 ? 1 : bs));
  },
  backendNeeds: (params) => ({ consoleOutputBytes: param(params, 'size') }),
  start: (ctx) => startGuarded(ctx, () => new BulkJob(ctx)),
};
