/**
 * The primary IDE channel as the guest reaches it (QEMU hw/ide/core.c ide_ioport_read/write,
 * ide_status_read, ide_ctrl_write, ide_data_*; ioport.c port lists; specs/trap-emulate.md §3):
 *
 * - Command block 0x1F0–0x1F7: 8-bit accesses are register accesses (an 8-bit data read takes a
 *   whole word and returns its low byte, QEMU 7.2; 8-bit data writes are ignored); 16/32-bit at
 *   0x1F0 move data; a 16-bit access elsewhere is two byte accesses (low port first); 32-bit
 *   elsewhere reads all-ones and is dropped.
 * - Writes reach both drives' registers, shifting the old value into the HOB shadow, and clear
 *   control.HOB; registers 1–6 are ignored while the selected drive has BSY or DRQ.
 * - Status (0x1F7) read and command write lower INTRQ; alternate status (0x3F6) has no side effect.
 * - INTRQ is raised only with nIEN = 0; setting nIEN does not lower a raised line (QEMU).
 * - SRST 0→1 resets both drives at once and raises INTRQ (QEMU 7.2 finishes the reset in a
 *   bottom half that also clears SRST, so every write with SRST set resets).
 * - The slave is absent: its status and error read 0 and commands to it are ignored; its other
 *   registers still take writes. Selecting it survives SRST (QEMU keeps `bus->unit`).
 */
import { type AccessSize, ALL_ONES } from '../../platform/bus.js';
import type { BusMasterChannel } from './bmdma.js';
import type { AtaDrive, DriveIrq } from './drive.js';
import { AtaStatus, DeviceControl, DeviceReg, TaskfileReg } from './registers.js';
import { UnitRegisters } from './taskfile.js';

const BSY_DRQ = AtaStatus.BSY | AtaStatus.DRQ;

export class IdeChannel implements DriveIrq {
  /** Registers of the absent slave (writes reach it; QEMU keeps an IDEState for it). */
  readonly slave = new UnitRegisters();
  /** 0 = master, 1 = slave (QEMU `bus->unit`). */
  selected = 0;
  /** Device control register as last written, SRST excluded once the reset is done. */
  control = 0;
  private irqLevel = false;
  /** INTRQ rising edges raised (for tests and describe()). */
  irqRaises = 0;

  constructor(
    readonly drive: AtaDrive,
    readonly bm: BusMasterChannel,
    private readonly setLine: (level: boolean) => void,
  ) {
    this.slave.reset(false);
  }

  get line(): boolean {
    return this.irqLevel;
  }

  private get unit(): UnitRegisters {
    return this.selected === 0 ? this.drive.regs : this.slave;
  }

  /** QEMU ide_set_irq through bmdma_irq: nIEN blocks it; every raise sets BM INT. */
  raise(): void {
    if (this.control & DeviceControl.nIEN) return;
    this.bm.noteIrq();
    if (this.irqLevel) return;
    this.irqLevel = true;
    this.irqRaises++;
    this.setLine(true);
  }

  private lower(): void {
    if (!this.irqLevel) return;
    this.irqLevel = false;
    this.setLine(false);
  }

  // ---- command block --------------------------------------------------------------

  readCommandBlock(offset: number, size: AccessSize): number {
    if (size === 1) return this.readRegister(offset);
    if (offset === TaskfileReg.data) return this.selected === 0 ? this.drive.dataRead(size) : 0;
    if (size === 2 && offset < TaskfileReg.status) {
      const lo = this.readRegister(offset);
      return lo | (this.readRegister(offset + 1) << 8);
    }
    return ALL_ONES[size];
  }

  writeCommandBlock(offset: number, size: AccessSize, value: number): void {
    if (size === 1) {
      this.writeRegister(offset, value & 0xff);
      return;
    }
    if (offset === TaskfileReg.data) {
      if (this.selected === 0) this.drive.dataWrite(size, value);
      return;
    }
    if (size === 2 && offset < TaskfileReg.status) {
      this.writeRegister(offset, value & 0xff);
      this.writeRegister(offset + 1, (value >>> 8) & 0xff);
    }
  }

