/**
 * The ATA disk behind the primary channel (master), executing commands the way QEMU 7.2's
 * hw/ide/core.c does (specs/trap-emulate.md §3): command start = DRDY|BSY; completion via
 * QEMU's tail (BSY off, DSC for SET_DSC commands, IRQ); unknown or refused commands = 0x41/ABRT
 * + IRQ; PIO blocks of 1 sector (SECTORS) or the multiple count (MULTIPLE) with an IRQ per
 * block; DMA through the bus master (dma-transfer.ts). Backend I/O is asynchronous: BSY stays
 * set until the reference backend completes on the device actor. Range checks happen per block
 * before any backend access (H3); a reset drops completions still in flight (epoch).
 */
import type { BlockBackend } from '../../platform/backend-api.js';
import type { DirectGuestMemory } from '../../platform/memory.js';
import { BackendLink, type IoPurpose, type IoSlot } from './backend-io.js';
import type { BusMasterChannel } from './bmdma.js';
import { CommandFlag, CommandKind, commandFlags, commandKind } from './commands.js';
import { type DmaDrive, DmaTransfer } from './dma-transfer.js';
import { type FeatureState, setFeature } from './features.js';
import { buildIdentify, type DiskGeometry, guessGeometry, IDENTIFY_WORDS } from './identify.js';
import { PioBuffer, type PioEnd } from './pio-buffer.js';
import { AtaError, AtaStatus, DeviceReg, MAX_MULTIPLE_SECTORS, SECTOR_BYTES } from './registers.js';
import { UnitRegisters } from './taskfile.js';

/** The channel's interrupt output as the drive sees it (QEMU ide_set_irq: gated by nIEN). */
export interface DriveIrq {
  raise(): void;
}

const BSY_DRQ = AtaStatus.BSY | AtaStatus.DRQ;
const READY = AtaStatus.DRDY | AtaStatus.DSC;

export interface DriveStats {
  commands: number;
  aborts: number;
  backendRequests: number;
  /** Completions dropped because a reset came first. */
  staleCompletions: number;
}

export class AtaDrive implements DmaDrive {
  readonly regs = new UnitRegisters();
  readonly capacity: number;
  readonly geometry: DiskGeometry;
  readonly stats: DriveStats = { commands: 0, aborts: 0, backendRequests: 0, staleCompletions: 0 };
  /** READ/WRITE MULTIPLE block size; 16 after reset (QEMU MAX_MULT_SECTORS), 0 = off. */
  multipleSectors = MAX_MULTIPLE_SECTORS;
  /** Write cache and reset-reverts settings (SET FEATURES). */
  readonly features: FeatureState = { writeCache: true, resetReverts: false };
  private readonly defaultHeads: number;
  private readonly defaultSectors: number;
  /** IDENTIFY words, built on the first IDENTIFY and edited in place afterwards. */
  readonly identify = new Uint16Array(IDENTIFY_WORDS);
  private identifySet = false;

  readonly pio = new PioBuffer();
  /** Sectors per PIO block of the running command. */
  private blockSectors = 0;
  /** Bumped at each reset; completions of older epochs are dropped. */
  private epoch = 0;
  private readonly link: BackendLink;
  private readonly dma: DmaTransfer;

  constructor(
    private readonly backend: BlockBackend,
    mem: DirectGuestMemory,
    readonly bm: BusMasterChannel,
    private readonly irq: DriveIrq,
  ) {
    this.capacity = backend.capacitySectors;
    this.geometry = guessGeometry(this.capacity);
    this.defaultHeads = this.geometry.heads;
    this.defaultSectors = this.geometry.sectors;
    this.link = new BackendLink(backend, (slot) => this.complete(slot));
    this.dma = new DmaTransfer(this, mem, bm);
    this.regs.reset(true);
  }

  get status(): number {
    return this.regs.status;
  }

