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
import { queueSizeOption } from '../binding.js';
import { type BringUpSpec, bringUp } from '../guest-bringup.js';
import { ConsoleConfig, ConsoleFeature, VirtioDeviceId } from '../layout.js';
import { reinitialise } from '../net/reinit.js';
import { DeferredCompletions, KickBatch, notifyMechanism, VirtqueueDriver } from '../net/virtqueue-driver.js';
import type { VirtioPciTransport } from '../pci/driver.js';
import type { DriverRing } from '../ring/driver-ring.js';
import { VirtqueueDriverError } from '../ring/errors.js';
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
  resets: number;
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

export class VirtioConsoleDriver implements ConsolePort {
  readonly maxWrite = CONSOLE_BUFFER_BYTES;
  readonly stats: ConsoleDriverStats = {
    rxBuffers: 0,
    rxBytes: 0,
    rxErrors: 0,
    rxUnclaimed: 0,
    txWrites: 0,
    txBacklogged: 0,
    resets: 0,
  };
  readonly transport: VirtioPciTransport;
  private readonly batch = new KickBatch();
  private readonly rxQ: VirtqueueDriver;
  private readonly txQ: VirtqueueDriver;
  private failure: Error | undefined;
  private recoveryScheduled = false;

  private readonly txFree: Int32Array;
  private txFreeCount = 0;
  private readonly txDone: ((() => void) | undefined)[];
  private readonly backlog = new WriteBacklog();
  private readonly completions = new DeferredCompletions();
  private readonly orphaned: (() => void)[] = [];

  private readonly rxSlots: number;
  private readonly rxBufBase: number;
  private inputHandler: ((addr: number, len: number) => void) | undefined;

  static start(guest: GuestPlatform, config: ModelConfig): VirtioConsoleDriver {
    let driver: VirtioConsoleDriver | undefined;
    const spec = consoleBringUpSpec(config, {
      onQueueInterrupt: (q) => driver?.onQueueInterrupt(q),
      onConfigInterrupt: () => driver?.onConfigInterrupt(),
    });
    const up = bringUp(guest, config, spec);
    driver = new VirtioConsoleDriver(guest, config, spec, up.transport, up.rings);
    return driver;
  }

  private constructor(
    private readonly guest: GuestPlatform,
    private readonly config: ModelConfig,
    private readonly spec: BringUpSpec,
    transport: VirtioPciTransport,
    rings: readonly DriverRing[],
  ) {
    this.transport = transport;
    const [rxRing, txRing] = rings as [DriverRing, DriverRing];
    const common = {
      transport,
      meter: guest.meter,
      mechanism: notifyMechanism(config),
      coalesce: config.knobs.coalesce,
      batch: this.batch,
    };
    // Input is unsolicited: nothing says more is coming, so a count:N threshold on rx would strand it.
    this.rxQ = new VirtqueueDriver(rxRing, { ...common, index: ConsolePortQueue.RX, countLimit: () => 1 });
    this.txQ = new VirtqueueDriver(txRing, {
      ...common,
      index: ConsolePortQueue.TX,
      countLimit: () => this.txQ.ring.inFlight,
    });
    this.txFree = new Int32Array(txRing.size);
    this.txDone = new Array(txRing.size).fill(undefined);
    this.resetTxSlots();
    this.rxSlots = rxRing.size;
    this.rxBufBase = guest.alloc.alloc(this.rxSlots * CONSOLE_BUFFER_BYTES, 64);
    this.postAllRx();
  }

  // ---- ConsolePort ------------------------------------------------------------------------------

