/**
 * 16550A hostile-guest checks (specs/trap-emulate.md §8 H1, H2, H14): bounded FIFOs, no division by
 * a zero divisor, O(1) work per access — and fast-check properties that drive random register access
 * sequences, backend floods and timer runs through the device: no exception escapes, and the
 * register invariants of §2 hold after every step.
 */
import fc from 'fast-check';
import type { AccessSize } from '../../../../models/platform/bus.js';
import {
  expectAtLeast,
  expectAtMost,
  expectContains,
  expectDeepEqual,
  expectEqual,
  expectFields,
  expectNoThrow,
} from '../../assert.js';
import type { ConformanceCase, RequirementLevel, SpecRef } from '../../case.js';
import { makeUartRig, R, type UartRig } from '../../support/emulated-uart-rig.js';

const cases: ConformanceCase[] = [];
function uartHostileCase(id: string, title: string, ref: SpecRef, run: () => void | Promise<void>): void {
  cases.push({ id: `emulated-uart-hostile.${id}`, title, ref, models: ['emulated'], run });
}
const sheet = (section: string, paraphrase: string, level: RequirementLevel = 'MUST'): SpecRef => ({
  doc: 'specs/trap-emulate.md',
  section,
  level,
  paraphrase,
});

type Step =
  | { readonly op: 'read'; readonly reg: number; readonly size: AccessSize }
  | { readonly op: 'write'; readonly reg: number; readonly size: AccessSize; readonly value: number }
  | { readonly op: 'inject'; readonly bytes: number[] }
  | { readonly op: 'force'; readonly bytes: number[] }
  | { readonly op: 'break' }
  | { readonly op: 'advance'; readonly ns: number }
  | { readonly op: 'reset' };

const size = fc.constantFrom<AccessSize>(1, 1, 1, 2, 4);
/** Register and size such that the access stays inside the 8-port window, as the bus guarantees. */
const regAndSize = size.chain((s) => fc.record({ reg: fc.integer({ min: 0, max: 8 - s }), size: fc.constant(s) }));
/** Values that hit the interesting bits often (DLAB, LOOP, FE, THRI…) and anything else sometimes. */
const value = fc.oneof(
  fc.constantFrom(0x00, 0x01, 0x02, 0x03, 0x05, 0x07, 0x0f, 0x10, 0x1f, 0x41, 0x80, 0x83, 0xc1, 0xc7, 0xff),
  fc.integer({ min: 0, max: 0xffffffff }),
);
const bytes = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 40 });

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: regAndSize.map(({ reg, size }) => ({ op: 'read' as const, reg, size })) },
  {
    weight: 6,
    arbitrary: fc.tuple(regAndSize, value).map(([{ reg, size }, v]) => ({ op: 'write' as const, reg, size, value: v })),
  },
  { weight: 2, arbitrary: bytes.map((b) => ({ op: 'inject' as const, bytes: b })) },
  { weight: 1, arbitrary: bytes.map((b) => ({ op: 'force' as const, bytes: b })) },
  { weight: 1, arbitrary: fc.constant({ op: 'break' as const }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 50_000_000 }).map((ns) => ({ op: 'advance' as const, ns })) },
  { weight: 1, arbitrary: fc.constant({ op: 'reset' as const }) },
);

function apply(u: UartRig, s: Step): void {
  switch (s.op) {
    case 'read':
      u.device.read(s.reg, s.size);
      return;
    case 'write':
      u.device.write(s.reg, s.size, s.value & (s.size === 4 ? 0xffffffff : (1 << (8 * s.size)) - 1));
      return;
    case 'inject':
      u.backend.inject(s.bytes);
      return;
    case 'force':
      u.backend.force(s.bytes);
      return;
    case 'break':
      u.device.receiveBreak();
      return;
    case 'advance':
      u.clock.advance(s.ns);
      return;
    case 'reset':
      u.device.reset();
  }
}

