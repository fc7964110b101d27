/**
 * 16550A device-model conformance: specs/trap-emulate.md §7 items 1–7 and the §2 rules they rest
 * on, each case naming the QEMU hw/char/serial.c function whose behaviour it checks. The device is
 * driven register by register through the mock guest/backend of test/unit/emulated-uart/uart-rig.ts.
 */
import { Uart16550Device } from '../../../../models/emulated/uart/device.js';
import { characterTimeNs, RX_TRIGGER_LEVELS, UartReset } from '../../../../models/emulated/uart/registers.js';
import { expectAbove, expectAtLeast, expectDeepEqual, expectEqual, expectFields } from '../../assert.js';
import type { ConformanceCase, RequirementLevel, SpecRef } from '../../case.js';
import { ascii, LineLog, makeUartRig, R, ScriptedConsoleBackend } from '../../support/emulated-uart-rig.js';
import { ManualScheduler } from '../../support/manual-scheduler.js';

const cases: ConformanceCase[] = [];
function uartCase(id: string, title: string, ref: SpecRef, run: () => void | Promise<void>): void {
  cases.push({ id: `emulated-uart.${id}`, title, ref, models: ['emulated'], run });
}
const sheet = (section: string, paraphrase: string, level: RequirementLevel = 'MUST'): SpecRef => ({
  doc: 'specs/trap-emulate.md',
  section,
  level,
  paraphrase,
});

/** 9600 baud 8N1: QEMU's reset character time, (10^9 / 9600) × 10 with integer division. */
const RESET_CHAR_NS = 1_041_660;
const FCR_FIFO_ON = 0x07;

// §7.1 reset values — serial.c serial_reset
uartCase(
  '7.1',
  'IIR 0x01, LSR 0x60, MSR 0xB0, MCR 0x08, IER/LCR/SCR/RBR 0, line low',
  sheet('§7.1', 'IIR 0x01, LSR 0x60, MSR 0xB0, MCR 0x08, IER/LCR/SCR/RBR 0, line low'),
  () => {
    const u = makeUartRig();
    expectDeepEqual(
      [u.r(R.RBR), u.r(R.IER), u.r(R.IIR), u.r(R.LCR), u.r(R.MCR), u.r(R.LSR), u.r(R.MSR), u.r(R.SCR)],
      [0x00, 0x00, 0x01, 0x00, 0x08, 0x60, 0xb0, 0x00],
      '[u.r(R.RBR), u.r(R.IER), u.r(R.IIR), u.r(R.LCR), u.r(R.MCR), u.r(R.…',
    );
    expectEqual(u.line(), false, 'u.line()');
    expectDeepEqual(u.lines.events, [], 'u.lines.events');
  },
);

uartCase(
  '7.1-2',
  'DLL/DLM 0x0C/0x00 (9600 baud) with a 10-bit frame time',
  sheet('§7.1', 'DLL/DLM 0x0C/0x00 (9600 baud) with a 10-bit frame time'),
  () => {
    const u = makeUartRig();
    expectEqual(u.device.state().characterTimeNs, RESET_CHAR_NS, 'u.device.state().characterTimeNs');
    u.w(R.LCR, 0x83);
    expectDeepEqual([u.r(R.DLL), u.r(R.DLM)], [0x0c, 0x00], '[u.r(R.DLL), u.r(R.DLM)]');
    expectEqual(u.device.state().characterTimeNs, RESET_CHAR_NS, 'u.device.state().characterTimeNs');
    u.w(R.LCR, 0x80); // 5-bit words: a 7-bit frame at the same speed
    expectEqual(u.device.state().characterTimeNs, (RESET_CHAR_NS / 10) * 7, 'u.device.state().characterTimeNs');
    expectEqual(characterTimeNs(UartReset.DIVISOR, 0x03), RESET_CHAR_NS, 'characterTimeNs(UartReset.DIVISOR, 0x03)');
  },
);