  /** Power-on / bus reset (QEMU ide_reset): registers, signature, multiple count; in-flight work dropped. */
  reset(): void {
    this.epoch++;
    if (this.features.resetReverts) {
      this.features.resetReverts = false;
      this.geometry.heads = this.defaultHeads;
      this.geometry.sectors = this.defaultSectors;
    }
    this.multipleSectors = MAX_MULTIPLE_SECTORS;
    this.blockSectors = 0;
    this.transferStop();
    this.bm.cancel();
    this.regs.reset(true);
  }

  /** SRST's per-drive part (QEMU ide_perform_srst): reset, then the diagnostic's outputs. */
  softReset(): void {
    this.reset();
    this.regs.setSignature(true);
    this.regs.status = READY;
    this.regs.error = 0x01; // diagnostic code: device 0 passed
  }

  // ---- commands -------------------------------------------------------------------

  /** Command register write for this drive (QEMU ide_exec_cmd; the channel filtered absent drives). */
  execute(opcode: number): void {
    const r = this.regs;
    // Only DEVICE RESET to an ATAPI device may interrupt a busy drive; this disk ignores everything.
    if (r.status & BSY_DRQ) return;
    this.stats.commands++;
    const kind = commandKind(opcode);
    if (kind === CommandKind.unsupported) {
      this.abort();
      this.irq.raise();
      return;
    }
    r.status = AtaStatus.DRDY | AtaStatus.BSY;
    r.error = 0;
    const flags = commandFlags(opcode);
    if (this.run(kind, (flags & CommandFlag.lba48) !== 0)) {
      r.status &= ~AtaStatus.BSY;
      if (flags & CommandFlag.setsDsc && r.error === 0) r.status |= AtaStatus.DSC;
      this.irq.raise();
    }
  }

  /** Run one command; true when it completed at once (QEMU's handlers return `complete`). */
  private run(kind: number, lba48: boolean): boolean {
    const r = this.regs;
    switch (kind) {
      case CommandKind.nop:
        return true;
      case CommandKind.readPio:
        r.lba48Transform(lba48);
        this.blockSectors = 1;
        this.sectorRead();
        return false;
      case CommandKind.readMultiple:
        if (this.multipleSectors === 0) return this.abort();
        r.lba48Transform(lba48);
        this.blockSectors = this.multipleSectors;
        this.sectorRead();
        return false;
      case CommandKind.writePio:
      case CommandKind.writeMultiple: {
        if (kind === CommandKind.writeMultiple && this.multipleSectors === 0) return this.abort();
        r.lba48Transform(lba48);
        this.blockSectors = kind === CommandKind.writePio ? 1 : this.multipleSectors;
        // Data is asked for at once; no interrupt before the first block (ATA/ATAPI-6 §9.7).
        r.status = READY;
        this.transferStart(Math.min(r.nsector, this.blockSectors) * SECTOR_BYTES, 'next-write');
        return false;
      }
      case CommandKind.readDma:
      case CommandKind.writeDma:
        r.lba48Transform(lba48);
        this.dma.start(kind === CommandKind.readDma ? 'read' : 'write');
        return false;
      case CommandKind.setMultipleMode: {
        const n = r.nsector & 0xff;
        if (n !== 0 && (n > MAX_MULTIPLE_SECTORS || (r.nsector & (r.nsector - 1)) !== 0)) return this.abort();
        this.multipleSectors = n;
        return true;
      }
      case CommandKind.identify:
        this.identifyDevice();
        return false;
      case CommandKind.flushCache:
        this.flushCache();
        return false;
      case CommandKind.readVerify:
        r.lba48Transform(lba48);
        return true;
      case CommandKind.readNativeMax:
        if (this.capacity === 0) return this.abort();
        // A CHS answer needs sectors per track (QEMU 7.2 divides by zero here: divergences/ide.ts).
        if ((r.select & DeviceReg.LBA) === 0 && this.geometry.heads * this.geometry.sectors === 0) return this.abort();
        r.lba48Transform(lba48);
        r.setSector(this.capacity - 1, this.geometry);
        return true;
      case CommandKind.checkPowerMode:
        r.nsector = 0xff; // active or idle
        return true;
      case CommandKind.setFeatures:
        return this.setFeatures();
      case CommandKind.executeDiagnostic:
        // ATA/ATAPI-6 §8.11: DEV (and, in QEMU 7.2, LBA and head) cleared.
        r.select = DeviceReg.alwaysOn;
        r.setSignature(true);
        r.status = READY;
        r.error = 0x01;
        this.irq.raise();
        return false;
      case CommandKind.freezeLock:
        r.nsector = 0;
        return true;
      case CommandKind.initializeParameters:
        this.geometry.heads = (r.select & DeviceReg.headMask) + 1;
        this.geometry.sectors = r.nsector;
        this.irq.raise();
        return true;
      default:
        return this.abort();
    }
  }

