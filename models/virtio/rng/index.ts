/** virtio-rng for the virtio-PCI model: host device + guest driver meeting only in the machine. */
import type { EntropyBackend } from '../../platform/backend-api.js';
import type { GuestPlatform, HostPlatform } from '../../platform/machine.js';
import type { HostDevice, ModelConfig, Support } from '../../platform/model.js';
import type { EntropyPort } from '../../platform/ports.js';
import { queueSizeOption, type VirtioClassBinding } from '../binding.js';
import { VirtioPciDevice } from '../pci/device.js';
import { RNG_MAX_QUEUE_SIZE, VirtioRngDevice } from './device.js';
import { VirtioRngDriver } from './driver.js';

export { RNG_MAX_QUEUE_SIZE, RngRetry, VirtioRngDevice, type VirtioRngDeviceOptions } from './device.js';
export { RNG_MAX_READ, VirtioRngDriver } from './driver.js';

/** Reads in flight a virtio-rng queue can hold: one descriptor each, queue capped at RNG_MAX_QUEUE_SIZE. */
export function rngMaxInflight(queueSize: number): number {
  return Math.min(queueSize, RNG_MAX_QUEUE_SIZE);
}

export function createRngHost(host: HostPlatform, backend: EntropyBackend, config: ModelConfig): VirtioPciDevice {
  const logic = new VirtioRngDevice(backend, { queueSize: queueSizeOption(config), copy: config.knobs.copy });
  return new VirtioPciDevice(host, logic, {
    notify: config.options.notify === 'userspace' ? 'userspace' : 'ioeventfd',
    knobs: config.knobs,
    slot: 2,
  });
}

export const rngBinding: VirtioClassBinding<'entropy'> = {
  createHost(host: HostPlatform, backend: EntropyBackend, config: ModelConfig): HostDevice {
    const dev = createRngHost(host, backend, config);
    return {
      name: 'virtio-rng',
      describe: () => ({ status: dev.deviceStatus, failure: dev.failure }),
    };
  },

  createGuest(
    guest: GuestPlatform,
    config: ModelConfig,
    ready: (port: EntropyPort) => void,
    fail: (e: Error) => void,
  ): void {
    guest.sched.after(0, () => {
      let driver: VirtioRngDriver;
      try {
        driver = VirtioRngDriver.create(guest, config);
      } catch (e) {
        fail(e instanceof Error ? e : new Error(String(e)));
        return;
      }
      ready(driver);
    });
  },

  support(config: ModelConfig): Support {
    const max = rngMaxInflight(queueSizeOption(config));
    if (config.knobs.iodepth > max) {
      return {
        ok: false,
        reason: `iodepth ${config.knobs.iodepth} exceeds ${max} reads in flight (virtio-rng queue capped at ${RNG_MAX_QUEUE_SIZE})`,
      };
    }
    return { ok: true };
  },
};