uartCase(
  '7.1-3',
  'reset() restores power-on state and lowers a raised line',
  sheet('§7.1', 'reset() restores power-on state and lowers a raised line'),
  () => {
    const u = makeUartRig();
    u.w(R.IER, 0x02);
    u.w(R.SCR, 0x5a);
    u.w(R.FCR, 0xc7);
    expectEqual(u.line(), true, 'u.line()');
    u.device.reset();
    expectEqual(u.line(), false, 'u.line()');
    expectDeepEqual(
      [u.r(R.IER), u.r(R.IIR), u.r(R.LSR), u.r(R.SCR), u.r(R.MCR)],
      [0, 0x01, 0x60, 0, 0x08],
      '[u.r(R.IER), u.r(R.IIR), u.r(R.LSR), u.r(R.SCR), u.r(R.MCR)]',
    );
  },
);

// §7.2 DLAB aliasing and register masks — serial.c serial_ioport_read/write
uartCase(
  '7.2',
  'with DLAB=1, +0/+1 are DLL/DLM: no byte is sent and IER is untouched; IIR, LCR, LSR stay visible',
  sheet('§7.2', 'with DLAB=1, +0/+1 are DLL/DLM: no byte is sent and IER is untouched; IIR, LCR, LSR stay visible'),
  () => {
    const u = makeUartRig();
    u.w(R.IER, 0x05);
    u.w(R.LCR, 0x83);
    u.w(R.DLL, 0x01);
    u.w(R.DLM, 0x02);
    expectDeepEqual(
      [u.r(R.DLL), u.r(R.DLM), u.r(R.IIR), u.r(R.LCR), u.r(R.LSR)],
      [0x01, 0x02, 0x01, 0x83, 0x60],
      '[u.r(R.DLL), u.r(R.DLM), u.r(R.IIR), u.r(R.LCR), u.r(R.LSR)]',
    );
    expectDeepEqual(u.backend.output, [], 'u.backend.output');
    u.w(R.LCR, 0x03);
    expectDeepEqual([u.r(R.IER), u.device.state().divisor], [0x05, 0x0201], '[u.r(R.IER), u.device.state().divisor]');
  },
);

uartCase(
  '7.2-2',
  'IER keeps bits 0–3, MCR bits 0–4; LSR and MSR ignore writes; SCR holds any byte',
  sheet('§7.2', 'IER keeps bits 0–3, MCR bits 0–4; LSR and MSR ignore writes; SCR holds any byte'),
  () => {
    const u = makeUartRig();
    u.w(R.IER, 0xf0);
    expectEqual(u.r(R.IER), 0x00, 'u.r(R.IER)');
    u.w(R.MCR, 0xff);
    expectEqual(u.r(R.MCR), 0x1f, 'u.r(R.MCR)');
    u.w(R.MCR, 0x08);
    u.w(R.LSR, 0x00);
    u.w(R.MSR, 0x0f);
    expectDeepEqual([u.r(R.LSR), u.r(R.MSR)], [0x60, 0xb0], '[u.r(R.LSR), u.r(R.MSR)]');
    u.w(R.SCR, 0xa5);
    expectEqual(u.r(R.SCR), 0xa5, 'u.r(R.SCR)');
  },
);

uartCase(
  '7.2-3',
  'FCR keeps bits 0xC9 only; IIR bits 6–7 read 0xC0 iff FIFO enable',
  sheet('§7.2', 'FCR keeps bits 0xC9 only; IIR bits 6–7 read 0xC0 iff FIFO enable'),
  () => {
    const u = makeUartRig();
    u.w(R.FCR, 0xff);
    expectEqual(u.device.state().fcr, 0xc9, 'u.device.state().fcr');
    expectEqual(u.r(R.IIR), 0xc1, 'u.r(R.IIR)');
    u.w(R.FCR, 0xc8);
    expectEqual(u.device.state().fcr, 0xc8, 'u.device.state().fcr');
    expectEqual(u.r(R.IIR), 0x01, 'u.r(R.IIR)');
  },
);

