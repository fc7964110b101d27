/**
 * The conformance case library: every migrated case, in a stable order. vitest wrappers
 * (test/conformance/*.test.ts, test/unit/virtio-ring/hostile-driver.test.ts) and
 * `ringside conformance` iterate these very objects.
 */
import type { ConformanceCase } from './case.js';
import { EMULATED_IDE_CASES } from './cases/emulated/ide.js';
import { EMULATED_IDE_HOSTILE_CASES } from './cases/emulated/ide-hostile.js';
import { EMULATED_NE2000_CASES } from './cases/emulated/ne2000.js';
import { EMULATED_NE2000_HOSTILE_CASES } from './cases/emulated/ne2000-hostile.js';
import { EMULATED_RNG_CASES } from './cases/emulated/rng.js';
import { EMULATED_RNG_HOSTILE_CASES } from './cases/emulated/rng-hostile.js';
import { EMULATED_UART_CASES } from './cases/emulated/uart.js';
import { EMULATED_UART_HOSTILE_CASES } from './cases/emulated/uart-hostile.js';
import { VIRTIO_BLK_CASES } from './cases/virtio/blk.js';
import { VIRTIO_BLK_DEVICE_CASES } from './cases/virtio/blk-device.js';
import { VIRTIO_CONSOLE_CASES } from './cases/virtio/console.js';
import { VIRTIO_NET_CASES } from './cases/virtio/net.js';
import { VIRTIO_PCI_DRIVER_CASES } from './cases/virtio/pci-driver.js';
import { VIRTIO_PCI_TRANSPORT_CASES } from './cases/virtio/pci-transport.js';
import { VIRTIO_RNG_CASES } from './cases/virtio/rng.js';
import { SPLIT_RING_CONFIG_CASES } from './cases/virtio/split-ring-config.js';
import { SPLIT_RING_HOSTILE_CASES } from './cases/virtio/split-ring-hostile.js';

export class ConformanceLibraryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConformanceLibraryError';
  }
}

/** Refuse duplicate ids and empty model lists: results are keyed by id. */
export function checkLibrary(cases: readonly ConformanceCase[]): readonly ConformanceCase[] {
  const seen = new Set<string>();
  for (const c of cases) {
    if (seen.has(c.id)) throw new ConformanceLibraryError(`duplicate conformance case id ${c.id}`);
    seen.add(c.id);
    if (c.models !== 'all' && c.models.length === 0) {
      throw new ConformanceLibraryError(`conformance case ${c.id} applies to no model`);
    }
  }
  return cases;
}

export const CONFORMANCE_CASES: readonly ConformanceCase[] = checkLibrary([
  ...VIRTIO_PCI_TRANSPORT_CASES,
  ...VIRTIO_PCI_DRIVER_CASES,
  ...SPLIT_RING_HOSTILE_CASES,
  ...SPLIT_RING_CONFIG_CASES,
  ...VIRTIO_BLK_CASES,
  ...VIRTIO_BLK_DEVICE_CASES,
  ...VIRTIO_NET_CASES,
  ...VIRTIO_CONSOLE_CASES,
  ...VIRTIO_RNG_CASES,
  ...EMULATED_UART_CASES,
  ...EMULATED_UART_HOSTILE_CASES,
  ...EMULATED_IDE_CASES,
  ...EMULATED_IDE_HOSTILE_CASES,
  ...EMULATED_NE2000_CASES,
  ...EMULATED_NE2000_HOSTILE_CASES,
  ...EMULATED_RNG_CASES,
  ...EMULATED_RNG_HOSTILE_CASES,
]);
