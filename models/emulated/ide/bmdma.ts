/**
 * One channel's bus-master IDE registers (SFF-8038i rev 1.0 §2) as QEMU's PIIX3 models them
 * (hw/ide/piix.c bmdma_read/bmdma_write, hw/ide/pci.c bmdma_cmd_writeb, bmdma_addr_*):
 *
 * - +0 command: byte access only. START 0→1 latches the PRD pointer, sets ACTIVE and runs a DMA
 *   command already waiting; 1→0 clears ACTIVE. Bits kept: 0x09.
 * - +2 status: byte only. new = (v & 0x60) | (old & ACTIVE) | (old & ~v & (ERR|INT)) (W1C).
 * - +1, +3 read 0xFF; wider accesses to +0…+3 read all-ones and are dropped.
 * - +4…+7 PRD table address, any width, low two bits forced to 0.
 *
 * INT is set every time the channel raises its interrupt (bmdma_irq), DMA or not.
 */
import { type AccessSize, ALL_ONES } from '../../platform/bus.js';
import { BmCommand, BmReg, BmStatus } from './registers.js';

/** The drive side: runs a DMA command that was waiting for START. */
export interface DmaRunner {
  runDma(): void;
}

const LOW_BYTE = 0xff;

export class BusMasterChannel {
  command = 0;
  status = 0;
  /** PRD table pointer as programmed (+4). */
  prdTable = 0;
  /** Next descriptor to fetch: latched from `prdTable` at START 0→1. */
  curAddr = 0;
  /** An ATA DMA command is waiting for START (QEMU: `dma_cb` set). */
  commandPending = false;
  /** A DMA transfer is with the backend. */
  transferring = false;
  /** Bumped at every START transition, so a completion can tell the guest toggled START meanwhile. */
  startGeneration = 0;

  /** The drive whose DMA commands this channel moves; none on a channel without a drive. */
  runner: DmaRunner | undefined;

  read(offset: number, size: AccessSize): number {
    if (offset >= BmReg.prdTable) {
      const shift = (offset - BmReg.prdTable) * 8;
      if (offset - BmReg.prdTable + size > 4) return ALL_ONES[size];
      return Math.floor(this.prdTable / 2 ** shift) % 2 ** (size * 8);
    }
    if (size !== 1) return ALL_ONES[size];
    if (offset === BmReg.command) return this.command;
    if (offset === BmReg.status) return this.status;
    return LOW_BYTE;
  }

  write(offset: number, size: AccessSize, value: number): void {
    if (offset >= BmReg.prdTable) {
      const byte = offset - BmReg.prdTable;
      if (byte + size > 4) return;
      const shift = byte * 8;
      const mask = (ALL_ONES[size] * 2 ** shift) >>> 0;
      const placed = ((value & ALL_ONES[size]) * 2 ** shift) >>> 0;
      this.prdTable = (((this.prdTable & ~mask) | placed) & ~3) >>> 0;
      return;
    }
    if (size !== 1) return;
    if (offset === BmReg.command) this.writeCommand(value & 0xff);
    else if (offset === BmReg.status) {
      const old = this.status;
      this.status =
        (value & (BmStatus.DRIVE0_DMA | BmStatus.DRIVE1_DMA)) |
        (old & BmStatus.ACTIVE) |
        (old & ~value & (BmStatus.ERR | BmStatus.INT));
    }
  }

  private writeCommand(value: number): void {
    const starting = (value & BmCommand.START) !== 0;
    if (starting !== ((this.command & BmCommand.START) !== 0)) {
      this.startGeneration++;
      if (!starting) {
        // Stop: a transfer still with the backend completes on its own (the vCPU never waits on it).
        this.status &= ~BmStatus.ACTIVE;
      } else {
        this.curAddr = this.prdTable;
        if ((this.status & BmStatus.ACTIVE) === 0) {
          this.status |= BmStatus.ACTIVE;
          if (this.commandPending) this.runner?.runDma();
        }
      }
    }
    // The direction bit is stored but, as in QEMU, the ATA command decides the direction.
    this.command = value & BmCommand.writable;
  }

  /** The channel raised its interrupt line (QEMU bmdma_irq). */
  noteIrq(): void {
    this.status |= BmStatus.INT;
  }

  /** An ATA DMA command arrived (QEMU bmdma_start_dma): run now if START is already set. */
  armCommand(): boolean {
    this.commandPending = true;
    return (this.status & BmStatus.ACTIVE) !== 0;
  }

  /** QEMU bmdma_set_inactive: the command is over; ACTIVE stays only when the PRDs described more. */
  finish(stayActive: boolean, startGeneration: number): void {
    this.commandPending = false;
    this.transferring = false;
    // The guest toggled START while the backend worked: the register already says what it chose.
    if (startGeneration !== this.startGeneration) return;
    if (stayActive) this.status |= BmStatus.ACTIVE;
    else this.status &= ~BmStatus.ACTIVE;
  }

  /**
   * SRST (specs/trap-emulate.md §8 H7): a waiting or running command is dropped and ACTIVE cleared.
   * Without one, ACTIVE stays as START left it (QEMU-equal).
   */
  cancel(): void {
    if (this.commandPending || this.transferring) this.status &= ~BmStatus.ACTIVE;
    this.commandPending = false;
    this.transferring = false;
  }
}
