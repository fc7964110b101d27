/**
 * `loopback` — a tiny but honest test model for the block class: a PIO register device
 * with `slots` register banks. The guest programs sector / count / address / op into a
 * bank and writes GO (each access one userspace exit); the host performs the request
 * against the BlockBackend, zero-copy from guest memory, and on completion sets the
 * bank's bit in DONE and raises an MSI or a level INTx line. The guest ISR reads DONE
 * (read-to-clear, which drops INTx) and each finished bank's STATUS.
 *
 * Guest and host halves share only guest memory and the bus/interrupt crossings. It lets
 * runner, workloads and CLI be tested without a real transport.
 */
import type { BackendBlockRequest, BlockBackend } from '../../models/platform/backend-api.js';
import type { AccessSize } from '../../models/platform/bus.js';
import type { GuestPlatform, HostPlatform } from '../../models/platform/machine.js';
import type { HostDevice, Model, ModelConfig, Support } from '../../models/platform/model.js';
import type { BlockOp, BlockPort, BlockRequest, DeviceClass, IoStatus, PortFor } from '../../models/platform/ports.js';

/** I/O port base of the device (a free legacy range). */
export const LOOPBACK_PORT_BASE = 0x0700;
/** ISA-style GSI for the INTx variant, level triggered. */
export const LOOPBACK_GSI = 11;
export const LOOPBACK_MAGIC = 0x4c4f4f50; // "LOOP"
export const LOOPBACK_MAX_SLOTS = 32;
export const LOOPBACK_MAX_SECTORS = 256;

/** Global registers, 32-bit, offsets from the port base. */
export const LoopbackReg = {
  id: 0x00,
  slots: 0x04,
  capacityLo: 0x08,
  capacityHi: 0x0c,
  irqMode: 0x10,
  msiAddress: 0x14,
  msiData: 0x18,
  /** Bit n set: bank n completed. Reading clears it and drops INTx. */
  done: 0x1c,
} as const;

/** Bank registers, 32-bit, offsets from the bank base (`LOOPBACK_BANK_BASE + n * LOOPBACK_BANK_STRIDE`). */
export const LoopbackBankReg = {
  sectorLo: 0x00,
  sectorHi: 0x04,
  count: 0x08,
  addrLo: 0x0c,
  addrHi: 0x10,
  op: 0x14,
  go: 0x18,
  status: 0x1c,
} as const;

export const LOOPBACK_BANK_BASE = 0x20;
export const LOOPBACK_BANK_STRIDE = 0x20;

export const LoopbackOp = { read: 0, write: 1, flush: 2 } as const;
export const LoopbackStatus = { ok: 0, ioerr: 1, unsupported: 2, busy: 0xff } as const;
export const LoopbackIrqMode = { intx: 0, msi: 1 } as const;

const TWO32 = 4294967296;

function slotsOption(config: ModelConfig): number {
  return Number(config.options.slots ?? '1');
}

// ---- host half ------------------------------------------------------------------

interface Bank {
  sector: number;
  count: number;
  addr: number;
  op: number;
  status: number;
  readonly request: BackendBlockRequest;
  readonly complete: (req: BackendBlockRequest) => void;
}

class LoopbackDevice implements HostDevice {
  readonly name = 'loopback-blk';
  private readonly banks: Bank[] = [];
  private doneMask = 0;
  private irqMode: number = LoopbackIrqMode.intx;
  private msiAddress = 0;
  private msiData = 0;
  requestsServed = 0;

  constructor(
    private readonly host: HostPlatform,
    private readonly backend: BlockBackend,
    slots: number,
  ) {
    for (let n = 0; n < slots; n++) {
      const request: BackendBlockRequest = {
        op: 'read',
        sector: 0,
        sectors: 0,
        iov: [{ bytes: host.mem.bytes, offset: 0, length: 0 }],
        iovCount: 0,
        status: 'ok',
      };
      this.banks.push({
        sector: 0,
        count: 0,
        addr: 0,
        op: 0,
        status: LoopbackStatus.ok,
        request,
        complete: (req) => this.completed(n, req.status),
      });
    }
    const length = LOOPBACK_BANK_BASE + slots * LOOPBACK_BANK_STRIDE;
    host.bus.map(
      'pio',
      LOOPBACK_PORT_BASE,
      length,
      {
        read: (offset, size) => this.read(offset, size),
        write: (offset, size, value) => this.write(offset, size, value),
      },
      'user',
      this.name,
    );
  }

