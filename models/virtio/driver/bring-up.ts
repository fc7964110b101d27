/**
 * Guest-side device bring-up shared by every virtio driver: probe, negotiate, wire interrupts, set up
 * queues, DRIVER_OK — §3.1.1 in order. Knob mapping for the driver: coalescing `event-idx` and
 * `count:N` negotiate EVENT_IDX; `none` and `time:US` run in flags mode (time:US is the device's
 * hold-off timer).
 */
import type { Knobs } from '../../platform/knobs.js';
import type { GuestPlatform } from '../../platform/machine.js';
import type { ModelConfig } from '../../platform/model.js';
import { indirectOption, interruptMode } from '../options.js';
import { type QueueSetup, VirtioPciTransport } from '../pci/driver.js';
import type { DriverRing } from '../ring/driver-ring.js';

export interface BringUpSpec {
  readonly deviceType: number;
  readonly driverFeatures: bigint;
  readonly queues: readonly QueueSetup[];
  readonly onQueueInterrupt: (queue: number) => void;
  readonly onConfigInterrupt: () => void;
}

export interface BroughtUp {
  readonly transport: VirtioPciTransport;
  /** One per `spec.queues` entry, in that order. */
  readonly rings: readonly DriverRing[];
  readonly features: bigint;
}

export function wantsEventIdx(knobs: Knobs): boolean {
  return knobs.coalesce.kind === 'event-idx' || knobs.coalesce.kind === 'count';
}

export function bringUp(guest: GuestPlatform, config: ModelConfig, spec: BringUpSpec): BroughtUp {
  const interrupts = interruptMode(config);
  const transport = VirtioPciTransport.probe(guest, spec.deviceType);
  const features = transport.negotiate({
    deviceType: spec.deviceType,
    driverFeatures: spec.driverFeatures,
    eventIdx: wantsEventIdx(config.knobs),
    indirect: indirectOption(config),
    interrupts,
  });
  transport.setupInterrupts(interrupts, spec.queues.length, spec.onQueueInterrupt, spec.onConfigInterrupt);
  const rings: DriverRing[] = [];
  for (const q of spec.queues) {
    const ring = transport.setupQueue(q, interrupts === 'msix');
    if (ring === undefined) throw new Error(`virtio device type ${spec.deviceType} lacks queue ${q.index}`);
    rings.push(ring);
  }
  transport.driverOk();
  return { transport, rings, features };
}
