/**
 * Where our 16550A (models/emulated/uart) deliberately answers differently from QEMU 7.2's
 * `isa-serial` (hw/char/serial.c), and why. Everything else — every register value read and every
 * IRQ 4 transition — must match QEMU; the differential test (test/peers/qemu/emulated-uart.test.ts)
 * fails on any difference at a step not tagged with one of these ids, and on a tagged step that no
 * longer differs. QEMU implementation choices we *copy* (synchronous transmit, THRE re-pended at
 * once, OUT2 not gating the line, PE/FE never set, FIFO-reset THRE-pending, backpressure formula,
 * external input accepted in loopback) are not listed: they match.
 */
export interface UartDivergence {
  readonly id: string;
  /** The register or behaviour concerned. */
  readonly behaviour: string;
  readonly qemu: string;
  readonly ours: string;
  readonly reason: string;
}

export const uartDivergences: readonly UartDivergence[] = [
  {
    id: 'window-straddle',
    behaviour: 'a 16/32-bit access that starts inside the 8-port window and ends past it (e.g. inw 0x3FF)',
    qemu: 'the memory core splits it: SCR at 0x3FF, the rest from whatever decodes 0x400 (0xFF when nothing does)',
    ours: 'the platform bus dispatches an access only when it fits one mapping: all-ones, no device side effect',
    reason:
      'models/platform/bus.ts RangeTable.find routes whole accesses to one mapping; splitting across devices is a bus property, not a UART one. No driver does this.',
  },
  {
    id: 'tx-backend-refusal',
    behaviour: 'LSR.TEMT and the THR path when the host side cannot take a byte (serial_xmit tsr_retry)',
    qemu: 'a chardev write that fails (EAGAIN) leaves TEMT clear and retries up to 4 times from a watch callback; THR bytes written meanwhile wait in the TX FIFO',
    ours: 'ConsoleBackend.write cannot refuse: every byte is handed over within its THR write and LSR reads 0x60 afterwards',
    reason:
      'the reference console backend takes all output (DESIGN §5; backend-api.ts ConsoleBackend has no output backpressure). Not reachable in the differential: the pipe chardev is drained after every step.',
  },
  {
    id: 'modem-lines',
    behaviour: 'MSR outside loopback, and the modem-status interrupt',
    qemu: 'with a tty-backed chardev, CTS/DSR/DCD/RI follow TIOCM (polled every 10 ms while IER.MSI), with delta bits and IIR 0x00',
    ours: 'MSR stays 0xB0 (DCD|DSR|CTS) without deltas — as QEMU with its null, socket and pipe chardevs',
    reason:
      'the ConsoleBackend has no modem lines. Not reachable in the differential, which runs QEMU over a pipe chardev, where both read 0xB0.',
  },
];

export function uartDivergence(id: string): UartDivergence | undefined {
  return uartDivergences.find((d) => d.id === id);
}
