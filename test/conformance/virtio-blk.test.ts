/**
 * virtio-blk driver and end to end (specs/virtio.md §9, §10; virtio 1.2 §2, §5.2): a thin wrapper over the case library (harness/conformance/cases/virtio/blk.ts), so
 * vitest and `ringside conformance` run the very same code. Each test name carries the case id and its spec section.
 */
import { describe, it } from 'vitest';
import { caseLabel } from '../../harness/conformance/case.js';
import { VIRTIO_BLK_CASES } from '../../harness/conformance/cases/virtio/blk.js';

describe('virtio-blk driver and end to end (specs/virtio.md §9, §10; virtio 1.2 §2, §5.2)', () => {
  for (const c of VIRTIO_BLK_CASES) it(caseLabel(c), () => c.run({ model: 'virtio' }));
});
