/** virtio-net binding (virtio 1.2 §5.1): host device over the NetBackend, guest driver offering the NetPort. */
import type { ModelConfig } from '../../platform/model.js';
import { virtioBinding } from '../binding.js';
import { indirectOption, queueSizeOption } from '../options.js';
import { VirtioNetDevice } from './device.js';
import { VirtioNetDriver } from './driver.js';

export { NetQueue } from './constants.js';
export { VirtioNetDevice } from './device.js';
export { VirtioNetDriver } from './driver.js';

/** Frames the tx ring holds at once: one descriptor each with indirect tables, else two (header + frame). */
export function netTxCapacity(config: ModelConfig): number {
  const qs = queueSizeOption(config);
  return indirectOption(config) ? qs : Math.floor(qs / 2);
}

export const netBinding = virtioBinding<'net', VirtioNetDevice>({
  createLogic: (backend, options) => new VirtioNetDevice(backend, options),
  startDriver: (guest, config) => new VirtioNetDriver(guest, config),
  support(config) {
    const capacity = netTxCapacity(config);
    if (config.knobs.iodepth > capacity) {
      const how = indirectOption(config) ? '' : ' (2 descriptors per frame without indirect tables)';
      return {
        ok: false,
        reason: `iodepth ${config.knobs.iodepth} exceeds the ${capacity} frames a ${queueSizeOption(config)}-entry tx ring holds${how}`,
      };
    }
    return { ok: true };
  },
});
