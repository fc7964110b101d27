/** virtio-blk for the virtio-PCI model: host device + guest driver meeting only in the machine. */
import type { BlockBackend } from '../../platform/backend-api.js';
import type { GuestPlatform, HostPlatform } from '../../platform/machine.js';
import type { HostDevice, ModelConfig, Support } from '../../platform/model.js';
import type { BlockPort } from '../../platform/ports.js';
import { queueSizeOption, type VirtioClassBinding } from '../binding.js';
import { VirtioPciDevice } from '../pci/device.js';
import { VirtioBlkDevice } from './device.js';
import { blkMaxInflight, VirtioBlkDriver } from './driver.js';

export { BLK_CONFIG_SIZE, BlkConfigSpace, BlkDeviceLimit, blkOfferedFeatures } from './config-space.js';
export { BlkBounceLimit, VirtioBlkDevice, type VirtioBlkDeviceOptions } from './device.js';
export { BLK_DEFAULT_MAX_SECTORS, BLK_DESCRIPTORS_PER_REQUEST, blkMaxInflight, VirtioBlkDriver } from './driver.js';
export { DriverQueue, type UsedHandler } from './driver-queue.js';

/** The host half: the device logic behind the modern virtio-pci transport at slot 2 (as in the QEMU peer tests). */
export function createBlkHost(host: HostPlatform, backend: BlockBackend, config: ModelConfig): VirtioPciDevice {
  const logic = new VirtioBlkDevice(backend, { queueSize: queueSizeOption(config), copy: config.knobs.copy });
  return new VirtioPciDevice(host, logic, {
    notify: config.options.notify === 'userspace' ? 'userspace' : 'ioeventfd',
    knobs: config.knobs,
    slot: 2,
  });
}

export const blkBinding: VirtioClassBinding<'block'> = {
  createHost(host: HostPlatform, backend: BlockBackend, config: ModelConfig): HostDevice {
    const dev = createBlkHost(host, backend, config);
    return {
      name: 'virtio-blk',
      describe: () => ({ status: dev.deviceStatus, failure: dev.failure }),
    };
  },

  createGuest(
    guest: GuestPlatform,
    config: ModelConfig,
    ready: (port: BlockPort) => void,
    fail: (e: Error) => void,
  ): void {
    // Bring-up is register I/O: run it on the vCPU so its exits are priced there.
    guest.sched.after(0, () => {
      let driver: VirtioBlkDriver;
      try {
        driver = VirtioBlkDriver.create(guest, config);
      } catch (e) {
        fail(e instanceof Error ? e : new Error(String(e)));
        return;
      }
      ready(driver);
    });
  },

  support(config: ModelConfig): Support {
    const qs = queueSizeOption(config);
    const max = blkMaxInflight(qs, config.options.indirect !== 'off');
    if (config.knobs.iodepth > max) {
      const how = config.options.indirect === 'off' ? `⌊${qs}/3⌋ without indirect descriptors` : `the queue size ${qs}`;
      return { ok: false, reason: `iodepth ${config.knobs.iodepth} exceeds ${max} requests in flight (${how})` };
    }
    return { ok: true };
  },
};
