/**
 * hardware RNG, hostile guest (specs/trap-emulate.md §8 H13, H14): a thin wrapper over the case library (harness/conformance/cases/emulated/rng-hostile.ts), so
 * vitest and `ringside conformance` run the very same code. Each test name carries the case id and its spec section.
 */
import { describe, it } from 'vitest';
import { caseLabel } from '../../harness/conformance/case.js';
import { EMULATED_RNG_HOSTILE_CASES } from '../../harness/conformance/cases/emulated/rng-hostile.js';

describe('hardware RNG, hostile guest (specs/trap-emulate.md §8 H13, H14)', () => {
  for (const c of EMULATED_RNG_HOSTILE_CASES) it(caseLabel(c), () => c.run({ model: 'emulated' }));
});
