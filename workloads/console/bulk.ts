/**
 * `bulk` — console output throughput: `ops` writes of `bs` bytes (or as many as fit in
 * `duration`), started in a closed loop or at a Poisson `rate` (load.ts), then a check that
 * the backend's output holds exactly those bytes in order: no loss, no duplication, no
 * reordering. Chunk contents derive from (seed, chunk index).
 */
import type { ConsolePort } from '../../models/platform/ports.js';
import { declaredDepth, pollUntil, requireDepth, startGuarded } from '../job.js';
import { expectedLoadOps, LoadDriver, type LoadTarget, loadParams, loadPlan } from '../load.js';
import { fillStream, hexAround } from '../pattern.js';
import { param, VerificationError, type Workload, type WorkloadContext } from '../workload.js';

/** Default chunk when `bs` is 0: a line-sized write, capped by the port. */
const AUTO_CHUNK_BYTES = 256;
const DRAIN_POLL_NS = 10_000;
const DRAIN_POLLS = 1_000;

/** `bs` with 0 meaning a line-sized write the port accepts. */
export function consoleChunk(port: ConsolePort, bs: number): number {
  const chunk = bs === 0 ? Math.min(AUTO_CHUNK_BYTES, port.maxWrite) : bs;
  if (chunk > port.maxWrite) throw new Error(`bs ${chunk} exceeds the port's maximum write of ${port.maxWrite} bytes`);
  return chunk;
}

class BulkJob implements LoadTarget {
  private readonly bs: number;
  private readonly driver: LoadDriver;
  private readonly addrs: number[] = [];
  private readonly chunk: Uint8Array;
  private readonly onWritten: (() => void)[] = [];
  private outputBaseline = 0;
  private size = 0;
  private chunks = 0;
  private stopped = false;

  constructor(private readonly ctx: WorkloadContext<'console'>) {
    const port = ctx.port;
    this.bs = consoleChunk(port, param(ctx.params, 'bs'));
    const depth = ctx.knobs.iodepth;
    requireDepth(depth, declaredDepth(port), 'console');
    this.driver = new LoadDriver(ctx.guest.sched, loadPlan(ctx.params, depth), this, ctx.latency, ctx.seed);
    this.chunk = new Uint8Array(this.bs);
    for (let slot = 0; slot < depth; slot++) {
      this.addrs.push(ctx.guest.alloc.alloc(this.bs, 64));
      this.onWritten.push(() => this.written(slot));
    }
  }

  start(): void {
    this.outputBaseline = this.ctx.probe.output().length;
    this.ctx.measured.begin();
    this.driver.start();
  }

  issue(slot: number, index: number): void {
    const addr = this.addrs[slot] as number;
    fillStream(this.chunk, 0, this.bs, this.ctx.seed, index);
    this.ctx.guest.mem.store(addr, this.chunk, 0, this.bs);
    this.ctx.port.write(addr, this.bs, this.onWritten[slot] as () => void);
  }

  private written(slot: number): void {
    if (this.stopped) return;
    this.driver.finished(slot);
  }

  drained(ops: number): void {
    this.chunks = ops;
    this.size = ops * this.bs;
    this.ctx.measured.end(ops, this.size);
    const received = (): number => this.ctx.probe.output().length - this.outputBaseline;
    pollUntil(
      this.ctx.guest.sched,
      DRAIN_POLL_NS,
      DRAIN_POLLS,
      () => received() >= this.size,
      () => this.verify(),
      () => this.fail(`console backend received ${received()} of ${this.size} bytes written`),
    );
  }

  private verify(): void {
    const output = this.ctx.probe.output();
    const got = output.length - this.outputBaseline;
    if (got !== this.size) {
      this.fail(`console backend received ${got} bytes, ${this.size} were written`);
      return;
    }
    for (let index = 0; index < this.chunks; index++) {
      fillStream(this.chunk, 0, this.bs, this.ctx.seed, index);
      const base = this.outputBaseline + index * this.bs;
      for (let i = 0; i < this.bs; i++) {
        if (output[base + i] !== this.chunk[i]) {
          this.fail(
            `console output byte ${index * this.bs + i}: expected 0x${(this.chunk[i] as number).toString(16).padStart(2, '0')} ` +
              `got 0x${(output[base + i] as number).toString(16).padStart(2, '0')} ` +
              `[expected ${hexAround(this.chunk, i)} | actual ${hexAround(output.subarray(base, base + this.bs), i)}]`,
          );
          return;
        }
      }
    }
    this.ctx.note('verifiedBytes', this.size);
    this.ctx.finish();
  }

  private fail(message: string): void {
    this.stopped = true;
    this.driver.stop();
    this.ctx.fail(new VerificationError(message));
  }
}

/** Output the backend must keep to verify the run (a duration-bounded run gets a fixed 64 MiB). */
function outputToKeep(params: Readonly<Record<string, number>>): number {
  const bs = param(params, 'bs');
  const chunk = bs === 0 ? AUTO_CHUNK_BYTES : bs;
  if (param(params, 'duration') > 0) return 64 * 1024 * 1024;
  return expectedLoadOps(params) * chunk;
}

export const bulk: Workload<'console'> = {
  id: 'bulk',
  cls: 'console',
  description: 'console output: ops writes of bs bytes; the backend output checked byte for byte, in order',
  params: [
    { key: 'bs', default: 0, min: 0, unit: 'bytes', description: "bytes per write; 0 = min(256, port's maxWrite)" },
    ...loadParams(256),
  ],
  expectedOps: expectedLoadOps,
  backendNeeds: (params) => ({ consoleOutputBytes: outputToKeep(params) }),
  start: (ctx) => startGuarded(ctx, () => new BulkJob(ctx)),
};