/** The §2 register invariants, checked through the device's state (no side-effecting reads). */
function checkInvariants(u: UartRig): void {
  const st = u.device.state();
  const fifoOn = (st.fcr & 0x01) !== 0;
  // IRQ line high iff IIR ≠ NO_INT (§7.3); IIR bits 6–7 mirror FCR.FE (§7.2).
  expectEqual(u.line(), (st.iir & 0x0f) !== 0x01, 'u.line()');
  expectEqual(st.iir & 0xc0, fifoOn ? 0xc0 : 0, 'st.iir & 0xc0');
  expectContains([0x01, 0x06, 0x0c, 0x04, 0x02, 0x00], st.iir & 0x0f, '[0x01, 0x06, 0x0c, 0x04, 0x02, 0x00]');
  // FIFOs bounded (H1); with the FIFO on, DR means "FIFO not empty".
  expectAtLeast(st.rxCount, 0, 'st.rxCount');
  expectAtMost(st.rxCount, 16, 'st.rxCount');
  expectEqual(st.txCount, 0, 'st.txCount'); // TX is synchronous: the FIFO is drained within each THR write
  if (fifoOn) expectEqual((st.lsr & 0x01) !== 0, st.rxCount > 0, '(st.lsr & 0x01) !== 0');
  // Masks (§7.2) and THRE/TEMT: both set outside a THR write.
  expectEqual(st.ier & ~0x0f, 0, 'st.ier & ~0x0f');
  expectEqual(st.mcr & ~0x1f, 0, 'st.mcr & ~0x1f');
  expectEqual(st.fcr & ~0xc9, 0, 'st.fcr & ~0xc9');
  expectEqual(st.lsr & 0x60, 0x60, 'st.lsr & 0x60');
  expectEqual(st.lsr & 0x0c, 0, 'st.lsr & 0x0c'); // QEMU never sets PE/FE
  // Timeout machinery only with data in the FIFO; at most one timer outstanding (H14).
  if (st.timeoutArmed || st.timeoutIPending) expectEqual(fifoOn && st.rxCount > 0, true, 'fifoOn && st.rxCount > 0');
  expectAtMost(u.clock.pending, 1, 'u.clock.pending');
  expectEqual(
    Number.isFinite(st.characterTimeNs) && st.characterTimeNs > 0,
    true,
    'Number.isFinite(st.characterTimeNs) && st.characterTimeNs > 0',
  );
}

// §8 hostile guest: random register sequences (fast-check)
uartHostileCase(
  'H1',
  'no exception escapes and the §2 invariants hold after every step',
  sheet('§2 H1', 'no exception escapes and the §2 invariants hold after every step'),
  () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 200 }), (steps) => {
        const u = makeUartRig();
        for (const s of steps) {
          expectNoThrow(() => apply(u, s), '() => apply(u, s)');
          checkInvariants(u);
        }
      }),
      { numRuns: 400 },
    );
  },
);

uartHostileCase(
  '8',
  'every byte written to THR outside loopback reaches the backend exactly once, in order',
  sheet('§8', 'every byte written to THR outside loopback reaches the backend exactly once, in order'),
  () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 120 }), bytes, (steps, payload) => {
        const u = makeUartRig();
        for (const s of steps) apply(u, s);
        u.w(R.LCR, 0x03); // DLAB off
        u.w(R.MCR, 0x08); // loopback off
        const before = u.backend.output.length;
        for (const b of payload) u.w(R.THR, b);
        expectDeepEqual(u.backend.output.slice(before), payload, 'u.backend.output.slice(before)');
      }),
      { numRuns: 200 },
    );
  },
);

uartHostileCase(
  '8-2',
  'input is neither lost nor duplicated while the guest reads only as the device allows (backpressure)',
  sheet('§8', 'input is neither lost nor duplicated while the guest reads only as the device allows (backpressure)'),
  () => {
    fc.assert(
      fc.property(fc.constantFrom(0x00, 0x01, 0x41, 0x81, 0xc1), bytes, (fcr, payload) => {
        const u = makeUartRig();
        u.w(R.FCR, fcr);
        u.backend.inject(payload);
        const got: number[] = [];
        for (let guard = 0; guard < 1000 && u.r(R.LSR) & 0x01; guard++) got.push(u.r(R.RBR));
        expectDeepEqual(got, payload, 'got');
        expectEqual(u.device.stats.rxOverruns, 0, 'u.device.stats.rxOverruns');
      }),
      { numRuns: 200 },
    );
  },
);

