/**
 * virtio-console driver, port 0, guest half (virtio 1.2 §5.3.6; specs/virtio.md §9 D23): device-
 * writable buffers on receiveq only, device-readable ones on transmitq only. Every rx slot holds a
 * posted 4 KiB buffer (as Linux posts PAGE_SIZE ones); a write is one readable descriptor pointing at
 * the caller's bytes. Writes beyond the ring's capacity wait in a FIFO. Completions are reclaimed in
 * the tx interrupt and before each write; DEVICE_NEEDS_RESET resets and re-initialises (D19).
 */
import type { GuestPlatform } from '../../platform/machine.js';
import type { ModelConfig } from '../../platform/model.js';
import type { ConsolePort } from '../../platform/ports.js';
import { DeferredCompletions } from '../driver/deferred-completions.js';
import { InFlight } from '../driver/in-flight.js';
import { ReceiveBuffers } from '../driver/receive-buffers.js';
import { DriverSession, type RecoveryHandler } from '../driver/session.js';
import { featureBit } from '../features.js';
import { ConsoleConfig, ConsoleFeature, VirtioDeviceId } from '../layout.js';
import { queueSizeOption } from '../options.js';
import { CONSOLE_BUFFER_BYTES, ConsolePortQueue } from './constants.js';

export interface ConsoleDriverStats {
  rxBuffers: number;
  rxBytes: number;
  /** Used entries claiming more bytes than the buffer holds. */
  rxErrors: number;
  /** Input that arrived before a handler was installed. */
  rxUnclaimed: number;
  txWrites: number;
  /** Writes that had to wait for ring space. */
  txBacklogged: number;
}

/** Writes waiting for a free slot, in order; grows only past its largest backlog so far. */
class WriteBacklog {
  private readonly addr: number[] = [];
  private readonly len: number[] = [];
  private readonly done: (() => void)[] = [];
  private head = 0;

  get size(): number {
    return this.addr.length - this.head;
  }

  push(addr: number, len: number, done: () => void): void {
    this.addr.push(addr);
    this.len.push(len);
    this.done.push(done);
  }

  /** Pass the oldest write to `to` and drop it. */
  shift(to: (addr: number, len: number, done: () => void) => void): void {
    const i = this.head++;
    const done = this.done[i] as () => void;
    to(this.addr[i] as number, this.len[i] as number, done);
    if (this.head === this.addr.length) {
      this.head = 0;
      this.addr.length = 0;
      this.len.length = 0;
      this.done.length = 0;
    }
  }
}

export class VirtioConsoleDriver implements ConsolePort, RecoveryHandler {
  readonly maxWrite = CONSOLE_BUFFER_BYTES;
  readonly maxInflight: number;
  readonly stats: ConsoleDriverStats = {
    rxBuffers: 0,
    rxBytes: 0,
    rxErrors: 0,
    rxUnclaimed: 0,
    txWrites: 0,
    txBacklogged: 0,
  };
  /** The connection to the device: transport, queues, recovery (D19). */
  readonly session: DriverSession;
  /** Each in-flight write's completion, by tx slot. */
  private readonly txDone: InFlight<() => void>;
  private readonly backlog = new WriteBacklog();
  private readonly completions = new DeferredCompletions();

  private readonly rxBuffers: ReceiveBuffers;
  private inputHandler: ((addr: number, len: number) => void) | undefined;

  /** Bring the device up (§3.1.1) and build the port; throws VirtioInitError when the device is unusable. */
  constructor(guest: GuestPlatform, config: ModelConfig) {
    const qs = queueSizeOption(config);
    this.session = new DriverSession(
      guest,
      config,
      {
        deviceType: VirtioDeviceId.CONSOLE,
        driverFeatures: featureBit(ConsoleFeature.EMERG_WRITE),
        queues: [
          // Input is unsolicited: nothing says more is coming, so a count:N threshold on rx would strand it.
          { index: ConsolePortQueue.RX, size: qs, onUsed: this.onRxUsed, countBound: 1 },
          { index: ConsolePortQueue.TX, size: qs, onUsed: this.onTxUsed },
        ],
      },
      this,
    );
    this.txDone = new InFlight(this.session.ring(ConsolePortQueue.TX).size);
    this.maxInflight = this.session.ring(ConsolePortQueue.TX).size;
    this.rxBuffers = new ReceiveBuffers(guest.alloc, this.session, ConsolePortQueue.RX, CONSOLE_BUFFER_BYTES);
    this.rxBuffers.postAll();
  }

