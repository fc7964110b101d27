/**
 * The NE2000 guest driver: the NetPort of models/platform/ports.ts over register accesses, in
 * the manner of Linux 8390.c / ne.c (specs/trap-emulate.md §4 "Driver sequences"). Every access
 * below is one exit; page 0 is selected whenever driver code is not running.
 *
 * - Transmit (15 + N/2 exits): remote write of the frame into the transmit buffer (RBCR, RSAR,
 *   CR = remote write, `rep outsw` — one exit per word), wait for RDC, ack it, TPSR/TBCR,
 *   CR = 0x26. QEMU sends inside that CR write; the PTX interrupt then hands the buffer back.
 *   Frames below 60 bytes go out zero-padded from a driver bounce buffer, as Linux pads to ETH_ZLEN.
 * - Receive (20 + ceil(N/1024) exits for one frame): the interrupt handler acks PRX, reads CURR
 *   (page 1) and drains the ring from BNRY+1: per frame a 4-byte header read, a body read by
 *   `rep insw` (≤ 1 KiB per exit), a BNRY update. PRX is acked *before* CURR is read, so a frame
 *   that lands during the drain raises PRX again and is never stranded.
 * - The handler loops until ISR reads 0 so the (edge-triggered) line is low when it returns.
 *   Sends issued from inside it (a receive callback answering) are started once it returns, as a
 *   kernel's transmit path runs after the hard interrupt.
 */
import type { GuestPlatform } from '../../platform/machine.js';
import type { NetPort, NetPortInfo } from '../../platform/ports.js';
import {
  Command,
  DriverLayout,
  DriverValues,
  initNe2000,
  Ne2000ProbeError,
  pollIsr,
  probeNe2000,
  remoteSetup,
} from './driver-init.js';
import {
  CardMemory,
  Frame,
  Isr,
  NE2000_ISA,
  Page0Read,
  Page0Write,
  Page1,
  Rsr,
  Tsr,
  WindowOffset,
} from './registers.js';

/** Linux 8390.c MAX_SERVICE: handler passes before it steps back and looks again later. */
const MAX_SERVICE = 12;
const MTU = 1500;
/** Receive buffer: a whole frame + 1 spare byte, page aligned so `rep insw` of ≤ 2 KiB never crosses a page. */
const RX_BUFFER_BYTES = 2048;

export interface Ne2000DriverOptions {
  readonly ioBase?: number;
  readonly irq?: number;
}

export interface Ne2000DriverStats {
  txFrames: number;
  /** Transmit completions whose TSR lacked PTX. */
  txErrors: number;
  /** Remote writes whose RDC never showed within COMPLETION_POLLS ISR reads. */
  txDmaTimeouts: number;
  rxFrames: number;
  /** Inconsistent ring headers: the ring was resynchronised to CURR (Linux "bogus packet"). */
  rxErrors: number;
  /** Frames received before a receive handler was installed. */
  rxUnclaimed: number;
  interrupts: number;
  /** Sends issued inside the interrupt handler, started after it. */
  deferredSends: number;
  /** Handler runs that hit MAX_SERVICE and scheduled another look. */
  serviceOverruns: number;
}

type TxState = 'idle' | 'queued' | 'in-flight';

export class Ne2000Driver implements NetPort {
  readonly info: NetPortInfo;
  readonly stats: Ne2000DriverStats = {
    txFrames: 0,
    txErrors: 0,
    txDmaTimeouts: 0,
    rxFrames: 0,
    rxErrors: 0,
    rxUnclaimed: 0,
    interrupts: 0,
    deferredSends: 0,
    serviceOverruns: 0,
  };
  private readonly base: number;
  private readonly dataPort: number;
  private readonly rxBuffer: number;
  private readonly rxHeader: number;
  private readonly txPad: number;
  /** Ring page the next unread frame starts at (BNRY + 1). */
  private nextPacket: number = DriverLayout.rxStartPage + 1;
  private receiveHandler: ((addr: number, len: number) => void) | undefined;
  private inInterrupt = false;
  private txState: TxState = 'idle';
  private txAddr = 0;
  private txLen = 0;
  private txDone: (() => void) | undefined;
  /** Bound once so scheduling allocates nothing. */
  readonly onInterrupt = (): void => this.service();
  private readonly startQueued = (): void => this.transmitQueued();

