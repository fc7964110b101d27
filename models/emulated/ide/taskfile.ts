/**
 * One drive's view of the taskfile (ATA/ATAPI-6 §7): the registers with their 48-bit HOB shadows,
 * status and error, and the address arithmetic of QEMU hw/ide/core.c (ide_get_sector /
 * ide_set_sector, ide_cmd_lba48_transform). Both drives of a channel keep a copy, since register
 * writes reach both; reads come from the selected one. LBA48 arithmetic is exact: no 32-bit bit
 * operations on values that can exceed 2^32 (specs/trap-emulate.md §8 H3).
 */
import type { DiskGeometry } from './identify.js';
import { AtaStatus, DeviceReg, SectorCountZero } from './registers.js';

const TWO8 = 0x100;
const TWO16 = 0x10000;
const TWO24 = 0x1000000;
const TWO32 = 0x100000000;
const TWO40 = 0x10000000000;

export class UnitRegisters {
  feature = 0;
  hobFeature = 0;
  /** Sector count; after a command starts it holds the full count (up to 65,536), reads show the low byte. */
  nsector = 0;
  hobNsector = 0;
  sector = 0;
  hobSector = 0;
  lcyl = 0;
  hobLcyl = 0;
  hcyl = 0;
  hobHcyl = 0;
  select: number = DeviceReg.alwaysOn;
  status: number = AtaStatus.DRDY | AtaStatus.DSC;
  error = 0;
  /** The running command uses 48-bit addressing. */
  lba48 = false;

  /** Register values after a reset (QEMU ide_reset + ide_set_signature; ATA/ATAPI-6 §9.12 signature). */
  reset(present: boolean): void {
    this.feature = 0;
    this.hobFeature = 0;
    this.error = 0;
    this.hobNsector = 0;
    this.hobSector = 0;
    this.hobLcyl = 0;
    this.hobHcyl = 0;
    this.select = DeviceReg.alwaysOn;
    this.status = AtaStatus.DRDY | AtaStatus.DSC;
    this.lba48 = false;
    this.setSignature(present);
  }

  /** Device signature: count 1, LBA low 1, mid/high 00/00 for a disk, FF/FF when no drive is there; head bits cleared. */
  setSignature(present: boolean): void {
    this.select &= ~DeviceReg.headMask;
    this.nsector = 1;
    this.sector = 1;
    this.lcyl = present ? 0 : 0xff;
    this.hcyl = present ? 0 : 0xff;
  }

  /** Count 0 means 256 (LBA28) or 65,536 (LBA48, both bytes 0); LBA48 joins the HOB byte. */
  lba48Transform(lba48: boolean): void {
    this.lba48 = lba48;
    if (!lba48) {
      if (this.nsector === 0) this.nsector = SectorCountZero.lba28;
    } else if (this.nsector === 0 && this.hobNsector === 0) {
      this.nsector = SectorCountZero.lba48;
    } else {
      this.nsector = (this.hobNsector << 8) | this.nsector;
    }
  }

  /**
   * The addressed sector: LBA48, LBA28 or CHS. −1 (out of range) for CHS sector 0 and for CHS with
   * a geometry of 0 sectors per track (INITIALIZE DEVICE PARAMETERS count 0), which QEMU 7.2
   * divides by when it updates the registers (a host SIGFPE; see divergences/ide.ts).
   */
  getSector(geometry: DiskGeometry): number {
    if (this.select & DeviceReg.LBA) {
      if (this.lba48) {
        return (
          this.hobHcyl * TWO40 +
          this.hobLcyl * TWO32 +
          this.hobSector * TWO24 +
          this.hcyl * TWO16 +
          this.lcyl * TWO8 +
          this.sector
        );
      }
      return (this.select & DeviceReg.headMask) * TWO24 + this.hcyl * TWO16 + this.lcyl * TWO8 + this.sector;
    }
    if (geometry.heads * geometry.sectors === 0) return -1;
    const cylinder = this.hcyl * TWO8 + this.lcyl;
    return (
      cylinder * geometry.heads * geometry.sectors +
      (this.select & DeviceReg.headMask) * geometry.sectors +
      (this.sector - 1)
    );
  }

  /** Point the address registers at `n` (after a transfer they name the sector past the last one). */
  setSector(n: number, geometry: DiskGeometry): void {
    if (this.select & DeviceReg.LBA) {
      if (this.lba48) {
        this.sector = n % TWO8;
        this.lcyl = Math.floor(n / TWO8) % TWO8;
        this.hcyl = Math.floor(n / TWO16) % TWO8;
        this.hobSector = Math.floor(n / TWO24) % TWO8;
        this.hobLcyl = Math.floor(n / TWO32) % TWO8;
        this.hobHcyl = Math.floor(n / TWO40) % TWO8;
        return;
      }
      this.select = (this.select & ~DeviceReg.headMask) | (Math.floor(n / TWO24) & DeviceReg.headMask);
      this.hcyl = Math.floor(n / TWO16) % TWO8;
      this.lcyl = Math.floor(n / TWO8) % TWO8;
      this.sector = n % TWO8;
      return;
    }
    const perCylinder = geometry.heads * geometry.sectors;
    if (perCylinder === 0) return; // never reached: getSector refused the transfer
    const cylinder = Math.floor(n / perCylinder);
    const r = n % perCylinder;
    this.hcyl = Math.floor(cylinder / TWO8) % TWO8;
    this.lcyl = cylinder % TWO8;
    this.select = (this.select & ~DeviceReg.headMask) | (Math.floor(r / geometry.sectors) & DeviceReg.headMask);
    this.sector = ((r % geometry.sectors) + 1) % TWO8;
  }
}
