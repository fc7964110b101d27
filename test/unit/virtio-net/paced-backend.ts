/**
 * Test library: a NetBackend whose transmit side is a bounded queue drained one frame every `gapNs` on
 * the device actor, like a tap whose socket buffer fills. It throws if a frame is pushed past
 * `canTransmit()`, so a device that ignores the flow control of backend-api.ts fails loudly.
 */
import type { FrameReceiver, NetBackend } from '../../../models/platform/backend-api.js';
import type { Scheduler } from '../../../models/platform/scheduler.js';
import { GUEST_MAC } from './net-stack.js';

export class PacedNetBackend implements NetBackend {
  readonly guestMac = GUEST_MAC;
  readonly mtu = 1500;
  readonly delivered: Uint8Array[] = [];
  maxQueued = 0;
  readyCalls = 0;
  private queued = 0;
  private ready: (() => void) | undefined;

  constructor(
    private readonly sched: Scheduler,
    private readonly capacity: number,
    private readonly gapNs: number,
  ) {}

  setReceiver(_rx: FrameReceiver): void {}
  rxReady(): void {}

  canTransmit(): boolean {
    return this.queued < this.capacity;
  }

  setTransmitReady(ready: () => void): void {
    this.ready = ready;
  }

  transmit(bytes: Uint8Array, offset: number, length: number): void {
    if (!this.canTransmit()) throw new Error('transmit while canTransmit() is false');
    this.delivered.push(bytes.slice(offset, offset + length));
    this.queued++;
    this.maxQueued = Math.max(this.maxQueued, this.queued);
    if (this.queued === 1) this.sched.after(this.gapNs, this.drainOne);
  }

  private readonly drainOne = (): void => {
    this.queued--;
    if (this.queued > 0) this.sched.after(this.gapNs, this.drainOne);
    this.readyCalls++;
    this.ready?.();
  };
}
