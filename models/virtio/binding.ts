/** One virtio device class: its host device and guest driver factories, meeting only in the machine. */
import type { BackendFor } from '../platform/backend-api.js';
import type { GuestPlatform } from '../platform/machine.js';
import {
  type ClassBinding,
  type HostDevice,
  type ModelConfig,
  type Support,
  startDriverOnVcpu,
} from '../platform/model.js';
import type { DeviceClass, PortFor } from '../platform/ports.js';
import { type DescribedLogic, type DeviceOptions, deviceOptions, VirtioHostDevice } from './device/host-device.js';

export type VirtioClassBinding<C extends DeviceClass, H extends HostDevice = HostDevice> = ClassBinding<C, H>;

/** What a class supplies; the binding adds the transport, the vCPU hand-off and error reporting. */
export interface VirtioClassParts<C extends DeviceClass, L extends DescribedLogic> {
  createLogic(backend: BackendFor[C], options: DeviceOptions): L;
  /** Bring the device up (§3.1.1) and return the port; throws VirtioInitError when it is unusable. */
  startDriver(guest: GuestPlatform, config: ModelConfig): PortFor[C];
  support(config: ModelConfig): Support;
}

export function virtioBinding<C extends DeviceClass, L extends DescribedLogic>(
  parts: VirtioClassParts<C, L>,
): VirtioClassBinding<C, VirtioHostDevice<L>> {
  return {
    createHost: (host, backend, config) =>
      new VirtioHostDevice(host, parts.createLogic(backend, deviceOptions(config)), config),
    createGuest(guest, config, ready, fail) {
      // Bring-up is register I/O: run it on the vCPU so its exits are priced there.
      startDriverOnVcpu(guest, () => parts.startDriver(guest, config), ready, fail);
    },
    support: (config) => parts.support(config),
  };
}

export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