  // ---- ConsolePort ------------------------------------------------------------------------------

  write(addr: number, len: number, done: () => void): void {
    if (this.session.broken !== undefined) throw this.session.broken;
    if (!Number.isInteger(len) || len < 1 || len > this.maxWrite) {
      throw new RangeError(`virtio-console write of ${len} bytes: expected 1…${this.maxWrite}`);
    }
    this.completions.hold();
    try {
      this.session.reclaim(ConsolePortQueue.TX);
      if (this.txDone.free === 0 || this.backlog.size > 0) {
        this.stats.txBacklogged++;
        this.backlog.push(addr, len, done);
      } else {
        this.submitWrite(addr, len, done);
      }
    } finally {
      this.completions.release();
    }
  }

  onInput(handler: (addr: number, len: number) => void): void {
    this.inputHandler = handler;
  }

  /** Output one byte through `emerg_wr`, bypassing the queues (VIRTIO_CONSOLE_F_EMERG_WRITE, §5.3.4). */
  emergencyWrite(byte: number): void {
    this.session.transport.writeConfig(ConsoleConfig.emerg_wr, 4, byte & 0xff);
  }

  get emergencyWriteOffered(): boolean {
    return this.session.transport.has(ConsoleFeature.EMERG_WRITE);
  }

  private readonly submitWrite = (addr: number, len: number, done: () => void): void => {
    const slot = this.txDone.add(done);
    const ring = this.session.ring(ConsolePortQueue.TX);
    ring.begin();
    ring.addReadable(addr, len);
    if (ring.commit(slot) < 0) throw new Error('virtio-console: tx ring full with a free slot');
    this.stats.txWrites++;
    this.session.submitted(ConsolePortQueue.TX);
  };

  // ---- used entries -----------------------------------------------------------------------------

  private readonly onTxUsed = (slot: number): void => {
    const done = this.freeTxSlot(slot);
    if (done !== undefined) this.completions.complete(done);
  };

  /** Free a tx slot; a waiting write takes it at once, so output keeps the order of write() calls. */
  private freeTxSlot(slot: number): (() => void) | undefined {
    const done = this.txDone.remove(slot);
    if (this.backlog.size > 0) this.backlog.shift(this.submitWrite);
    return done;
  }

  private readonly onRxUsed = (slot: number, len: number): void => {
    if (len > CONSOLE_BUFFER_BYTES) {
      this.stats.rxErrors++;
    } else if (len > 0) {
      this.stats.rxBuffers++;
      this.stats.rxBytes += len;
      if (this.inputHandler === undefined) this.stats.rxUnclaimed += len;
      else this.inputHandler(this.rxBuffers.address(slot), len);
    }
    this.rxBuffers.post(slot);
  };

  // ---- recovery (D19) -----------------------------------------------------------------------------

  abandonInFlight(): void {
    this.txDone.abandonAll();
  }

  /**
   * In-flight writes complete (their output may be lost). On fresh rings waiting writes take the freed
   * slots first; on a dead device they stay queued (writes fail from now on).
   */
  resume(reinitialised: boolean): void {
    if (reinitialised) this.rxBuffers.postAll();
    for (let slot = this.txDone.nextAbandoned(); slot >= 0; slot = this.txDone.nextAbandoned()) {
      (reinitialised ? this.freeTxSlot(slot) : this.txDone.remove(slot))?.();
    }
  }
}