  /** QEMU ide_abort_command: end any data phase, 0x41 with ABRT. Returns true (completion runs). */
  abort(): true {
    this.transferStop();
    this.regs.status = AtaStatus.DRDY | AtaStatus.ERR;
    this.regs.error = AtaError.ABRT;
    this.stats.aborts++;
    return true;
  }

  private identifyDevice(): void {
    const w = this.identify;
    if (!this.identifySet) {
      const { capacity, geometry, multipleSectors } = this;
      buildIdentify(w, capacity, geometry, this.backend.serial, multipleSectors, this.features.writeCache);
      this.identifySet = true;
    }
    const buf = this.pio.bytes;
    for (let i = 0; i < IDENTIFY_WORDS; i++) {
      const v = w[i] as number;
      buf[2 * i] = v & 0xff;
      buf[2 * i + 1] = v >>> 8;
    }
    this.regs.status = READY;
    this.transferStart(IDENTIFY_WORDS * 2, 'stop');
    this.irq.raise();
  }

  /** SET FEATURES (features.ts): complete, abort, or complete after a flush. */
  private setFeatures(): boolean {
    const r = this.regs;
    switch (setFeature(r.feature, r.nsector, this.identify, this.features)) {
      case 'done':
        return true;
      case 'abort':
        return this.abort();
      case 'flush':
        this.flushCache();
        return false;
    }
  }

  // ---- PIO data phase (QEMU ide_transfer_start / _stop, ide_data_read*/write*) -------

  private transferStart(bytes: number, end: PioEnd): void {
    this.pio.start(bytes, end);
    if ((this.regs.status & AtaStatus.ERR) === 0) this.regs.status |= AtaStatus.DRQ;
  }

  /** End the data phase (QEMU ide_transfer_stop): DRQ off, the rest of the status untouched. */
  transferStop(): void {
    this.pio.halt();
    this.regs.status &= ~AtaStatus.DRQ;
  }

  /** Data port read of 2 or 4 bytes; 0 without an outgoing data phase (H8). */
  dataRead(size: 2 | 4): number {
    const pio = this.pio;
    if ((this.regs.status & AtaStatus.DRQ) === 0 || !pio.outgoing || !pio.fits(size)) return 0;
    const v = pio.take(size);
    if (pio.drained) this.blockDone();
    return v;
  }

  /** Data port write of 2 or 4 bytes; ignored without an incoming data phase (H8). */
  dataWrite(size: 2 | 4, value: number): void {
    const pio = this.pio;
    if ((this.regs.status & AtaStatus.DRQ) === 0 || pio.outgoing || !pio.fits(size)) return;
    pio.put(size, value);
    if (pio.drained) this.blockDone();
  }

  /** The guest moved the whole block: DRQ off, then the next step of the command. */
  private blockDone(): void {
    this.regs.status &= ~AtaStatus.DRQ;
    switch (this.pio.next) {
      case 'stop':
        this.transferStop();
        return;
      case 'next-read':
        this.sectorRead();
        return;
      case 'next-write':
        this.sectorWrite();
        return;
    }
  }

