/**
 * hardware RNG and its driver (specs/trap-emulate.md §5, §6, §7 items 22, 24): a thin wrapper over the case library (harness/conformance/cases/emulated/rng.ts), so
 * vitest and `ringside conformance` run the very same code. Each test name carries the case id and its spec section.
 */
import { describe, it } from 'vitest';
import { caseLabel } from '../../harness/conformance/case.js';
import { EMULATED_RNG_CASES } from '../../harness/conformance/cases/emulated/rng.js';

describe('hardware RNG and its driver (specs/trap-emulate.md §5, §6, §7 items 22, 24)', () => {
  for (const c of EMULATED_RNG_CASES) it(caseLabel(c), () => c.run({ model: 'emulated' }));
});
