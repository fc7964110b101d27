/**
 * 16550A device-model conformance: specs/trap-emulate.md §7 items 1–7 and the §2 rules they rest
 * on, each case naming the QEMU hw/char/serial.c function whose behaviour it checks. The device is
 * driven register by register through the mock guest/backend of test/unit/emulated-uart/uart-rig.ts.
 */
import { describe, expect, it } from 'vitest';
import { Uart16550Device } from '../../models/emulated/uart/device.js';
import { characterTimeNs, RX_TRIGGER_LEVELS, UartReset } from '../../models/emulated/uart/registers.js';
import { ManualScheduler } from '../support/manual-scheduler.js';
import { ascii, LineLog, makeUartRig, R, ScriptedConsoleBackend } from '../unit/emulated-uart/uart-rig.js';

/** 9600 baud 8N1: QEMU's reset character time, (10^9 / 9600) × 10 with integer division. */
const RESET_CHAR_NS = 1_041_660;
const FCR_FIFO_ON = 0x07;

describe('§7.1 reset values — serial.c serial_reset', () => {
  it('IIR 0x01, LSR 0x60, MSR 0xB0, MCR 0x08, IER/LCR/SCR/RBR 0, line low', () => {
    const u = makeUartRig();
    expect([u.r(R.RBR), u.r(R.IER), u.r(R.IIR), u.r(R.LCR), u.r(R.MCR), u.r(R.LSR), u.r(R.MSR), u.r(R.SCR)]).toEqual([
      0x00, 0x00, 0x01, 0x00, 0x08, 0x60, 0xb0, 0x00,
    ]);
    expect(u.line()).toBe(false);
    expect(u.lines.events).toEqual([]);
  });

  it('DLL/DLM 0x0C/0x00 (9600 baud) with a 10-bit frame time', () => {
    const u = makeUartRig();
    expect(u.device.state().characterTimeNs).toBe(RESET_CHAR_NS);
    u.w(R.LCR, 0x83);
    expect([u.r(R.DLL), u.r(R.DLM)]).toEqual([0x0c, 0x00]);
    expect(u.device.state().characterTimeNs).toBe(RESET_CHAR_NS);
    u.w(R.LCR, 0x80); // 5-bit words: a 7-bit frame at the same speed
    expect(u.device.state().characterTimeNs).toBe((RESET_CHAR_NS / 10) * 7);
    expect(characterTimeNs(UartReset.DIVISOR, 0x03)).toBe(RESET_CHAR_NS);
  });

  it('reset() restores power-on state and lowers a raised line', () => {
    const u = makeUartRig();
    u.w(R.IER, 0x02);
    u.w(R.SCR, 0x5a);
    u.w(R.FCR, 0xc7);
    expect(u.line()).toBe(true);
    u.device.reset();
    expect(u.line()).toBe(false);
    expect([u.r(R.IER), u.r(R.IIR), u.r(R.LSR), u.r(R.SCR), u.r(R.MCR)]).toEqual([0, 0x01, 0x60, 0, 0x08]);
  });
});

