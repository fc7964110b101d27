/**
 * virtio-blk device against a raw guest (specs/virtio.md §9, §10; virtio 1.2 §5.2.6): a thin wrapper over the case library (harness/conformance/cases/virtio/blk-device.ts), so
 * vitest and `ringside conformance` run the very same code. Each test name carries the case id and its spec section.
 */
import { describe, it } from 'vitest';
import { caseLabel } from '../../harness/conformance/case.js';
import { VIRTIO_BLK_DEVICE_CASES } from '../../harness/conformance/cases/virtio/blk-device.js';

describe('virtio-blk device against a raw guest (specs/virtio.md §9, §10; virtio 1.2 §5.2.6)', () => {
  for (const c of VIRTIO_BLK_DEVICE_CASES) it(caseLabel(c), () => c.run({ model: 'virtio' }));
});
