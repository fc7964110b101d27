/** virtio-blk for the virtio-PCI model: host device + guest driver meeting only in the machine. */
import { virtioBinding } from '../binding.js';
import { indirectOption, queueSizeOption } from '../options.js';
import { VirtioBlkDevice } from './device.js';
import { blkMaxInflight, VirtioBlkDriver } from './driver.js';

export { BLK_CONFIG_SIZE, BlkConfigSpace, BlkDeviceLimit, blkOfferedFeatures } from './config-space.js';
export { BlkBounceLimit, VirtioBlkDevice } from './device.js';
export { BLK_DEFAULT_MAX_SECTORS, BLK_DESCRIPTORS_PER_REQUEST, blkMaxInflight, VirtioBlkDriver } from './driver.js';

export const blkBinding = virtioBinding<'block', VirtioBlkDevice>({
  createLogic: (backend, options) => new VirtioBlkDevice(backend, options),
  startDriver: (guest, config) => new VirtioBlkDriver(guest, config),
  support(config) {
    const qs = queueSizeOption(config);
    const indirect = indirectOption(config);
    const max = blkMaxInflight(qs, indirect);
    if (config.knobs.iodepth > max) {
      const how = indirect ? `the queue size ${qs}` : `⌊${qs}/3⌋ without indirect descriptors`;
      return { ok: false, reason: `iodepth ${config.knobs.iodepth} exceeds ${max} requests in flight (${how})` };
    }
    return { ok: true };
  },
});