  private readRegister(reg: number): number {
    const u = this.unit;
    const hob = (this.control & DeviceControl.HOB) !== 0;
    const present = this.selected === 0;
    switch (reg) {
      case TaskfileReg.data:
        // QEMU 7.2: a byte read of the data port consumes a word (specs/trap-emulate.md §3).
        return present ? this.drive.dataRead(2) & 0xff : 0;
      case TaskfileReg.error:
        if (!present) return 0;
        return hob ? u.hobFeature : u.error;
      case TaskfileReg.sectorCount:
        return hob ? u.hobNsector : u.nsector & 0xff;
      case TaskfileReg.lbaLow:
        return hob ? u.hobSector : u.sector;
      case TaskfileReg.lbaMid:
        return hob ? u.hobLcyl : u.lcyl;
      case TaskfileReg.lbaHigh:
        return hob ? u.hobHcyl : u.hcyl;
      case TaskfileReg.device:
        return u.select;
      default:
        this.lower();
        return present ? u.status : 0;
    }
  }

  private writeRegister(reg: number, v: number): void {
    if (reg !== TaskfileReg.command && this.unit.status & BSY_DRQ) return;
    const m = this.drive.regs;
    const s = this.slave;
    switch (reg) {
      case TaskfileReg.data:
        return; // byte writes to the data port are ignored (QEMU 7.2)
      case TaskfileReg.features:
        this.control &= ~DeviceControl.HOB;
        m.hobFeature = m.feature;
        s.hobFeature = s.feature;
        m.feature = v;
        s.feature = v;
        return;
      case TaskfileReg.sectorCount:
        this.control &= ~DeviceControl.HOB;
        m.hobNsector = m.nsector & 0xff;
        s.hobNsector = s.nsector & 0xff;
        m.nsector = v;
        s.nsector = v;
        return;
      case TaskfileReg.lbaLow:
        this.control &= ~DeviceControl.HOB;
        m.hobSector = m.sector;
        s.hobSector = s.sector;
        m.sector = v;
        s.sector = v;
        return;
      case TaskfileReg.lbaMid:
        this.control &= ~DeviceControl.HOB;
        m.hobLcyl = m.lcyl;
        s.hobLcyl = s.lcyl;
        m.lcyl = v;
        s.lcyl = v;
        return;
      case TaskfileReg.lbaHigh:
        this.control &= ~DeviceControl.HOB;
        m.hobHcyl = m.hcyl;
        s.hobHcyl = s.hcyl;
        m.hcyl = v;
        s.hcyl = v;
        return;
      case TaskfileReg.device:
        this.control &= ~DeviceControl.HOB;
        m.select = v | DeviceReg.alwaysOn;
        s.select = v | DeviceReg.alwaysOn;
        this.selected = v & DeviceReg.DEV ? 1 : 0;
        return;
      default:
        this.control &= ~DeviceControl.HOB;
        this.lower();
        // Commands to the absent slave are ignored (QEMU ide_exec_cmd).
        if (this.selected === 0) this.drive.execute(v);
    }
  }

  // ---- control block --------------------------------------------------------------

  /** Alternate status: no side effect. */
  readAltStatus(): number {
    return this.selected === 0 ? this.drive.regs.status : 0;
  }

  writeControl(v: number): void {
    const srst = (v & DeviceControl.SRST) !== 0 && (this.control & DeviceControl.SRST) === 0;
    this.control = v;
    if (!srst) return;
    this.drive.softReset();
    this.slave.reset(false);
    this.slave.setSignature(false);
    this.slave.status = AtaStatus.DRDY | AtaStatus.DSC;
    this.slave.error = 0x01;
    this.raise();
    this.control &= ~DeviceControl.SRST;
  }
}
