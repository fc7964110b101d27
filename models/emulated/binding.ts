import type { HandlerKind } from '../platform/meter.js';
import type { ClassBinding, ModelConfig } from '../platform/model.js';
import type { DeviceClass } from '../platform/ports.js';

/** One emulated device class: its register-level device model and its guest driver. */
export type EmulatedClassBinding<C extends DeviceClass> = ClassBinding<C>;

/** `exits=user|kernel`: where the device model's port handlers run (trap-emulate.md §1). */
export function exitHandlerKind(config: ModelConfig): HandlerKind {
  return config.options.exits === 'kernel' ? 'kernel' : 'user';
}

export type IdeMode = 'pio-word' | 'pio-string' | 'pio-multiple' | 'dma';

export function ideMode(config: ModelConfig): IdeMode {
  const m = config.options['ide-mode'];
  return m === 'pio-word' || m === 'pio-multiple' || m === 'dma' ? m : 'pio-string';
}
