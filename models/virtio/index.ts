/**
 * The virtio-PCI model (DESIGN §1): modern virtio over PCI, split virtqueues, for
 * block, net, console and entropy.
 */
import type { BackendFor } from '../platform/backend-api.js';
import type { GuestPlatform, HostPlatform } from '../platform/machine.js';
import type { HostDevice, Model, ModelConfig, Support } from '../platform/model.js';
import type { DeviceClass, PortFor } from '../platform/ports.js';
import type { VirtioClassBinding } from './binding.js';
import { blkBinding } from './blk/index.js';
import { consoleBinding } from './console/index.js';
import { netBinding } from './net/index.js';
import { queueSizeOption } from './options.js';
import { rngBinding } from './rng/index.js';

const bindings: { [C in DeviceClass]: VirtioClassBinding<C> } = {
  block: blkBinding,
  net: netBinding,
  console: consoleBinding,
  entropy: rngBinding,
};

export const virtioModel: Model = {
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
  support(cls: DeviceClass, config: ModelConfig): Support {
    const c = config.knobs.coalesce;
    if (c.kind === 'count' && c.n > queueSizeOption(config)) {
      return { ok: false, reason: `coalesce count:${c.n} exceeds the queue size` };
    }
    return bindings[cls].support(config);
  },
  createHost<C extends DeviceClass>(
    cls: C,
    host: HostPlatform,
    backend: BackendFor[C],
    config: ModelConfig,
  ): HostDevice {
    return (bindings[cls] as VirtioClassBinding<C>).createHost(host, backend, config);
  },
  createGuest<C extends DeviceClass>(
    cls: C,
    guest: GuestPlatform,
    config: ModelConfig,
    ready: (port: PortFor[C]) => void,
    fail: (error: Error) => void,
  ): void {
    (bindings[cls] as VirtioClassBinding<C>).createGuest(guest, config, ready, fail);
  },
};
