/**
 * How the virtio model reads its options (`--model-opt key=value`, declared in ./index.ts). Values
 * arrive validated, with defaults filled in; the fallbacks here serve callers that build a config by hand.
 */
import type { NotifyMechanism } from '../platform/meter.js';
import type { ModelConfig } from '../platform/model.js';

/** `queue-size`: each virtqueue's size (the device maximum; the driver asks for as much). */
export function queueSizeOption(config: ModelConfig): number {
  return Number(config.options['queue-size'] ?? 256);
}

/** `irq=msix|intx`. */
export function interruptMode(config: ModelConfig): 'msix' | 'intx' {
  return config.options.irq === 'intx' ? 'intx' : 'msix';
}

/** `notify=ioeventfd|userspace`: how kicks cross — an ioeventfd-style doorbell or a trapped write. */
export function notifyMechanism(config: ModelConfig): NotifyMechanism {
  return config.options.notify === 'userspace' ? 'exit' : 'doorbell';
}

/** `indirect=on|off`: whether drivers negotiate INDIRECT_DESC. */
export function indirectOption(config: ModelConfig): boolean {
  return config.options.indirect !== 'off';
}

/** `mrg-rxbuf=on|off`: whether the net driver accepts VIRTIO_NET_F_MRG_RXBUF. */
export function mergeableRxOption(config: ModelConfig): boolean {
  return config.options['mrg-rxbuf'] !== 'off';
}