describe('§7.2 DLAB aliasing and register masks — serial.c serial_ioport_read/write', () => {
  it('with DLAB=1, +0/+1 are DLL/DLM: no byte is sent and IER is untouched; IIR, LCR, LSR stay visible', () => {
    const u = makeUartRig();
    u.w(R.IER, 0x05);
    u.w(R.LCR, 0x83);
    u.w(R.DLL, 0x01);
    u.w(R.DLM, 0x02);
    expect([u.r(R.DLL), u.r(R.DLM), u.r(R.IIR), u.r(R.LCR), u.r(R.LSR)]).toEqual([0x01, 0x02, 0x01, 0x83, 0x60]);
    expect(u.backend.output).toEqual([]);
    u.w(R.LCR, 0x03);
    expect([u.r(R.IER), u.device.state().divisor]).toEqual([0x05, 0x0201]);
  });

  it('IER keeps bits 0–3, MCR bits 0–4; LSR and MSR ignore writes; SCR holds any byte', () => {
    const u = makeUartRig();
    u.w(R.IER, 0xf0);
    expect(u.r(R.IER)).toBe(0x00);
    u.w(R.MCR, 0xff);
    expect(u.r(R.MCR)).toBe(0x1f);
    u.w(R.MCR, 0x08);
    u.w(R.LSR, 0x00);
    u.w(R.MSR, 0x0f);
    expect([u.r(R.LSR), u.r(R.MSR)]).toEqual([0x60, 0xb0]);
    u.w(R.SCR, 0xa5);
    expect(u.r(R.SCR)).toBe(0xa5);
  });

  it('FCR keeps bits 0xC9 only; IIR bits 6–7 read 0xC0 iff FIFO enable', () => {
    const u = makeUartRig();
    u.w(R.FCR, 0xff);
    expect(u.device.state().fcr).toBe(0xc9);
    expect(u.r(R.IIR)).toBe(0xc1);
    u.w(R.FCR, 0xc8);
    expect(u.device.state().fcr).toBe(0xc8);
    expect(u.r(R.IIR)).toBe(0x01);
  });

  it('a 16-bit read is split into bytes with every side effect: inw +0 pops RBR and reads IER', () => {
    const u = makeUartRig();
    u.w(R.IER, 0x01);
    u.backend.inject([0x41]);
    expect(u.device.read(R.RBR, 2)).toBe(0x0141);
    expect(u.r(R.LSR) & 0x01).toBe(0);
    // A 16-bit write with DLAB=1 loads both divisor latches.
    u.w(R.LCR, 0x80);
    u.device.write(R.DLL, 2, 0x0306);
    expect([u.r(R.DLL), u.r(R.DLM)]).toEqual([0x06, 0x03]);
  });

  it('reads of IER, LCR, MCR and SCR have no side effect', () => {
    const u = makeUartRig();
    u.w(R.IER, 0x02);
    const before = u.device.state();
    for (let i = 0; i < 3; i++) for (const reg of [R.IER, R.LCR, R.MCR, R.SCR]) u.r(reg);
    expect(u.device.state()).toEqual(before);
  });
});

describe('§7.3 IIR priority with simultaneous sources — serial.c serial_update_irq', () => {
  it('RLS > timeout > RDA > THRE, each retired in turn; the line stays high until IIR reads 0x01', () => {
    const u = makeUartRig();
    u.w(R.FCR, FCR_FIFO_ON); // trigger 1
    u.w(R.MCR, 0x10); // loopback: THR feeds the receiver
    u.w(R.IER, 0x0f);
    for (const b of ascii('0123456789abcdefX')) u.w(R.THR, b); // 17 bytes: the 17th overruns
    expect(u.device.state().rxCount).toBe(16);
    expect(u.r(R.IIR)).toBe(0xc6); // RLS: OE
    expect(u.r(R.LSR)).toBe(0x63); // OE cleared by the read
    expect(u.r(R.IIR)).toBe(0xc4); // RDA
    u.clock.advance(4 * RESET_CHAR_NS);
    expect(u.r(R.IIR)).toBe(0xcc); // timeout outranks RDA
    expect(u.r(R.RBR)).toBe(0x30);
    expect(u.r(R.IIR)).toBe(0xc4); // the RBR read cleared the timeout
    for (let i = 0; i < 15; i++) u.r(R.RBR);
    expect(u.line()).toBe(true);
    expect(u.r(R.IIR)).toBe(0xc2); // THRE, consumed by this read
    expect(u.line()).toBe(false);
    expect(u.r(R.IIR)).toBe(0xc1);
  });

  it('the line is high exactly while IIR ≠ 0x01 (RDI masks RDA; OUT2 does not gate the line)', () => {
    const u = makeUartRig();
    u.w(R.MCR, 0x00); // OUT2 off: QEMU still drives the line
    u.backend.inject([0x55]);
    expect(u.line()).toBe(false);
    expect(u.device.state().iir).toBe(0x01);
    u.w(R.IER, 0x01);
    expect(u.line()).toBe(true);
    expect(u.device.state().iir).toBe(0x04);
    u.w(R.IER, 0x00);
    expect(u.line()).toBe(false);
    expect(u.lines.since(0)).toEqual(['raise', 'lower']);
  });
});