  /** Probe and initialise the card at `ioBase`, route its IRQ; throws Ne2000ProbeError. */
  static start(guest: GuestPlatform, options: Ne2000DriverOptions = {}): Ne2000Driver {
    const base = options.ioBase ?? NE2000_ISA.ioBase;
    const mac = probeNe2000(guest, base);
    const driver = new Ne2000Driver(guest, base, mac);
    // The handler is in place before IMR enables any source, so no edge is missed.
    guest.irq.onLine(options.irq ?? NE2000_ISA.irq, 'edge', driver.onInterrupt);
    initNe2000(guest.io, base, mac);
    return driver;
  }

  private constructor(
    private readonly guest: GuestPlatform,
    base: number,
    mac: Uint8Array,
  ) {
    this.base = base;
    this.dataPort = base + WindowOffset.data;
    this.info = { mac, mtu: MTU, maxTxInflight: 1 };
    const alloc = guest.alloc;
    this.rxBuffer = alloc.alloc(RX_BUFFER_BYTES, 4096);
    this.rxHeader = alloc.alloc(Frame.headerBytes, 16);
    this.txPad = alloc.alloc(Frame.minBytes, 64);
  }

  // ---- NetPort ------------------------------------------------------------------------------

  send(addr: number, len: number, done: () => void): void {
    if (!Number.isInteger(len) || len < 1 || len > MTU + 14) {
      throw new RangeError(`NE2000 send: frame of ${len} bytes (1…${MTU + 14})`);
    }
    if (this.txState !== 'idle') {
      throw new RangeError('NE2000 send: a frame is already in flight (info.maxTxInflight = 1)');
    }
    this.txAddr = addr;
    this.txLen = len;
    this.txDone = done;
    if (this.inInterrupt) {
      this.txState = 'queued';
      this.stats.deferredSends++;
      this.guest.sched.after(0, this.startQueued);
      return;
    }
    this.transmit();
  }

  onReceive(handler: (addr: number, len: number) => void): void {
    this.receiveHandler = handler;
  }

  // ---- transmit -----------------------------------------------------------------------------

  private transmitQueued(): void {
    if (this.txState === 'queued') this.transmit();
  }

  private transmit(): void {
    const io = this.guest.io;
    const base = this.base;
    let source = this.txAddr;
    let length = this.txLen;
    if (length < Frame.minBytes) {
      // Runt: copy into the zeroed bounce buffer and send 60 bytes (Linux pads to ETH_ZLEN).
      const mem = this.guest.mem;
      mem.fill(this.txPad, Frame.minBytes, 0);
      for (let i = 0; i < length; i++) mem.setU8(this.txPad + i, mem.u8(source + i));
      this.guest.meter.copy(length, 'guest');
      source = this.txPad;
      length = Frame.minBytes;
    }
    const words = (length + 1) >>> 1;
    remoteSetup(io, base, DriverLayout.txStartPage << CardMemory.pageShift, words * 2);
    io.out(base, 1, Command.remoteWrite);
    if ((length & 1) === 0) {
      io.repOuts(this.dataPort, 2, words, source);
    } else {
      // Odd length: the last word carries one frame byte, so nothing past the frame is read.
      io.repOuts(this.dataPort, 2, words - 1, source);
      io.out(this.dataPort, 2, this.guest.mem.u8(source + length - 1));
    }
    // Linux 8390.c on a missing RDC: complain and carry on (a DP8390 completes the DMA regardless).
    if (!pollIsr(io, base, Isr.RDC)) this.stats.txDmaTimeouts++;
    io.out(base + Page0Write.ISR, 1, Isr.RDC);
    io.out(base + Page0Write.TPSR, 1, DriverLayout.txStartPage);
    io.out(base + Page0Write.TBCR0, 1, length & 0xff);
    io.out(base + Page0Write.TBCR1, 1, length >>> 8);
    this.txState = 'in-flight';
    this.stats.txFrames++;
    io.out(base, 1, Command.transmit);
  }

  private completeTransmit(tsr: number): void {
    if ((tsr & Tsr.PTX) === 0) this.stats.txErrors++;
    if (this.txState !== 'in-flight') return;
    const done = this.txDone as () => void;
    this.txState = 'idle';
    this.txDone = undefined;
    done();
  }

  // ---- interrupt ----------------------------------------------------------------------------