  describe(): Record<string, unknown> {
    return { banks: this.banks.length, requestsServed: this.requestsServed, irqMode: this.irqMode };
  }

  private read(offset: number, _size: AccessSize): number {
    switch (offset) {
      case LoopbackReg.id:
        return LOOPBACK_MAGIC;
      case LoopbackReg.slots:
        return this.banks.length;
      case LoopbackReg.capacityLo:
        return this.backend.capacitySectors % TWO32;
      case LoopbackReg.capacityHi:
        return Math.floor(this.backend.capacitySectors / TWO32);
      case LoopbackReg.done: {
        const mask = this.doneMask;
        this.doneMask = 0;
        if (this.irqMode === LoopbackIrqMode.intx) this.host.irq.setLine(LOOPBACK_GSI, false);
        return mask >>> 0;
      }
    }
    const bank = this.bankAt(offset);
    if (bank !== undefined && (offset - LOOPBACK_BANK_BASE) % LOOPBACK_BANK_STRIDE === LoopbackBankReg.status) {
      return bank.status;
    }
    return 0xffffffff;
  }

  private write(offset: number, _size: AccessSize, value: number): void {
    switch (offset) {
      case LoopbackReg.irqMode:
        this.irqMode = value === LoopbackIrqMode.msi ? LoopbackIrqMode.msi : LoopbackIrqMode.intx;
        return;
      case LoopbackReg.msiAddress:
        this.msiAddress = value >>> 0;
        return;
      case LoopbackReg.msiData:
        this.msiData = value >>> 0;
        return;
    }
    const bank = this.bankAt(offset);
    if (bank === undefined) return;
    const n = Math.floor((offset - LOOPBACK_BANK_BASE) / LOOPBACK_BANK_STRIDE);
    switch ((offset - LOOPBACK_BANK_BASE) % LOOPBACK_BANK_STRIDE) {
      case LoopbackBankReg.sectorLo:
        bank.sector = Math.floor(bank.sector / TWO32) * TWO32 + (value >>> 0);
        return;
      case LoopbackBankReg.sectorHi:
        bank.sector = (value >>> 0) * TWO32 + (bank.sector % TWO32);
        return;
      case LoopbackBankReg.count:
        bank.count = value >>> 0;
        return;
      case LoopbackBankReg.addrLo:
        bank.addr = Math.floor(bank.addr / TWO32) * TWO32 + (value >>> 0);
        return;
      case LoopbackBankReg.addrHi:
        bank.addr = (value >>> 0) * TWO32 + (bank.addr % TWO32);
        return;
      case LoopbackBankReg.op:
        bank.op = value >>> 0;
        return;
      case LoopbackBankReg.go:
        if (value === 1) this.go(n, bank);
        return;
    }
  }

  private bankAt(offset: number): Bank | undefined {
    if (offset < LOOPBACK_BANK_BASE) return undefined;
    return this.banks[Math.floor((offset - LOOPBACK_BANK_BASE) / LOOPBACK_BANK_STRIDE)];
  }

  /** GO: runs inside the guest's exit, as a userspace device model's vCPU thread would submit. */
  private go(n: number, bank: Bank): void {
    if (bank.status === LoopbackStatus.busy) return; // a GO on a busy bank is ignored
    const req = bank.request;
    let op: BlockOp;
    switch (bank.op) {
      case LoopbackOp.read:
        op = 'read';
        break;
      case LoopbackOp.write:
        op = 'write';
        break;
      case LoopbackOp.flush:
        op = 'flush';
        break;
      default:
        this.finishLater(n, LoopbackStatus.unsupported);
        return;
    }
    req.op = op;
    req.sector = bank.sector;
    req.sectors = op === 'flush' ? 0 : bank.count;
    req.status = 'ok';
    req.iovCount = 0;
    if (op !== 'flush') {
      const len = bank.count * 512;
      if (bank.count === 0 || bank.count > LOOPBACK_MAX_SECTORS || !this.host.mem.inRange(bank.addr, len)) {
        this.finishLater(n, LoopbackStatus.ioerr);
        return;
      }
      const segment = req.iov[0] as { bytes: Uint8Array; offset: number; length: number };
      segment.offset = this.host.mem.zeroCopy(bank.addr, len);
      segment.length = len;
      req.iovCount = 1;
    }
    bank.status = LoopbackStatus.busy;
    this.backend.submit(req, bank.complete);
  }