describe('§7.4 THRE interrupt rules — serial.c serial_ioport_write (IER, 2017+) and serial_xmit', () => {
  it('THRI 0→1 with THR empty raises THRE at once; an IIR read reporting it consumes it', () => {
    const u = makeUartRig();
    u.w(R.IER, 0x02);
    expect(u.lines.since(0)).toEqual(['raise']);
    expect(u.r(R.LSR)).toBe(0x60); // an LSR read does not consume THRE
    expect(u.line()).toBe(true);
    expect(u.r(R.IIR)).toBe(0x02);
    expect(u.line()).toBe(false);
    expect(u.r(R.IIR)).toBe(0x01);
  });

  it('re-writing the same IER value does not re-arm; clearing and setting THRI does', () => {
    const u = makeUartRig();
    u.w(R.IER, 0x02);
    u.r(R.IIR);
    const mark = u.lines.events.length;
    u.w(R.IER, 0x02);
    expect(u.line()).toBe(false);
    u.w(R.IER, 0x03); // THRI unchanged: still no THRE
    expect(u.r(R.IIR)).toBe(0x01);
    u.w(R.IER, 0x01);
    u.w(R.IER, 0x03);
    expect(u.lines.since(mark)).toEqual(['raise']);
    expect(u.r(R.IIR)).toBe(0x02);
  });

  it('a THR write drops THRE-pending, sends synchronously, and THRE is back (a new edge) when the out returns', () => {
    const u = makeUartRig();
    u.w(R.IER, 0x02);
    const mark = u.lines.events.length;
    u.w(R.THR, 0x68);
    expect(u.backend.output).toEqual([0x68]);
    expect(u.lines.since(mark)).toEqual(['lower', 'raise']);
    expect(u.r(R.LSR)).toBe(0x60);
    expect(u.r(R.IIR)).toBe(0x02);
  });

  it('TX FIFO reset sets THRE-pending (raised with THRI on); IER.THRI off drops it', () => {
    const u = makeUartRig();
    u.w(R.IER, 0x02);
    u.r(R.IIR);
    u.w(R.FCR, 0x05); // FE toggles on: both FIFOs reset
    expect(u.r(R.IIR)).toBe(0xc2);
    u.w(R.FCR, 0x05); // XFR again: re-pends THRE
    expect(u.line()).toBe(true);
    u.w(R.IER, 0x00);
    expect(u.line()).toBe(false);
  });
});

