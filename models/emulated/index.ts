/**
 * The trap-and-emulate model (DESIGN §1): devices emulated register by register as QEMU's
 * device models do it; every guest port or MMIO access is a VM exit
 * (specs/trap-emulate.md).
 */
import { type ClassBinding, type Model, modelFromBindings } from '../platform/model.js';
import type { DeviceClass } from '../platform/ports.js';
import { ideBinding } from './ide/index.js';
import { ne2000Binding } from './ne2000/index.js';
import { rngBinding } from './rng/index.js';
import { uartBinding } from './uart/index.js';

const bindings: { [C in DeviceClass]: ClassBinding<C> } = {
  block: ideBinding,
  net: ne2000Binding,
  console: uartBinding,
  entropy: rngBinding,
};

export const emulatedModel: Model = modelFromBindings({
  id: 'emulated',
  title: 'trap-and-emulate: 16550A UART, PIIX IDE with bus-master DMA, NE2000, port-I/O RNG',
  classes: { block: 'native', net: 'native', console: 'native', entropy: 'native' },
  options: [
    {
      key: 'ide-mode',
      values: ['pio-word', 'pio-string', 'pio-multiple', 'dma'],
      default: 'pio-string',
      description:
        'IDE driver transfer mode: one exit per word, rep insw/outsw, READ/WRITE MULTIPLE, or bus-master DMA',
    },
    {
      key: 'exits',
      values: ['user', 'kernel'],
      default: 'user',
      description: 'where port and MMIO exits are handled: the userspace device model or the host kernel',
    },
    {
      key: 'uart-mode',
      values: ['irq', 'polled'],
      default: 'irq',
      description: 'UART driver: interrupt-driven (THRE/RDA/timeout IRQ 4) or polled (LSR before each THR/RBR access)',
    },
    {
      key: 'rng-latency-ns',
      values: 'number',
      default: '0',
      description: 'port-I/O RNG: ns from an RNGDATA read until the next word is ready (AMD 768 datasheet ≈ 128000)',
    },
  ],
  bindings,
});