uartCase(
  '7.2-4',
  'a 16-bit read is split into bytes with every side effect: inw +0 pops RBR and reads IER',
  sheet('§7.2', 'a 16-bit read is split into bytes with every side effect: inw +0 pops RBR and reads IER'),
  () => {
    const u = makeUartRig();
    u.w(R.IER, 0x01);
    u.backend.inject([0x41]);
    expectEqual(u.device.read(R.RBR, 2), 0x0141, 'u.device.read(R.RBR, 2)');
    expectEqual(u.r(R.LSR) & 0x01, 0, 'u.r(R.LSR) & 0x01');
    // A 16-bit write with DLAB=1 loads both divisor latches.
    u.w(R.LCR, 0x80);
    u.device.write(R.DLL, 2, 0x0306);
    expectDeepEqual([u.r(R.DLL), u.r(R.DLM)], [0x06, 0x03], '[u.r(R.DLL), u.r(R.DLM)]');
  },
);

uartCase(
  '7.2-5',
  'reads of IER, LCR, MCR and SCR have no side effect',
  sheet('§7.2', 'reads of IER, LCR, MCR and SCR have no side effect'),
  () => {
    const u = makeUartRig();
    u.w(R.IER, 0x02);
    const before = u.device.state();
    for (let i = 0; i < 3; i++) for (const reg of [R.IER, R.LCR, R.MCR, R.SCR]) u.r(reg);
    expectDeepEqual(u.device.state(), before, 'u.device.state()');
  },
);

// §7.3 IIR priority with simultaneous sources — serial.c serial_update_irq
uartCase(
  '7.3',
  'RLS > timeout > RDA > THRE, each retired in turn; the line stays high until IIR reads 0x01',
  sheet('§7.3', 'RLS > timeout > RDA > THRE, each retired in turn; the line stays high until IIR reads 0x01'),
  () => {
    const u = makeUartRig();
    u.w(R.FCR, FCR_FIFO_ON); // trigger 1
    u.w(R.MCR, 0x10); // loopback: THR feeds the receiver
    u.w(R.IER, 0x0f);
    for (const b of ascii('0123456789abcdefX')) u.w(R.THR, b); // 17 bytes: the 17th overruns
    expectEqual(u.device.state().rxCount, 16, 'u.device.state().rxCount');
    expectEqual(u.r(R.IIR), 0xc6, 'u.r(R.IIR)'); // RLS: OE
    expectEqual(u.r(R.LSR), 0x63, 'u.r(R.LSR)'); // OE cleared by the read
    expectEqual(u.r(R.IIR), 0xc4, 'u.r(R.IIR)'); // RDA
    u.clock.advance(4 * RESET_CHAR_NS);
    expectEqual(u.r(R.IIR), 0xcc, 'u.r(R.IIR)'); // timeout outranks RDA
    expectEqual(u.r(R.RBR), 0x30, 'u.r(R.RBR)');
    expectEqual(u.r(R.IIR), 0xc4, 'u.r(R.IIR)'); // the RBR read cleared the timeout
    for (let i = 0; i < 15; i++) u.r(R.RBR);
    expectEqual(u.line(), true, 'u.line()');
    expectEqual(u.r(R.IIR), 0xc2, 'u.r(R.IIR)'); // THRE, consumed by this read
    expectEqual(u.line(), false, 'u.line()');
    expectEqual(u.r(R.IIR), 0xc1, 'u.r(R.IIR)');
  },
);

uartCase(
  '7.3-2',
  'the line is high exactly while IIR ≠ 0x01 (RDI masks RDA; OUT2 does not gate the line)',
  sheet('§7.3', 'the line is high exactly while IIR ≠ 0x01 (RDI masks RDA; OUT2 does not gate the line)'),
  () => {
    const u = makeUartRig();
    u.w(R.MCR, 0x00); // OUT2 off: QEMU still drives the line
    u.backend.inject([0x55]);
    expectEqual(u.line(), false, 'u.line()');
    expectEqual(u.device.state().iir, 0x01, 'u.device.state().iir');
    u.w(R.IER, 0x01);
    expectEqual(u.line(), true, 'u.line()');
    expectEqual(u.device.state().iir, 0x04, 'u.device.state().iir');
    u.w(R.IER, 0x00);
    expectEqual(u.line(), false, 'u.line()');
    expectDeepEqual(u.lines.since(0), ['raise', 'lower'], 'u.lines.since(0)');
  },
);

