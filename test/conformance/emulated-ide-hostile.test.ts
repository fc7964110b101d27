/**
 * PIIX3 IDE disk, hostile guest (specs/trap-emulate.md §8): a thin wrapper over the case library (harness/conformance/cases/emulated/ide-hostile.ts), so
 * vitest and `ringside conformance` run the very same code. Each test name carries the case id and its spec section.
 */
import { describe, it } from 'vitest';
import { caseLabel } from '../../harness/conformance/case.js';
import { EMULATED_IDE_HOSTILE_CASES } from '../../harness/conformance/cases/emulated/ide-hostile.js';

describe('PIIX3 IDE disk, hostile guest (specs/trap-emulate.md §8)', () => {
  for (const c of EMULATED_IDE_HOSTILE_CASES) it(caseLabel(c), () => c.run({ model: 'emulated' }));
});