  /** Next block of a PIO read (QEMU ide_sector_read): the last block ends with DRQ off and no IRQ. */
  private sectorRead(): void {
    const r = this.regs;
    r.status = READY;
    r.error = 0;
    if (r.nsector === 0) {
      this.transferStop();
      return;
    }
    r.status |= AtaStatus.BSY;
    const n = Math.min(r.nsector, this.blockSectors);
    const sector = r.getSector(this.geometry);
    if (!this.rangeOk(sector, n)) {
      this.abort();
      this.irq.raise();
      return;
    }
    const slot = this.link.acquire();
    slot.useBounce('read', sector, n);
    this.submit(slot, 'pio-read');
  }

  /** The guest filled a block of a PIO write (QEMU ide_sector_write): write it, then IRQ. */
  private sectorWrite(): void {
    const r = this.regs;
    r.status = READY | AtaStatus.BSY;
    const n = Math.min(r.nsector, this.blockSectors);
    const sector = r.getSector(this.geometry);
    if (!this.rangeOk(sector, n)) {
      this.abort();
      this.irq.raise();
      return;
    }
    const slot = this.link.acquire();
    // The block the guest filled becomes the request's buffer; the drive takes the slot's spare.
    slot.bounce = this.pio.swap(slot.bounce);
    slot.useBounce('write', sector, n);
    this.submit(slot, 'pio-write');
  }

  private flushCache(): void {
    this.regs.status |= AtaStatus.BSY;
    const slot = this.link.acquire();
    slot.setRequest('flush', 0, 0, 0);
    this.submit(slot, 'flush');
  }

  /** Sector range inside the disk (QEMU ide_sect_range_ok), exact for any LBA48 value (H3). */
  rangeOk(sector: number, n: number): boolean {
    return Number.isSafeInteger(sector) && sector >= 0 && sector <= this.capacity && n <= this.capacity - sector;
  }

  submit(slot: IoSlot, purpose: IoPurpose): void {
    slot.purpose = purpose;
    slot.epoch = this.epoch;
    this.stats.backendRequests++;
    this.link.submit(slot);
  }

  acquireSlot(): IoSlot {
    return this.link.acquire();
  }

  /** A backend completion, on the device actor. */
  private complete(slot: IoSlot): void {
    if (slot.epoch !== this.epoch) {
      this.stats.staleCompletions++;
      return;
    }
    const r = this.regs;
    const failed = slot.req.status !== 'ok';
    switch (slot.purpose) {
      case 'pio-read': {
        r.status &= ~AtaStatus.BSY;
        if (failed) break;
        const n = slot.sectors;
        // The backend filled the slot's buffer: it becomes the PIO buffer the guest reads.
        slot.bounce = this.pio.swap(slot.bounce);
        r.setSector(slot.sector + n, this.geometry);
        r.nsector -= n;
        this.transferStart(n * SECTOR_BYTES, 'next-read');
        this.irq.raise();
        return;
      }
      case 'pio-write': {
        r.status &= ~AtaStatus.BSY;
        if (failed) break;
        const n = slot.sectors;
        r.nsector -= n;
        r.setSector(slot.sector + n, this.geometry);
        if (r.nsector === 0) this.transferStop();
        else this.transferStart(Math.min(r.nsector, this.blockSectors) * SECTOR_BYTES, 'next-write');
        this.irq.raise();
        return;
      }
      case 'flush':
        if (failed) break;
        r.status = READY;
        this.irq.raise();
        return;
      case 'dma':
        this.dma.complete(slot, failed);
        return;
    }
    // QEMU ide_handle_rw_error with the default `report` action: abort + IRQ.
    this.abort();
    this.irq.raise();
  }

  raiseIrq(): void {
    this.irq.raise();
  }
}