// §7.4 THRE interrupt rules — serial.c serial_ioport_write (IER, 2017+) and serial_xmit
uartCase(
  '7.4',
  'THRI 0→1 with THR empty raises THRE at once; an IIR read reporting it consumes it',
  sheet('§7.4', 'THRI 0→1 with THR empty raises THRE at once; an IIR read reporting it consumes it'),
  () => {
    const u = makeUartRig();
    u.w(R.IER, 0x02);
    expectDeepEqual(u.lines.since(0), ['raise'], 'u.lines.since(0)');
    expectEqual(u.r(R.LSR), 0x60, 'u.r(R.LSR)'); // an LSR read does not consume THRE
    expectEqual(u.line(), true, 'u.line()');
    expectEqual(u.r(R.IIR), 0x02, 'u.r(R.IIR)');
    expectEqual(u.line(), false, 'u.line()');
    expectEqual(u.r(R.IIR), 0x01, 'u.r(R.IIR)');
  },
);

uartCase(
  '7.4-2',
  're-writing the same IER value does not re-arm; clearing and setting THRI does',
  sheet('§7.4', 're-writing the same IER value does not re-arm; clearing and setting THRI does'),
  () => {
    const u = makeUartRig();
    u.w(R.IER, 0x02);
    u.r(R.IIR);
    const mark = u.lines.events.length;
    u.w(R.IER, 0x02);
    expectEqual(u.line(), false, 'u.line()');
    u.w(R.IER, 0x03); // THRI unchanged: still no THRE
    expectEqual(u.r(R.IIR), 0x01, 'u.r(R.IIR)');
    u.w(R.IER, 0x01);
    u.w(R.IER, 0x03);
    expectDeepEqual(u.lines.since(mark), ['raise'], 'u.lines.since(mark)');
    expectEqual(u.r(R.IIR), 0x02, 'u.r(R.IIR)');
  },
);

uartCase(
  '7.4-3',
  'a THR write drops THRE-pending, sends synchronously, and THRE is back (a new edge) when the out returns',
  sheet(
    '§7.4',
    'a THR write drops THRE-pending, sends synchronously, and THRE is back (a new edge) when the out returns',
  ),
  () => {
    const u = makeUartRig();
    u.w(R.IER, 0x02);
    const mark = u.lines.events.length;
    u.w(R.THR, 0x68);
    expectDeepEqual(u.backend.output, [0x68], 'u.backend.output');
    expectDeepEqual(u.lines.since(mark), ['lower', 'raise'], 'u.lines.since(mark)');
    expectEqual(u.r(R.LSR), 0x60, 'u.r(R.LSR)');
    expectEqual(u.r(R.IIR), 0x02, 'u.r(R.IIR)');
  },
);

uartCase(
  '7.4-4',
  'TX FIFO reset sets THRE-pending (raised with THRI on); IER.THRI off drops it',
  sheet('§7.4', 'TX FIFO reset sets THRE-pending (raised with THRI on); IER.THRI off drops it'),
  () => {
    const u = makeUartRig();
    u.w(R.IER, 0x02);
    u.r(R.IIR);
    u.w(R.FCR, 0x05); // FE toggles on: both FIFOs reset
    expectEqual(u.r(R.IIR), 0xc2, 'u.r(R.IIR)');
    u.w(R.FCR, 0x05); // XFR again: re-pends THRE
    expectEqual(u.line(), true, 'u.line()');
    u.w(R.IER, 0x00);
    expectEqual(u.line(), false, 'u.line()');
  },
);

