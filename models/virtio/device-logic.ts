/**
 * The seam between the virtio transport and a device type (blk, net, console, rng):
 * the transport owns registers, status, features, rings and interrupts; the device
 * logic owns request semantics. Transport → device → queue → memory (specs/virtio.md §1).
 */
import type { DirectGuestMemory } from '../platform/memory.js';
import type { Meter } from '../platform/meter.js';
import type { Scheduler } from '../platform/scheduler.js';
import type { DeviceRing } from './ring/device-ring.js';

export interface VirtioDeviceLogic {
  /** virtio device type (§5): 1 net, 2 blk, 3 console, 4 rng. */
  readonly deviceType: number;
  readonly name: string;
  /** Maximum size of each queue (power of two, or 0 for an absent queue). */
  readonly queueMaxSizes: readonly number[];
  /** Device-specific feature bits offered (the transport adds VERSION_1, INDIRECT_DESC, EVENT_IDX). */
  readonly features: bigint;
  readonly configSize: number;
  readConfig(offset: number, size: 1 | 2 | 4): number;
  writeConfig(offset: number, size: 1 | 2 | 4, value: number): void;
  /** May the driver run with this subset? (§2.2.2: accept every valid subset.) */
  acceptsFeatures?(accepted: bigint): boolean;
  /** DRIVER_OK with valid rings: start serving. */
  activate(ctx: ActiveDevice): void;
  /** An available-buffer notification for `queue` (already range-checked and enabled). */
  kick(queue: number): void;
  /** The driver reset the device: drop all state; late backend completions must be ignored. */
  reset(): void;
}

/** What a running device gets from the transport; dead after reset or failure. */
export interface ActiveDevice {
  readonly mem: DirectGuestMemory;
  readonly meter: Meter;
  /** The device's own actor (QEMU iothread / vhost worker). */
  readonly sched: Scheduler;
  readonly features: bigint;
  /** The rings of enabled queues (undefined for queues the driver did not enable). */
  readonly rings: readonly (DeviceRing | undefined)[];
  /** False once the device was reset or failed: completions arriving later must be dropped. */
  alive(): boolean;
  /** Publish used entries of `queue` and interrupt the driver if the suppression rules ask for it. */
  publishUsed(queue: number): void;
  /** A guest-caused fault: NEEDS_RESET, config interrupt, stop (specs/virtio.md §4, QEMU virtio_error). */
  fail(reason: string): void;
  /** Device config changed (e.g. net link status): bump generation, config interrupt. */
  configChanged(): void;
}
