/**
 * The virtio-PCI model (DESIGN §1): modern virtio over PCI, split virtqueues, for
 * block, net, console and entropy.
 */
import { type ClassBinding, type Model, type ModelConfig, modelFromBindings, type Support } from '../platform/model.js';
import type { DeviceClass } from '../platform/ports.js';
import { blkBinding } from './blk/index.js';
import { consoleBinding } from './console/index.js';
import { netBinding } from './net/index.js';
import { queueSizeOption } from './options.js';
import { rngBinding } from './rng/index.js';

const bindings: { [C in DeviceClass]: ClassBinding<C> } = {
  block: blkBinding,
  net: netBinding,
  console: consoleBinding,
  entropy: rngBinding,
};

export const virtioModel: Model = modelFromBindings({
  id: 'virtio',
  title: 'virtio 1.2 over modern PCI (split virtqueues)',
  classes: { block: 'native', net: 'native', console: 'native', entropy: 'native' },
  options: [
    {
      key: 'notify',
      values: ['ioeventfd', 'userspace'],
      default: 'ioeventfd',
      description: 'kick path: in-kernel doorbell (ioeventfd) or a userspace exit',
    },
    {
      key: 'irq',
      values: ['msix', 'intx'],
      default: 'msix',
      description: 'interrupts: MSI-X vectors or INTx with ISR reads',
    },
    {
      key: 'indirect',
      values: ['on', 'off'],
      default: 'on',
      description: 'use INDIRECT_DESC tables for multi-segment requests',
    },
    {
      key: 'mrg-rxbuf',
      values: ['on', 'off'],
      default: 'on',
      description:
        'net: accept VIRTIO_NET_F_MRG_RXBUF (2 KiB receive buffers merged per packet) or post whole-packet buffers',
    },
    {
      key: 'queue-size',
      values: ['16', '32', '64', '128', '256', '512', '1024'],
      default: '256',
      description: 'virtqueue size (device maximum)',
    },
  ],
  support(_cls: DeviceClass, config: ModelConfig): Support {
    const c = config.knobs.coalesce;
    if (c.kind === 'count' && c.n > queueSizeOption(config)) {
      return { ok: false, reason: `coalesce count:${c.n} exceeds the queue size` };
    }
    return { ok: true };
  },
  bindings,
});