describe('§7.5 FIFO triggers, timeout, overrun, LSR read — serial.c serial_receive1, fifo_timeout_int; PC16550D', () => {
  it.each(RX_TRIGGER_LEVELS)('trigger %i: RDA only once the FIFO holds the trigger level', (trigger) => {
    const u = makeUartRig();
    u.w(R.FCR, 0x01 | (RX_TRIGGER_LEVELS.indexOf(trigger) << 6));
    u.w(R.IER, 0x01);
    u.backend.inject(Array.from({ length: trigger - 1 }, (_, i) => 0x61 + i));
    expect(u.r(R.IIR) & 0x0f).toBe(0x01);
    expect(u.line()).toBe(false);
    u.backend.inject([0x7a]);
    expect(u.r(R.IIR)).toBe(0xc4);
    expect(u.line()).toBe(true);
  });

  it('QEMU observations: 3 bytes at trigger 14 → IIR 0xC1; 4 at trigger 4 → 0xC4', () => {
    const a = makeUartRig();
    a.w(R.FCR, 0xc1);
    a.w(R.IER, 0x01);
    a.backend.inject([1, 2, 3]);
    expect(a.r(R.IIR)).toBe(0xc1);
    const b = makeUartRig();
    b.w(R.FCR, 0x41);
    b.w(R.IER, 0x01);
    b.backend.inject([1, 2, 3, 4]);
    expect(b.r(R.IIR)).toBe(0xc4);
  });

  it('timeout 0xCC after exactly 4 character times of silence; an RBR read clears it and re-arms while data is left', () => {
    const u = makeUartRig();
    u.w(R.FCR, 0xc1);
    u.w(R.IER, 0x01);
    u.backend.inject([0x31, 0x32]);
    u.clock.advance(4 * RESET_CHAR_NS - 1);
    expect(u.r(R.IIR)).toBe(0xc1);
    u.clock.advance(1);
    expect(u.r(R.IIR)).toBe(0xcc);
    expect(u.line()).toBe(true);
    expect(u.r(R.RBR)).toBe(0x31);
    expect(u.r(R.IIR)).toBe(0xc1);
    expect(u.line()).toBe(false);
    u.clock.advance(4 * RESET_CHAR_NS);
    expect(u.r(R.IIR)).toBe(0xcc);
    expect(u.r(R.RBR)).toBe(0x32);
    // Empty FIFO: the timer is cancelled, nothing fires any more.
    expect(u.device.state().timeoutArmed).toBe(false);
    u.clock.advance(100 * RESET_CHAR_NS);
    expect(u.r(R.IIR)).toBe(0xc1);
    expect(u.device.stats.rxTimeouts).toBe(2);
  });

  it('each byte received re-arms the timeout; the character time follows divisor and LCR', () => {
    const u = makeUartRig();
    u.w(R.LCR, 0x80);
    u.w(R.DLL, 0x01);
    u.w(R.LCR, 0x1e); // 7 data bits, even parity, 2 stop: 11-bit frame
    const charNs = 8680 * 11;
    expect(u.device.state().characterTimeNs).toBe(charNs);
    u.w(R.FCR, 0xc1);
    u.w(R.IER, 0x01);
    u.backend.inject([1]);
    u.clock.advance(3 * charNs);
    u.backend.inject([2]);
    u.clock.advance(3 * charNs);
    expect(u.r(R.IIR)).toBe(0xc1);
    u.clock.advance(charNs);
    expect(u.r(R.IIR)).toBe(0xcc);
  });

  it('FIFO on: a 17th byte is dropped with OE, the FIFO keeps the first 16; LSR read clears OE (0x63 → 0x61)', () => {
    const u = makeUartRig();
    u.w(R.FCR, 0xc1);
    u.backend.force(Array.from({ length: 17 }, (_, i) => i));
    expect(u.device.state().rxCount).toBe(16);
    expect(u.r(R.LSR)).toBe(0x63);
    expect(u.r(R.LSR)).toBe(0x61);
    const got = Array.from({ length: 16 }, () => u.r(R.RBR));
    expect(got).toEqual(Array.from({ length: 16 }, (_, i) => i));
    expect(u.r(R.LSR)).toBe(0x60);
    expect(u.r(R.RBR)).toBe(0); // empty FIFO reads 0
    expect(u.device.stats.rxOverruns).toBe(1);
  });

  it('FIFO off: a second byte overwrites RBR and sets OE; RBR keeps the last byte once read', () => {
    const u = makeUartRig();
    u.backend.force([0x41]);
    u.backend.force([0x42]);
    expect(u.r(R.LSR)).toBe(0x63);
    expect(u.r(R.RBR)).toBe(0x42);
    expect(u.r(R.LSR)).toBe(0x60);
    expect(u.r(R.RBR)).toBe(0x42);
  });

  it('RLS interrupt on OE with RLSI, retired by the LSR read', () => {
    const u = makeUartRig();
    u.w(R.IER, 0x04);
    u.backend.force([1]);
    expect(u.line()).toBe(false);
    u.backend.force([2]);
    expect(u.r(R.IIR)).toBe(0x06);
    expect(u.line()).toBe(true);
    u.r(R.LSR);
    expect(u.line()).toBe(false);
  });

  it('a break reads as 0x00 with BI|DR; the LSR read clears BI, the RBR read DR', () => {
    const u = makeUartRig();
    u.w(R.FCR, 0x01);
    u.device.receiveBreak();
    expect(u.r(R.LSR)).toBe(0x71);
    expect(u.r(R.LSR)).toBe(0x61);
    expect(u.r(R.RBR)).toBe(0x00);
    expect(u.r(R.LSR)).toBe(0x60);
  });

  it('RX FIFO reset clears DR, BI and a pending timeout', () => {
    const u = makeUartRig();
    u.w(R.FCR, 0xc1);
    u.w(R.IER, 0x01);
    u.backend.inject([1, 2]);
    u.device.receiveBreak();
    u.clock.advance(4 * RESET_CHAR_NS);
    expect(u.r(R.IIR)).toBe(0xcc);
    u.w(R.FCR, 0xc3);
    expect([u.r(R.IIR), u.r(R.LSR)]).toEqual([0xc1, 0x60]);
    expect(u.device.state()).toMatchObject({ rxCount: 0, timeoutIPending: false, timeoutArmed: false });
  });

  it('backpressure (serial.c serial_can_receive): trigger − count up to the trigger, then 1, 0 when full; FIFO off 1 iff DR clear', () => {
    const u = makeUartRig();
    expect(u.device.room()).toBe(1);
    u.backend.force([1]);
    expect(u.device.room()).toBe(0);
    u.w(R.FCR, 0x81); // FIFO on, trigger 8
    expect(u.device.room()).toBe(8);
    u.backend.force([1, 2, 3]);
    expect(u.device.room()).toBe(5);
    u.backend.force([4, 5, 6, 7, 8]);
    expect(u.device.room()).toBe(0);
    u.backend.force([9]);
    expect(u.device.room()).toBe(1);
    u.backend.force([10, 11, 12, 13, 14, 15, 16]);
    expect(u.device.room()).toBe(0);
  });

  it('input beyond room is held by the backend and flows as the guest reads (rxReady after a refusal)', () => {
    const u = makeUartRig();
    u.w(R.FCR, 0x41); // trigger 4
    u.backend.inject(ascii('hello, world'));
    expect(u.device.state().rxCount).toBe(4);
    expect(u.backend.pending).toBe(8);
    const got: number[] = [];
    while (u.r(R.LSR) & 0x01) got.push(u.r(R.RBR));
    expect(String.fromCharCode(...got)).toBe('hello, world');
    expect(u.backend.pending).toBe(0);
    expect(u.backend.rxReadyCalls).toBeGreaterThan(0);
  });
});

