/**
 * An ATA DMA command through the bus master (QEMU hw/ide/core.c ide_sector_start_dma, ide_dma_cb;
 * specs/trap-emulate.md §3 outcome table). The command sets DRQ (status 0x58) and waits for START;
 * once both are there the PRD table is walked once for the whole transfer:
 *
 * | PRDs                         | ATA status | BM status                 | IRQ |
 * |------------------------------|------------|---------------------------|-----|
 * | exact                        | 0x50       | INT, ACTIVE cleared       | yes |
 * | longer (incl. count 0)       | 0x50       | INT, ACTIVE stays         | yes |
 * | shorter, or 512 without EOT  | 0x50       | ACTIVE cleared            | no  |
 * | LBA out of range             | 0x41 ABRT  | INT (ERR stays clear)     | yes |
 * | outside guest RAM [ours, H6] | 0x51 ABRT  | ERR, INT, ACTIVE cleared  | yes |
 *
 * The backend reads or writes guest RAM in place (zero-copy) in one request.
 */
import type { DirectGuestMemory } from '../../platform/memory.js';
import type { BlockOp } from '../../platform/ports.js';
import type { IoPurpose, IoSlot } from './backend-io.js';
import type { BusMasterChannel } from './bmdma.js';
import type { DiskGeometry } from './identify.js';
import { PrdWalk } from './prd-walk.js';
import { AtaError, AtaStatus, BmStatus, SECTOR_BYTES } from './registers.js';
import type { UnitRegisters } from './taskfile.js';

/** What a DMA transfer needs from its drive (drive.ts AtaDrive). */
export interface DmaDrive {
  readonly regs: UnitRegisters;
  readonly geometry: DiskGeometry;
  rangeOk(sector: number, n: number): boolean;
  /** ABRT: data phase ended, 0x41, error ABRT. */
  abort(): true;
  transferStop(): void;
  raiseIrq(): void;
  acquireSlot(): IoSlot;
  submit(slot: IoSlot, purpose: IoPurpose): void;
}

const READY = AtaStatus.DRDY | AtaStatus.DSC;

export class DmaTransfer {
  private direction: BlockOp = 'read';
  private readonly walk: PrdWalk;

  constructor(
    private readonly drive: DmaDrive,
    private readonly mem: DirectGuestMemory,
    private readonly bm: BusMasterChannel,
  ) {
    this.walk = new PrdWalk(mem);
    bm.runner = this;
  }

  /** A READ/WRITE DMA command: DRQ while waiting for the bus master; runs now if START is set. */
  start(direction: 'read' | 'write'): void {
    this.drive.regs.status = READY | AtaStatus.DRQ;
    this.direction = direction;
    if (this.bm.armCommand()) this.runDma();
  }

  /** START and a command are both there: walk the PRDs and hand the transfer to the backend. */
  runDma(): void {
    const drive = this.drive;
    const r = drive.regs;
    const bm = this.bm;
    // The command leaves the waiting state: a STOP/START pair while it runs must not start it twice.
    bm.commandPending = false;
    const sectors = r.nsector;
    const bytes = sectors * SECTOR_BYTES;
    const slot = drive.acquireSlot();
    const walk = this.walk;
    walk.run(bm, bytes, slot.req.iov);
    if (walk.fault) {
      this.fault();
      return;
    }
    if (walk.preparedBytes < bytes) {
      // Too short a table: QEMU leaves the command without an interrupt and clears ACTIVE.
      r.status = READY;
      bm.finish(false, bm.startGeneration);
      return;
    }
    const sector = r.getSector(drive.geometry);
    if (!drive.rangeOk(sector, sectors)) {
      drive.abort();
      bm.finish(false, bm.startGeneration);
      drive.raiseIrq();
      return;
    }
    const iov = slot.req.iov;
    for (let i = 0; i < walk.segmentCount; i++) {
      const seg = iov[i];
      if (seg !== undefined) this.mem.zeroCopy(seg.offset, seg.length);
    }
    slot.setRequest(this.direction, sector, sectors, walk.segmentCount);
    slot.describedBytes = walk.describedBytes;
    slot.startGeneration = bm.startGeneration;
    bm.transferring = true;
    drive.submit(slot, 'dma');
  }

  /** The backend finished the transfer. */
  complete(slot: IoSlot, failed: boolean): void {
    const drive = this.drive;
    const r = drive.regs;
    if (failed) {
      drive.abort();
      this.bm.finish(false, slot.startGeneration);
      drive.raiseIrq();
      return;
    }
    const n = slot.sectors;
    r.setSector(slot.sector + n, drive.geometry);
    r.nsector -= n;
    r.status = READY;
    // Transferred bytes are in guest RAM before INTRQ tells the guest.
    this.mem.fence();
    drive.raiseIrq();
    this.bm.finish(slot.describedBytes > n * SECTOR_BYTES, slot.startGeneration);
  }

  /** A descriptor or buffer outside guest RAM (our choice, H6): stop with BM ERR|INT, ATA 0x51/ABRT, IRQ. */
  private fault(): void {
    const drive = this.drive;
    drive.transferStop();
    drive.regs.status = READY | AtaStatus.ERR;
    drive.regs.error = AtaError.ABRT;
    this.bm.status |= BmStatus.ERR;
    this.bm.finish(false, this.bm.startGeneration);
    drive.raiseIrq();
  }
}