// §7.5 FIFO triggers, timeout, overrun, LSR read — serial.c serial_receive1, fifo_timeout_int; PC16550D
for (const trigger of RX_TRIGGER_LEVELS) {
  uartCase(
    `7.5-trigger-${trigger}`,
    `trigger ${trigger}: RDA only once the FIFO holds the trigger level`,
    sheet('§7.5', 'the RDA interrupt is raised only once the RX FIFO holds the trigger level'),
    () => {
      const u = makeUartRig();
      u.w(R.FCR, 0x01 | (RX_TRIGGER_LEVELS.indexOf(trigger) << 6));
      u.w(R.IER, 0x01);
      u.backend.inject(Array.from({ length: trigger - 1 }, (_, i) => 0x61 + i));
      expectEqual(u.r(R.IIR) & 0x0f, 0x01, 'u.r(R.IIR) & 0x0f');
      expectEqual(u.line(), false, 'u.line()');
      u.backend.inject([0x7a]);
      expectEqual(u.r(R.IIR), 0xc4, 'u.r(R.IIR)');
      expectEqual(u.line(), true, 'u.line()');
    },
  );
}

uartCase(
  '7.5',
  'QEMU observations: 3 bytes at trigger 14 → IIR 0xC1; 4 at trigger 4 → 0xC4',
  sheet('§7.5', 'QEMU observations: 3 bytes at trigger 14 → IIR 0xC1; 4 at trigger 4 → 0xC4', 'SHOULD'),
  () => {
    const a = makeUartRig();
    a.w(R.FCR, 0xc1);
    a.w(R.IER, 0x01);
    a.backend.inject([1, 2, 3]);
    expectEqual(a.r(R.IIR), 0xc1, 'a.r(R.IIR)');
    const b = makeUartRig();
    b.w(R.FCR, 0x41);
    b.w(R.IER, 0x01);
    b.backend.inject([1, 2, 3, 4]);
    expectEqual(b.r(R.IIR), 0xc4, 'b.r(R.IIR)');
  },
);

uartCase(
  '7.5-2',
  'timeout 0xCC after exactly 4 character times of silence; an RBR read clears it and re-arms while data is left',
  sheet(
    '§7.5',
    'timeout 0xCC after exactly 4 character times of silence; an RBR read clears it and re-arms while data is left',
  ),
  () => {
    const u = makeUartRig();
    u.w(R.FCR, 0xc1);
    u.w(R.IER, 0x01);
    u.backend.inject([0x31, 0x32]);
    u.clock.advance(4 * RESET_CHAR_NS - 1);
    expectEqual(u.r(R.IIR), 0xc1, 'u.r(R.IIR)');
    u.clock.advance(1);
    expectEqual(u.r(R.IIR), 0xcc, 'u.r(R.IIR)');
    expectEqual(u.line(), true, 'u.line()');
    expectEqual(u.r(R.RBR), 0x31, 'u.r(R.RBR)');
    expectEqual(u.r(R.IIR), 0xc1, 'u.r(R.IIR)');
    expectEqual(u.line(), false, 'u.line()');
    u.clock.advance(4 * RESET_CHAR_NS);
    expectEqual(u.r(R.IIR), 0xcc, 'u.r(R.IIR)');
    expectEqual(u.r(R.RBR), 0x32, 'u.r(R.RBR)');
    // Empty FIFO: the timer is cancelled, nothing fires any more.
    expectEqual(u.device.state().timeoutArmed, false, 'u.device.state().timeoutArmed');
    u.clock.advance(100 * RESET_CHAR_NS);
    expectEqual(u.r(R.IIR), 0xc1, 'u.r(R.IIR)');
    expectEqual(u.device.stats.rxTimeouts, 2, 'u.device.stats.rxTimeouts');
  },
);

uartCase(
  '7.5-3',
  'each byte received re-arms the timeout; the character time follows divisor and LCR',
  sheet('§7.5', 'each byte received re-arms the timeout; the character time follows divisor and LCR'),
  () => {
    const u = makeUartRig();
    u.w(R.LCR, 0x80);
    u.w(R.DLL, 0x01);
    u.w(R.LCR, 0x1e); // 7 data bits, even parity, 2 stop: 11-bit frame
    const charNs = 8680 * 11;
    expectEqual(u.device.state().characterTimeNs, charNs, 'u.device.state().characterTimeNs');
    u.w(R.FCR, 0xc1);
    u.w(R.IER, 0x01);
    u.backend.inject([1]);
    u.clock.advance(3 * charNs);
    u.backend.inject([2]);
    u.clock.advance(3 * charNs);
    expectEqual(u.r(R.IIR), 0xc1, 'u.r(R.IIR)');
    u.clock.advance(charNs);
    expectEqual(u.r(R.IIR), 0xcc, 'u.r(R.IIR)');
  },
);

