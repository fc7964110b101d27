/**
 * The running device's side of the virtio-pci transport (specs/virtio.md §3.4, §4): what a device
 * logic gets at DRIVER_OK. It publishes used entries and signals per the suppression rules, with the
 * `time:US` coalescing knob as a device-side hold-off timer, and is dead after reset or failure.
 */
import type { Knobs } from '../../platform/knobs.js';
import type { HostPlatform } from '../../platform/machine.js';
import type { DirectGuestMemory } from '../../platform/memory.js';
import type { Meter } from '../../platform/meter.js';
import type { Scheduler, TimerId } from '../../platform/scheduler.js';
import type { ActiveDevice } from '../device-logic.js';
import type { DeviceRing } from '../ring/device-ring.js';

/** What the running device needs of the transport (VirtioPciDevice). */
export interface ActiveTransport {
  readonly deviceScheduler: Scheduler;
  readonly knobs: Knobs;
  interruptQueue(queue: number): void;
  interruptConfig(): void;
  fail(reason: string): void;
}

/** The running device's view of the transport: dead after reset or failure. */
export class ActiveVirtio implements ActiveDevice {
  private live = true;
  private readonly holdTimers: (TimerId | undefined)[];
  private readonly holdNs: number;

  readonly mem: DirectGuestMemory;
  readonly meter: Meter;
  readonly sched: Scheduler;

  constructor(
    private readonly dev: ActiveTransport,
    host: HostPlatform,
    readonly features: bigint,
    readonly rings: readonly (DeviceRing | undefined)[],
  ) {
    this.mem = host.mem;
    this.meter = host.meter;
    this.sched = dev.deviceScheduler;
    this.holdTimers = rings.map(() => undefined);
    const c = dev.knobs.coalesce;
    this.holdNs = c.kind === 'time' ? c.us * 1000 : 0;
  }

  alive(): boolean {
    return this.live;
  }

  kill(): void {
    this.live = false;
    for (const t of this.holdTimers) if (t !== undefined) this.sched.cancel(t);
    this.holdTimers.fill(undefined);
  }

  publishUsed(queue: number): void {
    if (!this.live) return;
    const ring = this.rings[queue];
    if (ring === undefined) return;
    if (!ring.flushUsed()) {
      this.meter.interruptSuppressed();
      return;
    }
    if (this.holdNs === 0) {
      this.dev.interruptQueue(queue);
      return;
    }
    // time:US coalescing: the first completion arms a hold-off timer; completions
    // inside the window ride on the same interrupt (device-side, like NOTF_COAL usecs).
    if (this.holdTimers[queue] !== undefined) {
      this.meter.interruptSuppressed();
      return;
    }
    this.holdTimers[queue] = this.sched.after(this.holdNs, () => {
      this.holdTimers[queue] = undefined;
      if (this.live) this.dev.interruptQueue(queue);
    });
  }

  fail(reason: string): void {
    if (this.live) this.dev.fail(reason);
  }

  configChanged(): void {
    if (this.live) this.dev.interruptConfig();
  }
}