  /** An error found at GO is still reported asynchronously, on the device actor. */
  private finishLater(n: number, status: number): void {
    const bank = this.banks[n] as Bank;
    bank.status = LoopbackStatus.busy;
    this.host.actor('device').after(0, () => this.finish(n, status));
  }

  private completed(n: number, status: IoStatus): void {
    this.finish(
      n,
      status === 'ok' ? LoopbackStatus.ok : status === 'ioerr' ? LoopbackStatus.ioerr : LoopbackStatus.unsupported,
    );
  }

  private finish(n: number, status: number): void {
    const bank = this.banks[n] as Bank;
    bank.status = status;
    this.requestsServed++;
    // Status is visible before the DONE bit, and DONE before the interrupt.
    this.doneMask = (this.doneMask | (1 << n)) >>> 0;
    if (this.irqMode === LoopbackIrqMode.msi) this.host.irq.msi(this.msiAddress, this.msiData);
    else this.host.irq.setLine(LOOPBACK_GSI, true);
  }
}

// ---- guest half -----------------------------------------------------------------

class LoopbackDriver implements BlockPort {
  readonly info: BlockPort['info'];
  private readonly pending: (BlockRequest | undefined)[];
  private readonly callbacks: (((req: BlockRequest) => void) | undefined)[];
  private freeMask: number;

  constructor(
    private readonly guest: GuestPlatform,
    slots: number,
    capacitySectors: number,
  ) {
    this.info = {
      capacitySectors,
      readOnly: false,
      maxInflight: slots,
      maxSectorsPerRequest: LOOPBACK_MAX_SECTORS,
      supports: new Set<BlockOp>(['read', 'write', 'flush']),
    };
    this.pending = new Array(slots).fill(undefined);
    this.callbacks = new Array(slots).fill(undefined);
    this.freeMask = slots === 32 ? 0xffffffff : (1 << slots) - 1;
  }

  submit(req: BlockRequest, done: (req: BlockRequest) => void): void {
    if (this.freeMask === 0) throw new Error(`loopback: more than ${this.info.maxInflight} requests in flight`);
    const n = 31 - Math.clz32(this.freeMask & -this.freeMask);
    this.freeMask = (this.freeMask & ~(1 << n)) >>> 0;
    this.pending[n] = req;
    this.callbacks[n] = done;
    const io = this.guest.io;
    const bank = LOOPBACK_PORT_BASE + LOOPBACK_BANK_BASE + n * LOOPBACK_BANK_STRIDE;
    const op =
      req.op === 'read'
        ? LoopbackOp.read
        : req.op === 'write'
          ? LoopbackOp.write
          : req.op === 'flush'
            ? LoopbackOp.flush
            : 0xff;
    io.out(bank + LoopbackBankReg.sectorLo, 4, req.sector % TWO32);
    io.out(bank + LoopbackBankReg.sectorHi, 4, Math.floor(req.sector / TWO32));
    io.out(bank + LoopbackBankReg.count, 4, req.sectors);
    io.out(bank + LoopbackBankReg.addrLo, 4, req.addr % TWO32);
    io.out(bank + LoopbackBankReg.addrHi, 4, Math.floor(req.addr / TWO32));
    io.out(bank + LoopbackBankReg.op, 4, op);
    // Registers are programmed before GO: the device reads them inside the GO exit.
    io.out(bank + LoopbackBankReg.go, 4, 1);
  }

  /** ISR: DONE is read-to-clear; each finished bank's STATUS is then read. */
  interrupt(): void {
    const io = this.guest.io;
    const mask = io.in(LOOPBACK_PORT_BASE + LoopbackReg.done, 4) >>> 0;
    for (let n = 0; n < this.pending.length; n++) {
      if ((mask & (1 << n)) === 0) continue;
      const req = this.pending[n];
      const done = this.callbacks[n];
      if (req === undefined || done === undefined) continue; // a completion for a bank we did not start
      const status = io.in(
        LOOPBACK_PORT_BASE + LOOPBACK_BANK_BASE + n * LOOPBACK_BANK_STRIDE + LoopbackBankReg.status,
        4,
      );
      req.status =
        status === LoopbackStatus.ok ? 'ok' : status === LoopbackStatus.unsupported ? 'unsupported' : 'ioerr';
      this.pending[n] = undefined;
      this.callbacks[n] = undefined;
      this.freeMask = (this.freeMask | (1 << n)) >>> 0;
      done(req);
    }
  }
}