uartCase(
  '7.5-4',
  'FIFO on: a 17th byte is dropped with OE, the FIFO keeps the first 16; LSR read clears OE (0x63 → 0x61)',
  sheet(
    '§7.5',
    'FIFO on: a 17th byte is dropped with OE, the FIFO keeps the first 16; LSR read clears OE (0x63 → 0x61)',
  ),
  () => {
    const u = makeUartRig();
    u.w(R.FCR, 0xc1);
    u.backend.force(Array.from({ length: 17 }, (_, i) => i));
    expectEqual(u.device.state().rxCount, 16, 'u.device.state().rxCount');
    expectEqual(u.r(R.LSR), 0x63, 'u.r(R.LSR)');
    expectEqual(u.r(R.LSR), 0x61, 'u.r(R.LSR)');
    const got = Array.from({ length: 16 }, () => u.r(R.RBR));
    expectDeepEqual(
      got,
      Array.from({ length: 16 }, (_, i) => i),
      'got',
    );
    expectEqual(u.r(R.LSR), 0x60, 'u.r(R.LSR)');
    expectEqual(u.r(R.RBR), 0, 'u.r(R.RBR)'); // empty FIFO reads 0
    expectEqual(u.device.stats.rxOverruns, 1, 'u.device.stats.rxOverruns');
  },
);

uartCase(
  '7.5-5',
  'FIFO off: a second byte overwrites RBR and sets OE; RBR keeps the last byte once read',
  sheet('§7.5', 'FIFO off: a second byte overwrites RBR and sets OE; RBR keeps the last byte once read'),
  () => {
    const u = makeUartRig();
    u.backend.force([0x41]);
    u.backend.force([0x42]);
    expectEqual(u.r(R.LSR), 0x63, 'u.r(R.LSR)');
    expectEqual(u.r(R.RBR), 0x42, 'u.r(R.RBR)');
    expectEqual(u.r(R.LSR), 0x60, 'u.r(R.LSR)');
    expectEqual(u.r(R.RBR), 0x42, 'u.r(R.RBR)');
  },
);

uartCase(
  '7.5-6',
  'RLS interrupt on OE with RLSI, retired by the LSR read',
  sheet('§7.5', 'RLS interrupt on OE with RLSI, retired by the LSR read'),
  () => {
    const u = makeUartRig();
    u.w(R.IER, 0x04);
    u.backend.force([1]);
    expectEqual(u.line(), false, 'u.line()');
    u.backend.force([2]);
    expectEqual(u.r(R.IIR), 0x06, 'u.r(R.IIR)');
    expectEqual(u.line(), true, 'u.line()');
    u.r(R.LSR);
    expectEqual(u.line(), false, 'u.line()');
  },
);

uartCase(
  '7.5-7',
  'a break reads as 0x00 with BI|DR; the LSR read clears BI, the RBR read DR',
  sheet('§7.5', 'a break reads as 0x00 with BI|DR; the LSR read clears BI, the RBR read DR'),
  () => {
    const u = makeUartRig();
    u.w(R.FCR, 0x01);
    u.device.receiveBreak();
    expectEqual(u.r(R.LSR), 0x71, 'u.r(R.LSR)');
    expectEqual(u.r(R.LSR), 0x61, 'u.r(R.LSR)');
    expectEqual(u.r(R.RBR), 0x00, 'u.r(R.RBR)');
    expectEqual(u.r(R.LSR), 0x60, 'u.r(R.LSR)');
  },
);

