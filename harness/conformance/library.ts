/**
 * The conformance case library: every migrated case, in a stable order. vitest wrappers
 * (test/conformance/*.test.ts, test/unit/virtio-ring/hostile-driver.test.ts) and
 * `ringside conformance` iterate these very objects.
 */
import type { ConformanceCase } from './case.js';
import { VIRTIO_PCI_DRIVER_CASES } from './cases/virtio/pci-driver.js';
import { VIRTIO_PCI_TRANSPORT_CASES } from './cases/virtio/pci-transport.js';
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
]);
