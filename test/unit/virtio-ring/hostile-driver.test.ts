/**
 * The split-ring device side against a hostile driver (specs/virtio.md §10): a thin wrapper
 * over the case library (harness/conformance/cases/virtio/split-ring-{hostile,config}.ts), so vitest
 * and `ringside conformance` run the very same code.
 */
import { describe, it } from 'vitest';
import { caseLabel } from '../../../harness/conformance/case.js';
import { SPLIT_RING_CONFIG_CASES } from '../../../harness/conformance/cases/virtio/split-ring-config.js';
import { SPLIT_RING_HOSTILE_CASES } from '../../../harness/conformance/cases/virtio/split-ring-hostile.js';

describe('hostile driver (specs/virtio.md §10)', () => {
  for (const c of [...SPLIT_RING_HOSTILE_CASES, ...SPLIT_RING_CONFIG_CASES])
    it(caseLabel(c), () => c.run({ model: 'virtio' }));
});