uartCase(
  '7.5-8',
  'RX FIFO reset clears DR, BI and a pending timeout',
  sheet('§7.5', 'RX FIFO reset clears DR, BI and a pending timeout'),
  () => {
    const u = makeUartRig();
    u.w(R.FCR, 0xc1);
    u.w(R.IER, 0x01);
    u.backend.inject([1, 2]);
    u.device.receiveBreak();
    u.clock.advance(4 * RESET_CHAR_NS);
    expectEqual(u.r(R.IIR), 0xcc, 'u.r(R.IIR)');
    u.w(R.FCR, 0xc3);
    expectDeepEqual([u.r(R.IIR), u.r(R.LSR)], [0xc1, 0x60], '[u.r(R.IIR), u.r(R.LSR)]');
    expectFields(u.device.state(), { rxCount: 0, timeoutIPending: false, timeoutArmed: false }, 'u.device.state()');
  },
);

uartCase(
  '7.5-9',
  'backpressure (serial.c serial_can_receive): trigger − count up to the trigger, then 1, 0 when full; FIFO off 1 iff DR clear',
  sheet(
    '§7.5',
    'backpressure (serial.c serial_can_receive): trigger − count up to the trigger, then 1, 0 when full; FIFO off 1 iff DR clear',
  ),
  () => {
    const u = makeUartRig();
    expectEqual(u.device.room(), 1, 'u.device.room()');
    u.backend.force([1]);
    expectEqual(u.device.room(), 0, 'u.device.room()');
    u.w(R.FCR, 0x81); // FIFO on, trigger 8
    expectEqual(u.device.room(), 8, 'u.device.room()');
    u.backend.force([1, 2, 3]);
    expectEqual(u.device.room(), 5, 'u.device.room()');
    u.backend.force([4, 5, 6, 7, 8]);
    expectEqual(u.device.room(), 0, 'u.device.room()');
    u.backend.force([9]);
    expectEqual(u.device.room(), 1, 'u.device.room()');
    u.backend.force([10, 11, 12, 13, 14, 15, 16]);
    expectEqual(u.device.room(), 0, 'u.device.room()');
  },
);

uartCase(
  '7.5-10',
  'input beyond room is held by the backend and flows as the guest reads (rxReady after a refusal)',
  sheet('§7.5', 'input beyond room is held by the backend and flows as the guest reads (rxReady after a refusal)'),
  () => {
    const u = makeUartRig();
    u.w(R.FCR, 0x41); // trigger 4
    u.backend.inject(ascii('hello, world'));
    expectEqual(u.device.state().rxCount, 4, 'u.device.state().rxCount');
    expectEqual(u.backend.pending, 8, 'u.backend.pending');
    const got: number[] = [];
    while (u.r(R.LSR) & 0x01) got.push(u.r(R.RBR));
    expectEqual(String.fromCharCode(...got), 'hello, world', 'String.fromCharCode(...got)');
    expectEqual(u.backend.pending, 0, 'u.backend.pending');
    expectAbove(u.backend.rxReadyCalls, 0, 'u.backend.rxReadyCalls');
  },
);

// §7.6 loopback — serial.c serial_xmit (MCR.LOOP) and the MSR read
uartCase(
  '7.6',
  'oracle: LCR=3, MCR=0x10, THR=0x41 → LSR 0x61, RBR 0x41, nothing reaches the backend',
  sheet('§7.6', 'oracle: LCR=3, MCR=0x10, THR=0x41 → LSR 0x61, RBR 0x41, nothing reaches the backend', 'SHOULD'),
  () => {
    const u = makeUartRig();
    u.w(R.LCR, 0x03);
    u.w(R.MCR, 0x10);
    u.w(R.THR, 0x41);
    expectEqual(u.r(R.LSR), 0x61, 'u.r(R.LSR)');
    expectEqual(u.r(R.RBR), 0x41, 'u.r(R.RBR)');
    expectDeepEqual(u.backend.output, [], 'u.backend.output');
    expectEqual(u.device.stats.bytesLoopedBack, 1, 'u.device.stats.bytesLoopedBack');
  },
);

