/** virtio-net binding (virtio 1.2 §5.1): host device over the NetBackend, guest driver offering the NetPort. */
import type { NetBackend } from '../../platform/backend-api.js';
import type { GuestPlatform, HostPlatform } from '../../platform/machine.js';
import type { ModelConfig, Support } from '../../platform/model.js';
import type { NetPort } from '../../platform/ports.js';
import { queueSizeOption, type VirtioClassBinding } from '../binding.js';
import { VirtioPciDevice } from '../pci/device.js';
import { VirtioNetDevice } from './device.js';
import { VirtioNetDriver } from './driver.js';
import { VirtioHostDevice } from './host-device.js';

export { NetQueue } from './constants.js';
export { VirtioNetDevice } from './device.js';
export { mergeableOption, VirtioNetDriver } from './driver.js';
export { VirtioHostDevice } from './host-device.js';

/** The transport options every virtio class derives from the model config (PCI slot 2, as the QEMU peer tests use). */
export function transportOptions(config: ModelConfig): ConstructorParameters<typeof VirtioPciDevice>[2] {
  return { notify: config.options.notify === 'userspace' ? 'userspace' : 'ioeventfd', knobs: config.knobs, slot: 2 };
}

export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** Frames the tx ring holds at once: one descriptor each with indirect tables, else two (header + frame). */
export function netTxCapacity(config: ModelConfig): number {
  const qs = queueSizeOption(config);
  return config.options.indirect === 'off' ? Math.floor(qs / 2) : qs;
}

export const netBinding: VirtioClassBinding<'net'> = {
  createHost(host: HostPlatform, backend: NetBackend, config: ModelConfig): VirtioHostDevice<VirtioNetDevice> {
    const logic = new VirtioNetDevice(backend, { queueSize: queueSizeOption(config), copy: config.knobs.copy });
    return new VirtioHostDevice(new VirtioPciDevice(host, logic, transportOptions(config)), logic);
  },

  createGuest(
    guest: GuestPlatform,
    config: ModelConfig,
    ready: (port: NetPort) => void,
    fail: (e: Error) => void,
  ): void {
    // Bring-up is driver code: it runs on the guest vCPU.
    guest.sched.after(0, () => {
      let driver: VirtioNetDriver;
      try {
        driver = VirtioNetDriver.start(guest, config);
      } catch (error) {
        fail(asError(error));
        return;
      }
      ready(driver);
    });
  },

  support(config: ModelConfig): Support {
    const capacity = netTxCapacity(config);
    if (config.knobs.iodepth > capacity) {
      const how = config.options.indirect === 'off' ? ' (2 descriptors per frame without indirect tables)' : '';
      return {
        ok: false,
        reason: `iodepth ${config.knobs.iodepth} exceeds the ${capacity} frames a ${queueSizeOption(config)}-entry tx ring holds${how}`,
      };
    }
    return { ok: true };
  },
};
