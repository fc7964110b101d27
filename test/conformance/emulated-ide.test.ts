/**
 * PIIX3 IDE disk (specs/trap-emulate.md §3, §7 items 8–16): a thin wrapper over the case library (harness/conformance/cases/emulated/ide.ts), so
 * vitest and `ringside conformance` run the very same code. Each test name carries the case id and its spec section.
 */
import { describe, it } from 'vitest';
import { caseLabel } from '../../harness/conformance/case.js';
import { EMULATED_IDE_CASES } from '../../harness/conformance/cases/emulated/ide.js';

describe('PIIX3 IDE disk (specs/trap-emulate.md §3, §7 items 8–16)', () => {
  for (const c of EMULATED_IDE_CASES) it(caseLabel(c), () => c.run({ model: 'emulated' }));
});
