/** virtio-rng for the virtio-PCI model: host device + guest driver meeting only in the machine. */
import { virtioBinding } from '../binding.js';
import { queueSizeOption } from '../options.js';
import { RNG_MAX_QUEUE_SIZE, VirtioRngDevice } from './device.js';
import { VirtioRngDriver } from './driver.js';

export { RNG_MAX_QUEUE_SIZE, RngRetry, VirtioRngDevice } from './device.js';
export { RNG_MAX_READ, VirtioRngDriver } from './driver.js';

/** Reads in flight a virtio-rng queue can hold: one descriptor each, queue capped at RNG_MAX_QUEUE_SIZE. */
export function rngMaxInflight(queueSize: number): number {
  return Math.min(queueSize, RNG_MAX_QUEUE_SIZE);
}

export const rngBinding = virtioBinding<'entropy', VirtioRngDevice>({
  createLogic: (backend, options) => new VirtioRngDevice(backend, options),
  startDriver: (guest, config) => new VirtioRngDriver(guest, config),
  support(config) {
    const max = rngMaxInflight(queueSizeOption(config));
    if (config.knobs.iodepth > max) {
      return {
        ok: false,
        reason: `iodepth ${config.knobs.iodepth} exceeds ${max} reads in flight (virtio-rng queue capped at ${RNG_MAX_QUEUE_SIZE})`,
      };
    }
    return { ok: true };
  },
});