for (const { mcr, msr, name } of [
  { mcr: 0x1f, msr: 0xf0, name: 'all' },
  { mcr: 0x18, msr: 0x80, name: 'OUT2→DCD' },
  { mcr: 0x14, msr: 0x40, name: 'OUT1→RI' },
  { mcr: 0x12, msr: 0x10, name: 'RTS→CTS' },
  { mcr: 0x11, msr: 0x20, name: 'DTR→DSR' },
  { mcr: 0x10, msr: 0x00, name: 'none' },
]) {
  uartCase(
    `7.6-modem-${name}`,
    `modem outputs wired to inputs (${name}), no delta bits`,
    sheet('§7.6', 'in loopback the modem outputs read back on the MSR inputs without delta bits'),
    () => {
      const u = makeUartRig();
      u.w(R.MCR, mcr);
      expectEqual(u.r(R.MSR), msr, 'u.r(R.MSR)');
      expectEqual(u.r(R.MSR), msr, 'u.r(R.MSR)');
    },
  );
}

uartCase(
  '7.6-2',
  'leaving loopback restores the backend MSR and sends to the backend again',
  sheet('§7.6', 'leaving loopback restores the backend MSR and sends to the backend again'),
  () => {
    const u = makeUartRig();
    u.w(R.MCR, 0x1f);
    u.w(R.THR, 0x21);
    u.w(R.MCR, 0x0b);
    u.w(R.THR, 0x22);
    expectEqual(u.r(R.MSR), 0xb0, 'u.r(R.MSR)');
    expectDeepEqual(u.backend.output, [0x22], 'u.backend.output');
  },
);

// §7.7 divisor 0 / above the baud base — CVE-2016-8669 fix in serial_update_parameters
uartCase(
  '7.7',
  'divisor 0: no fault, the latch reads back 0 and the old speed is kept',
  sheet('§7.7', 'divisor 0: no fault, the latch reads back 0 and the old speed is kept'),
  () => {
    const u = makeUartRig();
    u.w(R.LCR, 0x83);
    u.w(R.DLL, 0x00);
    u.w(R.DLM, 0x00);
    u.w(R.LCR, 0x03);
    u.w(R.LCR, 0x83);
    expectDeepEqual([u.r(R.DLL), u.r(R.DLM)], [0, 0], '[u.r(R.DLL), u.r(R.DLM)]');
    expectEqual(u.device.state().characterTimeNs, RESET_CHAR_NS, 'u.device.state().characterTimeNs');
    expectAtLeast(u.device.stats.divisorIgnored, 2, 'u.device.stats.divisorIgnored');
    // The timeout still runs at the kept speed.
    u.w(R.LCR, 0x03);
    u.w(R.FCR, 0xc1);
    u.w(R.IER, 0x01);
    u.backend.inject([1]);
    u.clock.advance(4 * RESET_CHAR_NS);
    expectEqual(u.r(R.IIR), 0xcc, 'u.r(R.IIR)');
  },
);

uartCase(
  '7.7-2',
  'a divisor above the baud base is ignored (a slow reference clock makes 16 bits enough to exceed it)',
  sheet('§7.7', 'a divisor above the baud base is ignored (a slow reference clock makes 16 bits enough to exceed it)'),
  () => {
    const backend = new ScriptedConsoleBackend();
    const device = new Uart16550Device(new LineLog(), new ManualScheduler(), backend, { baudBase: 1000 });
    device.write(R.LCR, 1, 0x83);
    device.write(R.DLL, 1, 0x0a); // 1000 / 10 = 100 baud
    const kept = device.state().characterTimeNs;
    expectEqual(kept, 10_000_000 * 10, 'kept');
    device.write(R.DLM, 1, 0x10); // 0x100A = 4106 > 1000
    expectEqual(device.state().characterTimeNs, kept, 'device.state().characterTimeNs');
    expectEqual(characterTimeNs(4106, 0x03, 1000), undefined, 'characterTimeNs(4106, 0x03, 1000)');
  },
);

export const EMULATED_UART_CASES: readonly ConformanceCase[] = cases;
