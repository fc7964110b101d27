/** virtio-console binding, port 0 (virtio 1.2 §5.3): host device over the ConsoleBackend, guest driver offering the ConsolePort. */
import { virtioBinding } from '../binding.js';
import { queueSizeOption } from '../options.js';
import { VirtioConsoleDevice } from './device.js';
import { VirtioConsoleDriver } from './driver.js';

export { ConsolePortQueue } from './constants.js';
export { VirtioConsoleDevice } from './device.js';
export { VirtioConsoleDriver } from './driver.js';

export const consoleBinding = virtioBinding<'console', VirtioConsoleDevice>({
  createLogic: (backend, options) => new VirtioConsoleDevice(backend, options),
  startDriver: (guest, config) => new VirtioConsoleDriver(guest, config),
  support(config) {
    const qs = queueSizeOption(config);
    if (config.knobs.iodepth > qs) {
      return { ok: false, reason: `iodepth ${config.knobs.iodepth} exceeds the ${qs}-entry transmitq` };
    }
    return { ok: true };
  },
});
