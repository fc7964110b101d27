/**
 * The IDE guest driver: a BlockPort (maxInflight 1) over the primary channel, in the transfer
 * modes of specs/trap-emulate.md §3 "Driver sequences":
 *
 * - `pio-word`: READ/WRITE SECTORS, one `inw`/`outw` exit per 16-bit word (≈ 2,070 per 4 KiB).
 * - `pio-string`: READ/WRITE SECTORS with `rep insw`/`rep outsw` (read ≈ 22, write ≈ 2,060 per 4 KiB).
 * - `pio-multiple`: READ/WRITE MULTIPLE, one IRQ and one string transfer per block.
 * - `dma`: one PRD table in guest RAM and the bus master (≈ 14 exits, size-independent).
 *
 * Reads: command, then per IRQ: status (lowers INTRQ) and one block of data; the last block ends
 * the request (the drive raises no IRQ after it). Writes: command, DRQ poll on the alternate
 * status, first block; then per IRQ: status and the next block. DMA: PRDs, BM pointer, BM status
 * clear, direction, taskfile, command, START; IRQ → BM status, STOP, ATA status, INT clear.
 * EOIs are the platform's. Per-request work allocates nothing.
 */
import type { GuestPlatform } from '../../platform/machine.js';
import type { BlockOp, BlockPort, BlockPortInfo, BlockRequest, IoStatus } from '../../platform/ports.js';
import type { IdeSettings } from './knobs.js';
import {
  AtaCommand,
  AtaStatus,
  BmCommand,
  BmReg,
  BmStatus,
  DeviceReg,
  LBA28_LIMIT,
  Prd,
  PrimaryChannel,
  SECTOR_BYTES,
  TaskfileReg,
  WORDS_PER_SECTOR,
} from './registers.js';

/** Largest request: 256 sectors (one LBA28 command; the workload splits larger ones). */
export const IDE_MAX_SECTORS = 256;
/** Alternate-status polls before a write gives up waiting for DRQ (each poll is an exit). */
export const DRQ_POLL_LIMIT = 10_000;

const CMD = PrimaryChannel.commandBlock;
const DATA = CMD + TaskfileReg.data;
const STATUS = CMD + TaskfileReg.status;
const ALT_STATUS = PrimaryChannel.control;
const SUPPORTED: ReadonlySet<BlockOp> = new Set<BlockOp>(['read', 'write', 'flush']);

type Phase = 'idle' | 'pio-in' | 'pio-out' | 'dma' | 'flush' | 'deferred';

/** What bring-up learned from the device (IDENTIFY) and the bus (BAR4). */
export interface IdeDeviceFacts {
  readonly capacitySectors: number;
  readonly lba48: boolean;
  /** Bus-master register base for the primary channel, or -1 without DMA. */
  readonly bmBase: number;
  /** Guest-physical PRD table (4 KiB, page aligned), or -1 without DMA. */
  readonly prdTable: number;
}

export interface IdeDriverStats {
  interrupts: number;
  spuriousInterrupts: number;
  errors: number;
}

function byteOf(n: number, i: number): number {
  return Math.floor(n / 2 ** (8 * i)) % 256;
}

export class IdeDriver implements BlockPort {
  readonly info: BlockPortInfo;
  readonly stats: IdeDriverStats = { interrupts: 0, spuriousInterrupts: 0, errors: 0 };
  private phase: Phase = 'idle';
  private req: BlockRequest | undefined;
  private done: ((req: BlockRequest) => void) | undefined;
  /** Sectors still to move and where they go / come from. */
  private remaining = 0;
  private addr = 0;
  private deferredStatus: IoStatus = 'ok';
  /** One sector between the data port and RAM for word-at-a-time PIO (metered as a guest copy). */
  private readonly staging = new Uint8Array(SECTOR_BYTES);
  private readonly blockSectors: number;
  private readonly readOpcode: number;
  private readonly readOpcodeExt: number;
  private readonly writeOpcode: number;
  private readonly writeOpcodeExt: number;
  /** Made once: the ISR and the deferred completion allocate nothing per request. */
  readonly onInterrupt = (): void => this.interrupt();
  private readonly completeDeferred = (): void => this.finish(this.deferredStatus);

  constructor(
    private readonly guest: GuestPlatform,
    private readonly settings: IdeSettings,
    private readonly facts: IdeDeviceFacts,
  ) {
    this.info = {
      capacitySectors: facts.capacitySectors,
      readOnly: false,
      maxInflight: 1,
      maxSectorsPerRequest: IDE_MAX_SECTORS,
      supports: SUPPORTED,
    };
    const multiple = settings.mode === 'pio-multiple';
    this.blockSectors = multiple ? settings.multipleSectors : 1;
    this.readOpcode = multiple ? AtaCommand.READ_MULTIPLE : AtaCommand.READ_SECTORS;
    this.readOpcodeExt = multiple ? AtaCommand.READ_MULTIPLE_EXT : AtaCommand.READ_SECTORS_EXT;
    this.writeOpcode = multiple ? AtaCommand.WRITE_MULTIPLE : AtaCommand.WRITE_SECTORS;
    this.writeOpcodeExt = multiple ? AtaCommand.WRITE_MULTIPLE_EXT : AtaCommand.WRITE_SECTORS_EXT;
  }

