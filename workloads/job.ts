/** Small helpers shared by the workload jobs. */
import type { DeviceClass } from '../models/platform/ports.js';
import type { Scheduler } from '../models/platform/scheduler.js';
import type { WorkloadContext } from './workload.js';

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
