/** Builders shared by the backend tests. */
import type { BackendBlockRequest, Segment } from '../../../models/platform/backend-api.js';
import { Meter } from '../../../models/platform/meter.js';
import type { BlockOp } from '../../../models/platform/ports.js';
import { Rng } from '../../../models/platform/rng.js';
import { ManualScheduler } from '../../support/manual-scheduler.js';

export function segment(bytes: Uint8Array, offset = 0, length = bytes.length - offset): Segment {
  return { bytes, offset, length };
}

export function request(op: BlockOp, sector: number, sectors: number, iov: Segment[] = []): BackendBlockRequest {
  return { op, sector, sectors, iov, iovCount: iov.length, status: 'ok' };
}

export function filled(length: number, seed: number): Uint8Array {
  const b = new Uint8Array(length);
  new Rng(seed).fill(b);
  return b;
}

export function env(seed = 1): { sched: ManualScheduler; meter: Meter; rng: Rng } {
  return { sched: new ManualScheduler('backend'), meter: new Meter(), rng: new Rng(seed) };
}

/** A completion log: each entry is the request and the time its `done` ran. */
export class Completions {
  readonly log: { req: BackendBlockRequest; at: number; status: string }[] = [];

  constructor(private readonly sched: ManualScheduler) {}

  readonly done = (req: BackendBlockRequest): void => {
    this.log.push({ req, at: this.sched.now(), status: req.status });
  };

  at(i: number): { req: BackendBlockRequest; at: number; status: string } {
    const e = this.log[i];
    if (e === undefined) throw new Error(`no completion #${i}`);
    return e;
  }
}