  get mode(): IdeSettings['mode'] {
    return this.settings.mode;
  }

  submit(req: BlockRequest, done: (req: BlockRequest) => void): void {
    if (this.phase !== 'idle') throw new Error('IDE: a request is already in flight (maxInflight is 1)');
    this.req = req;
    this.done = done;
    switch (req.op) {
      case 'read':
      case 'write':
        if (!this.valid(req)) {
          this.defer('ioerr');
          return;
        }
        this.remaining = req.sectors;
        this.addr = req.addr;
        if (this.settings.mode === 'dma') this.startDma(req);
        else if (req.op === 'read') this.startPioRead(req);
        else this.startPioWrite(req);
        return;
      case 'flush':
        this.phase = 'flush';
        this.guest.io.out(CMD + TaskfileReg.device, 1, DeviceReg.alwaysOn | DeviceReg.LBA);
        this.guest.io.out(STATUS, 1, this.facts.lba48 ? AtaCommand.FLUSH_CACHE_EXT : AtaCommand.FLUSH_CACHE);
        return;
      default:
        this.defer('unsupported');
    }
  }

  private valid(req: BlockRequest): boolean {
    return (
      Number.isSafeInteger(req.sector) &&
      Number.isSafeInteger(req.sectors) &&
      req.sector >= 0 &&
      req.sectors >= 1 &&
      req.sectors <= IDE_MAX_SECTORS &&
      req.sector + req.sectors <= this.facts.capacitySectors &&
      this.guest.mem.inRange(req.addr, req.sectors * SECTOR_BYTES)
    );
  }

  /** Complete without touching the device, on the vCPU after the caller returns. */
  private defer(status: IoStatus): void {
    this.phase = 'deferred';
    this.deferredStatus = status;
    this.guest.sched.after(0, this.completeDeferred);
  }

  /** Device, count and LBA registers; 48-bit when the range leaves LBA28 (HOB bytes first). */
  private taskfile(sector: number, count: number): boolean {
    const io = this.guest.io;
    const lba48 = sector + count > LBA28_LIMIT;
    const device = DeviceReg.alwaysOn | DeviceReg.LBA;
    io.out(CMD + TaskfileReg.device, 1, lba48 ? device : device | (byteOf(sector, 3) & DeviceReg.headMask));
    if (lba48) {
      io.out(CMD + TaskfileReg.sectorCount, 1, byteOf(count, 1));
      io.out(CMD + TaskfileReg.lbaLow, 1, byteOf(sector, 3));
      io.out(CMD + TaskfileReg.lbaMid, 1, byteOf(sector, 4));
      io.out(CMD + TaskfileReg.lbaHigh, 1, byteOf(sector, 5));
    }
    io.out(CMD + TaskfileReg.sectorCount, 1, byteOf(count, 0));
    io.out(CMD + TaskfileReg.lbaLow, 1, byteOf(sector, 0));
    io.out(CMD + TaskfileReg.lbaMid, 1, byteOf(sector, 1));
    io.out(CMD + TaskfileReg.lbaHigh, 1, byteOf(sector, 2));
    return lba48;
  }

  private startPioRead(req: BlockRequest): void {
    this.phase = 'pio-in';
    const lba48 = this.taskfile(req.sector, req.sectors);
    this.guest.io.out(STATUS, 1, lba48 ? this.readOpcodeExt : this.readOpcode);
  }

  private startPioWrite(req: BlockRequest): void {
    const io = this.guest.io;
    const lba48 = this.taskfile(req.sector, req.sectors);
    io.out(STATUS, 1, lba48 ? this.writeOpcodeExt : this.writeOpcode);
    // The drive asks for the first block at once, without an interrupt.
    let st = io.in(ALT_STATUS, 1);
    for (let polls = 1; st & AtaStatus.BSY && polls < DRQ_POLL_LIMIT; polls++) st = io.in(ALT_STATUS, 1);
    if (st & (AtaStatus.ERR | AtaStatus.BSY) || (st & AtaStatus.DRQ) === 0) {
      this.stats.errors++;
      this.defer('ioerr');
      return;
    }
    this.phase = 'pio-out';
    this.pushBlock();
  }

