/**
 * virtio-console device and driver (virtio 1.2 §5.3; specs/virtio.md §9, §10): a thin wrapper over the case library (harness/conformance/cases/virtio/console.ts), so
 * vitest and `ringside conformance` run the very same code. Each test name carries the case id and its spec section.
 */
import { describe, it } from 'vitest';
import { caseLabel } from '../../harness/conformance/case.js';
import { VIRTIO_CONSOLE_CASES } from '../../harness/conformance/cases/virtio/console.js';

describe('virtio-console device and driver (virtio 1.2 §5.3; specs/virtio.md §9, §10)', () => {
  for (const c of VIRTIO_CONSOLE_CASES) it(caseLabel(c), () => c.run({ model: 'virtio' }));
});