// §8 hostile guest: targeted cases
uartHostileCase(
  'H1-2',
  'a backend flood far beyond room keeps 16 bytes, sets OE and counts every lost byte',
  sheet('§8 H1', 'a backend flood far beyond room keeps 16 bytes, sets OE and counts every lost byte'),
  () => {
    const u = makeUartRig();
    u.w(R.FCR, 0x01);
    u.backend.force(Array.from({ length: 40 }, (_, i) => i));
    u.backend.force(Array.from({ length: 40 }, (_, i) => 100 + i));
    expectEqual(u.device.state().rxCount, 16, 'u.device.state().rxCount');
    expectEqual(u.device.stats.rxOverruns, 64, 'u.device.stats.rxOverruns');
    expectEqual(u.r(R.LSR) & 0x02, 0x02, 'u.r(R.LSR) & 0x02');
  },
);

uartHostileCase(
  'H1-3',
  '10,000 THR writes with the FIFO on never grow the TX FIFO; every byte goes out',
  sheet('§8 H1', '10,000 THR writes with the FIFO on never grow the TX FIFO; every byte goes out'),
  () => {
    const u = makeUartRig();
    u.w(R.FCR, 0x07);
    for (let i = 0; i < 10_000; i++) u.w(R.THR, i & 0xff);
    expectEqual(u.backend.output.length, 10_000, 'u.backend.output.length');
    expectEqual(u.device.state().txCount, 0, 'u.device.state().txCount');
    expectEqual(u.device.stats.txOverflows, 0, 'u.device.stats.txOverflows');
  },
);

uartHostileCase(
  'H1-4',
  'RBR reads on an empty FIFO return 0 and leave state alone',
  sheet('§8 H1', 'RBR reads on an empty FIFO return 0 and leave state alone'),
  () => {
    const u = makeUartRig();
    u.w(R.FCR, 0x01);
    for (let i = 0; i < 100; i++) expectEqual(u.r(R.RBR), 0, 'u.r(R.RBR)');
    expectFields(u.device.state(), { rxCount: 0, lsr: 0x60, timeoutArmed: false }, 'u.device.state()');
  },
);

uartHostileCase(
  'H2',
  'divisor 0 written every way (bytes, word, with LCR changes) never faults or changes speed',
  sheet('§8 H2', 'divisor 0 written every way (bytes, word, with LCR changes) never faults or changes speed'),
  () => {
    const u = makeUartRig();
    const speed = u.device.state().characterTimeNs;
    u.w(R.LCR, 0x83);
    u.device.write(R.DLL, 2, 0x0000);
    u.w(R.LCR, 0x87);
    u.w(R.LCR, 0x83);
    u.device.write(R.DLL, 4, 0);
    expectFields(u.device.state(), { divisor: 0, characterTimeNs: speed }, 'u.device.state()');
  },
);

uartHostileCase(
  'H14',
  'a storm of loopback bytes keeps one timer outstanding and O(1) backend work per access',
  sheet('§8 H14', 'a storm of loopback bytes keeps one timer outstanding and O(1) backend work per access'),
  () => {
    const u = makeUartRig();
    u.w(R.FCR, 0xc1);
    u.w(R.MCR, 0x10);
    u.w(R.IER, 0x0f);
    for (let i = 0; i < 5_000; i++) {
      u.w(R.THR, i & 0xff);
      if (i % 3 === 0) u.r(R.RBR);
      expectAtMost(u.clock.pending, 1, 'u.clock.pending');
    }
    expectEqual(u.backend.output.length, 0, 'u.backend.output.length');
    expectEqual(u.device.state().rxCount, 16, 'u.device.state().rxCount');
  },
);

uartHostileCase(
  '8-3',
  'a backend whose write throws does not make the THR write throw; THRE still returns',
  sheet('§8', 'a backend whose write throws does not make the THR write throw; THRE still returns'),
  () => {
    const u = makeUartRig();
    u.backend.failWrites = true;
    expectNoThrow(() => u.w(R.THR, 0x41), '() => u.w(R.THR, 0x41)');
    expectEqual(u.r(R.LSR), 0x60, 'u.r(R.LSR)');
    expectEqual(u.device.stats.backendErrors, 1, 'u.device.stats.backendErrors');
  },
);

export const EMULATED_UART_HOSTILE_CASES: readonly ConformanceCase[] = cases;
