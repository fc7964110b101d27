/**
 * virtio-pci transport conformance, device side: a thin wrapper over the case library
 * (harness/conformance/cases/virtio/pci-transport.ts), so vitest and `ringside conformance`
 * run the very same code. Each test name carries the case id and its spec section.
 */
import { describe, it } from 'vitest';
import { caseLabel } from '../../harness/conformance/case.js';
import { VIRTIO_PCI_TRANSPORT_CASES } from '../../harness/conformance/cases/virtio/pci-transport.js';

describe('virtio-pci transport, device side (specs/virtio.md §9 V-items, §10 H-items)', () => {
  for (const c of VIRTIO_PCI_TRANSPORT_CASES) it(caseLabel(c), () => c.run({ model: 'virtio' }));
});
