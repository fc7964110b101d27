/** One emulated device class: its register-level device model and its guest driver. */
import type { BackendFor } from '../platform/backend-api.js';
import type { GuestPlatform, HostPlatform } from '../platform/machine.js';
import type { HandlerKind } from '../platform/meter.js';
import type { HostDevice, ModelConfig, Support } from '../platform/model.js';
import type { DeviceClass, PortFor } from '../platform/ports.js';

export interface EmulatedClassBinding<C extends DeviceClass> {
  createHost(host: HostPlatform, backend: BackendFor[C], config: ModelConfig): HostDevice;
  createGuest(
    guest: GuestPlatform,
    config: ModelConfig,
    ready: (port: PortFor[C]) => void,
    fail: (e: Error) => void,
  ): void;
  /** Knob mapping for this class; a knob it cannot honour is unsupported, never approximated. */
  support(config: ModelConfig): Support;
}

/** `exits=user|kernel`: where the device model's port handlers run (trap-emulate.md §1). */
export function exitHandlerKind(config: ModelConfig): HandlerKind {
  return config.options.exits === 'kernel' ? 'kernel' : 'user';
}

export type IdeMode = 'pio-word' | 'pio-string' | 'pio-multiple' | 'dma';

export function ideMode(config: ModelConfig): IdeMode {
  const m = config.options['ide-mode'];
  return m === 'pio-word' || m === 'pio-multiple' || m === 'dma' ? m : 'pio-string';
}
