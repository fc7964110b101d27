/** Small helpers shared by the workload jobs. */
import type { DeviceClass } from '../models/platform/ports.js';
import type { Scheduler } from '../models/platform/scheduler.js';
import { type WorkloadContext, WorkloadUnsupported } from './workload.js';

export interface Job {
  start(): void;
}

/** Build and start a job; a configuration error thrown while building becomes `ctx.fail`. */
export function startGuarded<C extends DeviceClass>(ctx: WorkloadContext<C>, build: () => Job): void {
  let job: Job;
  try {
    job = build();
  } catch (error) {
    ctx.fail(error instanceof Error ? error : new Error(String(error)));
    return;
  }
  job.start();
}

/**
 * Poll `check` on the guest vCPU every `intervalNs` (virtual time) until it holds, then call
 * `onReady`; after `maxPolls` failed polls call `onTimeout` instead. Used after a measured
 * phase, when data may still be in transit to the backend.
 */
export function pollUntil(
  sched: Scheduler,
  intervalNs: number,
  maxPolls: number,
  check: () => boolean,
  onReady: () => void,
  onTimeout: () => void,
): void {
  let polls = 0;
  const poll = (): void => {
    if (check()) onReady();
    else if (polls++ >= maxPolls) onTimeout();
    else sched.after(intervalNs, poll);
  };
  poll();
}

/** Operations a console or entropy port takes at once (at least 1). */
export function declaredDepth(port: { readonly maxInflight: number }): number {
  const n = port.maxInflight;
  return Number.isSafeInteger(n) && n >= 1 ? n : 1;
}

/** Refuse (as unsupported) a queue depth beyond what the port takes. */
export function requireDepth(depth: number, limit: number, what: string): void {
  if (depth > limit) {
    throw new WorkloadUnsupported(
      limit === 1
        ? `${what} ports carry one operation at a time: iodepth must be 1, got ${depth}`
        : `iodepth ${depth} exceeds the port's maximum of ${limit} ${what} operations in flight`,
    );
  }
}