function bringUp(guest: GuestPlatform, config: ModelConfig): LoopbackDriver {
  const io = guest.io;
  const id = io.in(LOOPBACK_PORT_BASE + LoopbackReg.id, 4) >>> 0;
  if (id !== LOOPBACK_MAGIC)
    throw new Error(`loopback: no device at port 0x${LOOPBACK_PORT_BASE.toString(16)} (id 0x${id.toString(16)})`);
  const slots = io.in(LOOPBACK_PORT_BASE + LoopbackReg.slots, 4);
  const capacity =
    io.in(LOOPBACK_PORT_BASE + LoopbackReg.capacityLo, 4) +
    io.in(LOOPBACK_PORT_BASE + LoopbackReg.capacityHi, 4) * TWO32;
  const driver = new LoopbackDriver(guest, slots, capacity);
  if (config.options.irq === 'intx') {
    guest.irq.onLine(LOOPBACK_GSI, 'level', () => driver.interrupt());
    io.out(LOOPBACK_PORT_BASE + LoopbackReg.irqMode, 4, LoopbackIrqMode.intx);
  } else {
    const msg = guest.irq.allocMsi(() => driver.interrupt());
    io.out(LOOPBACK_PORT_BASE + LoopbackReg.msiAddress, 4, msg.address);
    io.out(LOOPBACK_PORT_BASE + LoopbackReg.msiData, 4, msg.data);
    io.out(LOOPBACK_PORT_BASE + LoopbackReg.irqMode, 4, LoopbackIrqMode.msi);
  }
  return driver;
}

export const loopbackModel: Model = {
  id: 'loopback',
  title: 'test-only PIO register block device (harness tests)',
  classes: { block: 'extension' },
  options: [
    { key: 'slots', values: 'number', default: '1', description: 'register banks = requests in flight (1..32)' },
    { key: 'irq', values: ['msi', 'intx'], default: 'msi', description: 'completion interrupt' },
  ],
  support(cls: DeviceClass, config: ModelConfig): Support {
    if (cls !== 'block') return { ok: false, reason: `loopback has no ${cls} device` };
    const slots = slotsOption(config);
    if (!Number.isInteger(slots) || slots < 1 || slots > LOOPBACK_MAX_SLOTS) {
      return { ok: false, reason: `slots=${config.options.slots} must be an integer 1..${LOOPBACK_MAX_SLOTS}` };
    }
    const { coalesce, copy, iodepth } = config.knobs;
    if (coalesce.kind !== 'none')
      return { ok: false, reason: 'loopback has no interrupt coalescing (coalesce must be none)' };
    if (copy !== 'zerocopy') return { ok: false, reason: 'loopback only transfers zero-copy from guest memory' };
    if (iodepth > slots) return { ok: false, reason: `iodepth ${iodepth} exceeds slots=${slots}` };
    return { ok: true };
  },
  createHost<C extends DeviceClass>(cls: C, host: HostPlatform, backend: unknown, config: ModelConfig): HostDevice {
    if (cls !== 'block') throw new Error(`loopback has no ${cls} device`);
    return new LoopbackDevice(host, backend as BlockBackend, slotsOption(config));
  },
  createGuest<C extends DeviceClass>(
    cls: C,
    guest: GuestPlatform,
    config: ModelConfig,
    ready: (port: PortFor[C]) => void,
    fail: (error: Error) => void,
  ): void {
    if (cls !== 'block') {
      fail(new Error(`loopback has no ${cls} device`));
      return;
    }
    // Bring-up runs on the guest vCPU like any driver code.
    guest.sched.after(0, () => {
      let driver: LoopbackDriver;
      try {
        driver = bringUp(guest, config);
      } catch (error) {
        fail(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      ready(driver as unknown as PortFor[C]);
    });
  },
};
