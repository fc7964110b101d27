/** One virtio device class: its host device and guest driver factories, meeting only in the machine. */
import type { BackendFor } from '../platform/backend-api.js';
import type { GuestPlatform, HostPlatform } from '../platform/machine.js';
import type { HostDevice, ModelConfig, Support } from '../platform/model.js';
import type { DeviceClass, PortFor } from '../platform/ports.js';

export interface VirtioClassBinding<C extends DeviceClass> {
  createHost(host: HostPlatform, backend: BackendFor[C], config: ModelConfig): HostDevice;
  createGuest(
    guest: GuestPlatform,
    config: ModelConfig,
    ready: (port: PortFor[C]) => void,
    fail: (e: Error) => void,
  ): void;
  /** Knob checks specific to this class (e.g. in-flight depth vs ring capacity). */
  support(config: ModelConfig): Support;
}

/** Model options shared by every virtio class (`--model-opt key=value`). */
export function queueSizeOption(config: ModelConfig): number {
  return Number(config.options['queue-size'] ?? 256);
}
