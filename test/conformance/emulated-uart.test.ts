/**
 * 16550A UART (specs/trap-emulate.md §2, §7 items 1–7): a thin wrapper over the case library (harness/conformance/cases/emulated/uart.ts), so
 * vitest and `ringside conformance` run the very same code. Each test name carries the case id and its spec section.
 */
import { describe, it } from 'vitest';
import { caseLabel } from '../../harness/conformance/case.js';
import { EMULATED_UART_CASES } from '../../harness/conformance/cases/emulated/uart.js';

describe('16550A UART (specs/trap-emulate.md §2, §7 items 1–7)', () => {
  for (const c of EMULATED_UART_CASES) it(caseLabel(c), () => c.run({ model: 'emulated' }));
});
