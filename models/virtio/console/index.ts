/** virtio-console binding, port 0 (virtio 1.2 §5.3): host device over the ConsoleBackend, guest driver offering the ConsolePort. */
import type { ConsoleBackend } from '../../platform/backend-api.js';
import type { GuestPlatform, HostPlatform } from '../../platform/machine.js';
import type { ModelConfig, Support } from '../../platform/model.js';
import type { ConsolePort } from '../../platform/ports.js';
import { queueSizeOption, type VirtioClassBinding } from '../binding.js';
import { VirtioHostDevice } from '../net/host-device.js';
import { asError, transportOptions } from '../net/index.js';
import { VirtioPciDevice } from '../pci/device.js';
import { VirtioConsoleDevice } from './device.js';
import { VirtioConsoleDriver } from './driver.js';

export { ConsolePortQueue } from './constants.js';
export { VirtioConsoleDevice } from './device.js';
export { VirtioConsoleDriver } from './driver.js';

export const consoleBinding: VirtioClassBinding<'console'> = {
  createHost(host: HostPlatform, backend: ConsoleBackend, config: ModelConfig): VirtioHostDevice<VirtioConsoleDevice> {
    const logic = new VirtioConsoleDevice(backend, { queueSize: queueSizeOption(config), copy: config.knobs.copy });
    return new VirtioHostDevice(new VirtioPciDevice(host, logic, transportOptions(config)), logic);
  },

  createGuest(
    guest: GuestPlatform,
    config: ModelConfig,
    ready: (port: ConsolePort) => void,
    fail: (e: Error) => void,
  ): void {
    guest.sched.after(0, () => {
      let driver: VirtioConsoleDriver;
      try {
        driver = VirtioConsoleDriver.start(guest, config);
      } catch (error) {
        fail(asError(error));
        return;
      }
      ready(driver);
    });
  },

  support(config: ModelConfig): Support {
    const qs = queueSizeOption(config);
    if (config.knobs.iodepth > qs) {
      return { ok: false, reason: `iodepth ${config.knobs.iodepth} exceeds the ${qs}-entry transmitq` };
    }
    return { ok: true };
  },
};