  write(addr: number, len: number, done: () => void): void {
    if (this.failure !== undefined) throw this.failure;
    if (!Number.isInteger(len) || len < 1 || len > this.maxWrite) {
      throw new RangeError(`virtio-console write of ${len} bytes: expected 1…${this.maxWrite}`);
    }
    this.completions.hold();
    try {
      this.reclaimTx();
      if (this.txFreeCount === 0 || this.backlog.size > 0) {
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
    this.transport.writeConfig(ConsoleConfig.emerg_wr, 4, byte & 0xff);
  }

  get emergencyWriteOffered(): boolean {
    return this.transport.has(ConsoleFeature.EMERG_WRITE);
  }

  private readonly submitWrite = (addr: number, len: number, done: () => void): void => {
    const slot = this.txFree[--this.txFreeCount] as number;
    this.txDone[slot] = done;
    const ring = this.txQ.ring;
    ring.begin();
    ring.addReadable(addr, len);
    if (ring.commit(slot) < 0) throw new Error('virtio-console: tx ring full with a free slot');
    this.stats.txWrites++;
    this.txQ.submitted();
  };

  // ---- interrupts -------------------------------------------------------------------------------

  private onQueueInterrupt(queue: number): void {
    if (this.failure !== undefined) return;
    this.batch.enter();
    try {
      if (queue === ConsolePortQueue.RX) this.rxQ.drain(this.onRxUsed);
      else if (queue === ConsolePortQueue.TX) this.txQ.drain(this.onTxUsed);
    } catch (error) {
      if (!(error instanceof VirtqueueDriverError)) throw error;
      this.scheduleRecovery();
    } finally {
      this.batch.leave();
    }
  }

  private onConfigInterrupt(): void {
    if (this.failure === undefined && this.transport.needsReset()) this.recover();
  }

  private reclaimTx(): void {
    try {
      this.txQ.reclaim(this.onTxUsed);
    } catch (error) {
      if (!(error instanceof VirtqueueDriverError)) throw error;
      this.scheduleRecovery();
    }
  }

  private readonly onTxUsed = (slot: number): void => {
    const done = this.txDone[slot];
    this.txDone[slot] = undefined;
    this.txFree[this.txFreeCount++] = slot;
    // Waiting writes go first, so output keeps the order of write() calls.
    if (this.backlog.size > 0) this.backlog.shift(this.submitWrite);
    if (done !== undefined) this.completions.complete(done);
  };

  private readonly onRxUsed = (slot: number, len: number): void => {
    if (len > CONSOLE_BUFFER_BYTES) {
      this.stats.rxErrors++;
    } else if (len > 0) {
      this.stats.rxBuffers++;
      this.stats.rxBytes += len;
      const addr = this.rxBufBase + slot * CONSOLE_BUFFER_BYTES;
      if (this.inputHandler === undefined) this.stats.rxUnclaimed += len;
      else this.inputHandler(addr, len);
    }
    this.postRx(slot);
  };

  private postRx(slot: number): void {
    const ring = this.rxQ.ring;
    ring.begin();
    ring.addWritable(this.rxBufBase + slot * CONSOLE_BUFFER_BYTES, CONSOLE_BUFFER_BYTES);
    if (ring.commit(slot) < 0) throw new Error('virtio-console: rx ring full while re-posting');
    this.rxQ.submitted();
  }

  private postAllRx(): void {
    this.batch.enter();
    try {
      for (let slot = 0; slot < this.rxSlots; slot++) this.postRx(slot);
    } finally {
      this.batch.leave();
    }
  }

  private resetTxSlots(): void {
    this.txFreeCount = 0;
    for (let slot = this.txFree.length - 1; slot >= 0; slot--) this.txFree[this.txFreeCount++] = slot;
  }

  // ---- recovery (D19) -----------------------------------------------------------------------------

  private scheduleRecovery(): void {
    if (this.recoveryScheduled) return;
    this.recoveryScheduled = true;
    this.guest.sched.after(0, () => {
      this.recoveryScheduled = false;
      this.recover();
    });
  }

  /** Reset and re-initialise without waiting; in-flight writes complete (their output may be lost). */
  private recover(): void {
    if (this.failure !== undefined) return;
    this.stats.resets++;
    const orphaned = this.orphaned;
    orphaned.length = 0;
    for (let slot = 0; slot < this.txDone.length; slot++) {
      const done = this.txDone[slot];
      if (done !== undefined) orphaned.push(done);
      this.txDone[slot] = undefined;
    }
    this.batch.enter();
    try {
      const [rx, tx] = reinitialise(this.transport, this.config, this.spec) as [DriverRing, DriverRing];
      if (rx.size !== this.rxSlots || tx.size !== this.txFree.length) {
        throw new Error('virtio-console: queues came back with other sizes');
      }
      this.rxQ.replaceRing(rx);
      this.txQ.replaceRing(tx);
      this.resetTxSlots();
      this.postAllRx();
      while (this.backlog.size > 0 && this.txFreeCount > 0) this.backlog.shift(this.submitWrite);
    } catch (error) {
      this.failure = error instanceof Error ? error : new Error(String(error));
    }
    for (const done of orphaned) done();
    orphaned.length = 0;
    this.batch.leave();
  }
}

/** The §3.1.1 parameters of this driver (also used to re-initialise). */
export function consoleBringUpSpec(
  config: ModelConfig,
  handlers: Pick<BringUpSpec, 'onQueueInterrupt' | 'onConfigInterrupt'>,
): BringUpSpec {
  const qs = queueSizeOption(config);
  return {
    deviceType: VirtioDeviceId.CONSOLE,
    driverFeatures: 1n << BigInt(ConsoleFeature.EMERG_WRITE),
    queues: [
      { index: ConsolePortQueue.RX, size: qs },
      { index: ConsolePortQueue.TX, size: qs },
    ],
    ...handlers,
  };
}