  private startDma(req: BlockRequest): void {
    const io = this.guest.io;
    const mem = this.guest.mem;
    const { bmBase, prdTable } = this.facts;
    // One descriptor per piece that stays inside a 64 KiB region (SFF-8038i §1.2).
    let a = req.addr;
    let left = req.sectors * SECTOR_BYTES;
    let entry = prdTable;
    while (left > 0) {
      const len = Math.min(left, Prd.maxBytes - (a % Prd.maxBytes));
      left -= len;
      mem.setU32(entry, a);
      mem.setU32(entry + 4, (len & Prd.countMask) | (left === 0 ? Prd.eot : 0));
      a += len;
      entry += Prd.size;
    }
    const direction = req.op === 'read' ? BmCommand.READ : 0;
    this.phase = 'dma';
    // Descriptors are in RAM before the bus master is pointed at them.
    mem.fence();
    io.out(bmBase + BmReg.prdTable, 4, prdTable);
    io.out(bmBase + BmReg.status, 1, BmStatus.ERR | BmStatus.INT);
    io.out(bmBase + BmReg.command, 1, direction);
    const lba48 = this.taskfile(req.sector, req.sectors);
    const opcode =
      req.op === 'read'
        ? lba48
          ? AtaCommand.READ_DMA_EXT
          : AtaCommand.READ_DMA
        : lba48
          ? AtaCommand.WRITE_DMA_EXT
          : AtaCommand.WRITE_DMA;
    io.out(STATUS, 1, opcode);
    io.out(bmBase + BmReg.command, 1, direction | BmCommand.START);
  }

  /** IRQ 14 (edge), on the vCPU; the platform sends the EOI after it. */
  private interrupt(): void {
    this.stats.interrupts++;
    switch (this.phase) {
      case 'pio-in':
        this.pioInInterrupt();
        break;
      case 'pio-out':
        this.pioOutInterrupt();
        break;
      case 'dma':
        this.dmaInterrupt();
        break;
      case 'flush':
        this.flushInterrupt();
        break;
      default:
        // Not ours to expect: acknowledge so the line can fire again.
        this.stats.spuriousInterrupts++;
        this.guest.io.in(STATUS, 1);
    }
  }

  /** A block is ready (status read lowers INTRQ); the last block ends the request without an IRQ. */
  private pioInInterrupt(): void {
    const st = this.guest.io.in(STATUS, 1);
    if (st & AtaStatus.BSY) return;
    if (st & AtaStatus.ERR) {
      this.fail();
      return;
    }
    if ((st & AtaStatus.DRQ) === 0) return;
    this.pullBlock();
    if (this.remaining === 0) this.finish('ok');
  }

  /** The drive stored a block: send the next one, or the request is done. */
  private pioOutInterrupt(): void {
    const st = this.guest.io.in(STATUS, 1);
    if (st & AtaStatus.BSY) return;
    if (st & AtaStatus.ERR) this.fail();
    else if (this.remaining === 0) this.finish('ok');
    else if (st & AtaStatus.DRQ) this.pushBlock();
  }

  /** Bus-master status, STOP, ATA status (lowers INTRQ), INT cleared. */
  private dmaInterrupt(): void {
    const io = this.guest.io;
    const bmBase = this.facts.bmBase;
    const bm = io.in(bmBase + BmReg.status, 1);
    io.out(bmBase + BmReg.command, 1, 0);
    const st = io.in(STATUS, 1);
    io.out(bmBase + BmReg.status, 1, BmStatus.INT);
    if (st & AtaStatus.ERR || bm & BmStatus.ERR) this.fail();
    else this.finish('ok');
  }

  private flushInterrupt(): void {
    const st = this.guest.io.in(STATUS, 1);
    if (st & AtaStatus.BSY) return;
    if (st & AtaStatus.ERR) this.fail();
    else this.finish('ok');
  }

  /** Device → RAM for one block (or what is left of the request). */
  private pullBlock(): void {
    const n = Math.min(this.remaining, this.blockSectors);
    const io = this.guest.io;
    if (this.settings.mode === 'pio-word') {
      const mem = this.guest.mem;
      const s = this.staging;
      for (let sector = 0; sector < n; sector++) {
        for (let i = 0; i < WORDS_PER_SECTOR; i++) {
          const v = io.in(DATA, 2);
          s[2 * i] = v & 0xff;
          s[2 * i + 1] = v >>> 8;
        }
        mem.write(this.addr + sector * SECTOR_BYTES, s);
      }
    } else {
      io.repIns(DATA, 2, n * WORDS_PER_SECTOR, this.addr);
    }
    this.remaining -= n;
    this.addr += n * SECTOR_BYTES;
  }

  /** RAM → device for one block. */
  private pushBlock(): void {
    const n = Math.min(this.remaining, this.blockSectors);
    const io = this.guest.io;
    if (this.settings.mode === 'pio-word') {
      const mem = this.guest.mem;
      const s = this.staging;
      for (let sector = 0; sector < n; sector++) {
        mem.read(this.addr + sector * SECTOR_BYTES, SECTOR_BYTES, s);
        for (let i = 0; i < WORDS_PER_SECTOR; i++)
          io.out(DATA, 2, (s[2 * i] as number) | ((s[2 * i + 1] as number) << 8));
      }
    } else {
      io.repOuts(DATA, 2, n * WORDS_PER_SECTOR, this.addr);
    }
    this.remaining -= n;
    this.addr += n * SECTOR_BYTES;
  }

  private fail(): void {
    this.stats.errors++;
    this.finish('ioerr');
  }

  private finish(status: IoStatus): void {
    const req = this.req;
    const done = this.done;
    this.req = undefined;
    this.done = undefined;
    this.phase = 'idle';
    if (req === undefined || done === undefined) return;
    req.status = status;
    done(req);
  }
}
