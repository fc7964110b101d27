/**
 * virtio-pci driver-side conformance of our guest transport: a thin wrapper over the case
 * library (harness/conformance/cases/virtio/pci-driver.ts), so vitest and `ringside
 * conformance` run the very same code. Each test name carries the case id and its spec section.
 */
import { describe, it } from 'vitest';
import { caseLabel } from '../../harness/conformance/case.js';
import { VIRTIO_PCI_DRIVER_CASES } from '../../harness/conformance/cases/virtio/pci-driver.js';

describe('virtio-pci driver initialisation (specs/virtio.md §9 D-items)', () => {
  for (const c of VIRTIO_PCI_DRIVER_CASES) it(caseLabel(c), () => c.run({ model: 'virtio' }));
});