  private service(): void {
    const io = this.guest.io;
    const isrPort = this.base + Page0Read.ISR;
    this.stats.interrupts++;
    this.inInterrupt = true;
    try {
      for (let pass = 0; pass < MAX_SERVICE; pass++) {
        const pending = io.in(isrPort, 1) & DriverValues.imr;
        if (pending === 0) return;
        const rx = pending & (Isr.PRX | Isr.RXE | Isr.OVW);
        if (rx !== 0) {
          io.out(isrPort, 1, rx);
          this.drainRing();
        }
        const tx = pending & (Isr.PTX | Isr.TXE);
        if (tx !== 0) {
          const tsr = io.in(this.base + Page0Read.TSR, 1);
          io.out(isrPort, 1, tx);
          this.completeTransmit(tsr);
        }
        if ((pending & Isr.CNT) !== 0) {
          // Reading the tally counters clears them on a DP8390.
          for (let i = 0; i < 3; i++) io.in(this.base + Page0Read.CNTR0 + i, 1);
          io.out(isrPort, 1, Isr.CNT);
        }
      }
      // Still busy: an edge-triggered line gives no new edge while it stays high, so look again.
      this.stats.serviceOverruns++;
      this.guest.sched.after(0, this.onInterrupt);
    } finally {
      this.inInterrupt = false;
    }
  }

  /** Read CURR from page 1 (3 exits). */
  private readCurrent(): number {
    const io = this.guest.io;
    io.out(this.base, 1, Command.page1Start);
    const curr = io.in(this.base + Page1.CURR, 1);
    io.out(this.base, 1, Command.page0Start);
    return curr;
  }

  /** Take every frame between BNRY+1 and CURR (bounded by the ring size, whatever the card says). */
  private drainRing(): void {
    const io = this.guest.io;
    const mem = this.guest.mem;
    const base = this.base;
    const ringPages = DriverLayout.rxStopPage - DriverLayout.rxStartPage;
    const curr = this.readCurrent();
    for (let frames = 0; this.nextPacket !== curr && frames < ringPages; frames++) {
      const page = this.nextPacket;
      remoteSetup(io, base, page << CardMemory.pageShift, Frame.headerBytes);
      io.out(base, 1, Command.remoteRead);
      io.repIns(this.dataPort, 2, Frame.headerBytes / 2, this.rxHeader);
      io.out(base + Page0Write.ISR, 1, Isr.RDC);
      const status = mem.u8(this.rxHeader);
      const next = mem.u8(this.rxHeader + 1);
      const count = mem.u16(this.rxHeader + 2);
      const length = count - Frame.headerBytes;
      if (!this.headerConsistent(page, status, next, count)) {
        // Linux "bogus packet": give up on everything up to CURR and resynchronise.
        this.stats.rxErrors++;
        this.setBoundary(curr);
        return;
      }
      const words = (length + 1) >>> 1;
      remoteSetup(io, base, (page << CardMemory.pageShift) + Frame.headerBytes, words * 2);
      io.out(base, 1, Command.remoteRead);
      io.repIns(this.dataPort, 2, words, this.rxBuffer);
      io.out(base + Page0Write.ISR, 1, Isr.RDC);
      this.setBoundary(next);
      this.deliver(length);
    }
  }

  /** A header the card could have written for a frame at `page` (status OK, length and next page agree). */
  private headerConsistent(page: number, status: number, next: number, count: number): boolean {
    const length = count - Frame.headerBytes;
    if ((status & 0x0f) !== Rsr.PRX || length < Frame.minBytes || length > MTU + 14) return false;
    if (next < DriverLayout.rxStartPage || next >= DriverLayout.rxStopPage) return false;
    // Header + frame + 4 CRC bytes, in whole pages, wrapped once at PSTOP.
    let expected = page + ((count + 4 + CardMemory.pageBytes - 1) >>> CardMemory.pageShift);
    if (expected >= DriverLayout.rxStopPage) expected -= DriverLayout.rxStopPage - DriverLayout.rxStartPage;
    return next === expected;
  }

  /** The next unread frame starts at `next`: BNRY := the page before it (1 exit). */
  private setBoundary(next: number): void {
    this.nextPacket = next;
    const boundary = next === DriverLayout.rxStartPage ? DriverLayout.rxStopPage - 1 : next - 1;
    this.guest.io.out(this.base + Page0Write.BNRY, 1, boundary);
  }

  private deliver(length: number): void {
    this.stats.rxFrames++;
    const handler = this.receiveHandler;
    if (handler === undefined) {
      this.stats.rxUnclaimed++;
      return;
    }
    handler(this.rxBuffer, length);
  }
}

export { Ne2000ProbeError };