describe('§7.6 loopback — serial.c serial_xmit (MCR.LOOP) and the MSR read', () => {
  it('oracle: LCR=3, MCR=0x10, THR=0x41 → LSR 0x61, RBR 0x41, nothing reaches the backend', () => {
    const u = makeUartRig();
    u.w(R.LCR, 0x03);
    u.w(R.MCR, 0x10);
    u.w(R.THR, 0x41);
    expect(u.r(R.LSR)).toBe(0x61);
    expect(u.r(R.RBR)).toBe(0x41);
    expect(u.backend.output).toEqual([]);
    expect(u.device.stats.bytesLoopedBack).toBe(1);
  });

  it.each([
    { mcr: 0x1f, msr: 0xf0, name: 'all' },
    { mcr: 0x18, msr: 0x80, name: 'OUT2→DCD' },
    { mcr: 0x14, msr: 0x40, name: 'OUT1→RI' },
    { mcr: 0x12, msr: 0x10, name: 'RTS→CTS' },
    { mcr: 0x11, msr: 0x20, name: 'DTR→DSR' },
    { mcr: 0x10, msr: 0x00, name: 'none' },
  ])('modem outputs wired to inputs ($name), no delta bits', ({ mcr, msr }) => {
    const u = makeUartRig();
    u.w(R.MCR, mcr);
    expect(u.r(R.MSR)).toBe(msr);
    expect(u.r(R.MSR)).toBe(msr);
  });

  it('leaving loopback restores the backend MSR and sends to the backend again', () => {
    const u = makeUartRig();
    u.w(R.MCR, 0x1f);
    u.w(R.THR, 0x21);
    u.w(R.MCR, 0x0b);
    u.w(R.THR, 0x22);
    expect(u.r(R.MSR)).toBe(0xb0);
    expect(u.backend.output).toEqual([0x22]);
  });
});

describe('§7.7 divisor 0 / above the baud base — CVE-2016-8669 fix in serial_update_parameters', () => {
  it('divisor 0: no fault, the latch reads back 0 and the old speed is kept', () => {
    const u = makeUartRig();
    u.w(R.LCR, 0x83);
    u.w(R.DLL, 0x00);
    u.w(R.DLM, 0x00);
    u.w(R.LCR, 0x03);
    u.w(R.LCR, 0x83);
    expect([u.r(R.DLL), u.r(R.DLM)]).toEqual([0, 0]);
    expect(u.device.state().characterTimeNs).toBe(RESET_CHAR_NS);
    expect(u.device.stats.divisorIgnored).toBeGreaterThanOrEqual(2);
    // The timeout still runs at the kept speed.
    u.w(R.LCR, 0x03);
    u.w(R.FCR, 0xc1);
    u.w(R.IER, 0x01);
    u.backend.inject([1]);
    u.clock.advance(4 * RESET_CHAR_NS);
    expect(u.r(R.IIR)).toBe(0xcc);
  });

  it('a divisor above the baud base is ignored (a slow reference clock makes 16 bits enough to exceed it)', () => {
    const backend = new ScriptedConsoleBackend();
    const device = new Uart16550Device(new LineLog(), new ManualScheduler(), backend, { baudBase: 1000 });
    device.write(R.LCR, 1, 0x83);
    device.write(R.DLL, 1, 0x0a); // 1000 / 10 = 100 baud
    const kept = device.state().characterTimeNs;
    expect(kept).toBe(10_000_000 * 10);
    device.write(R.DLM, 1, 0x10); // 0x100A = 4106 > 1000
    expect(device.state().characterTimeNs).toBe(kept);
    expect(characterTimeNs(4106, 0x03, 1000)).toBeUndefined();
  });
});
