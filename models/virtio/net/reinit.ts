/**
 * Re-initialisation after DEVICE_NEEDS_RESET (virtio 1.2 §2.1.1; specs/virtio.md §9 D19): the same
 * §3.1.1 sequence as `bringUp`, on the transport already probed (BARs stay where they are).
 *
 * Each call maps fresh rings and MSI vectors: the transport has no way to reprogram the old ones, so
 * a recovery costs a few KiB of guest memory and one vector per queue (recoveries are rare).
 */
import type { ModelConfig } from '../../platform/model.js';
import { type BringUpSpec, wantsEventIdx } from '../guest-bringup.js';
import type { VirtioPciTransport } from '../pci/driver.js';
import type { DriverRing } from '../ring/driver-ring.js';

export function interruptMode(config: ModelConfig): 'msix' | 'intx' {
  return config.options.irq === 'intx' ? 'intx' : 'msix';
}

export function reinitialise(transport: VirtioPciTransport, config: ModelConfig, spec: BringUpSpec): DriverRing[] {
  const interrupts = interruptMode(config);
  transport.negotiate({
    deviceType: spec.deviceType,
    driverFeatures: spec.driverFeatures,
    eventIdx: wantsEventIdx(config.knobs),
    indirect: config.options.indirect !== 'off',
    interrupts,
  });
  transport.setupInterrupts(interrupts, spec.queues.length, spec.onQueueInterrupt, spec.onConfigInterrupt);
  const rings: DriverRing[] = [];
  for (const q of spec.queues) {
    const ring = transport.setupQueue(q, interrupts === 'msix');
    if (ring === undefined) throw new Error(`virtio device type ${spec.deviceType} lost queue ${q.index}`);
    rings.push(ring);
  }
  transport.driverOk();
  return rings;
}
