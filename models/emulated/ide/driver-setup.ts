/**
 * Bringing the IDE disk up through its registers, as a guest kernel's probe does (Linux
 * libata-sff softreset + IDENTIFY; ATA/ATAPI-6 §9.2 and §8.15):
 *
 * 1. find the PIIX3 IDE function (8086:7010) on PCI (00:01.1); for DMA, place BAR4 and enable I/O + bus master;
 * 2. SRST with nIEN set (no interrupt), release it, wait for BSY to clear, check the ATA signature;
 * 3. IDENTIFY DEVICE by polling (nIEN still set): LBA support, LBA48, capacity;
 * 4. `pio-multiple`: SET MULTIPLE MODE to the configured block size;
 * 5. acknowledge the status, take IRQ 14 (edge), clear nIEN.
 *
 * Every wait is a bounded poll of the alternate status: a missing or wedged device fails the
 * bring-up with a message, never a hang.
 */
import type { GuestPlatform } from '../../platform/machine.js';
import { PciConfigAccess } from '../../platform/pci-guest.js';
import { type IdeDeviceFacts, IdeDriver } from './driver.js';
import { IdentifyBit, IdentifyWord, identifyCapacity } from './identify.js';
import type { IdeSettings } from './knobs.js';
import { enableIoBar } from './pci-probe.js';
import {
  AtaCommand,
  AtaStatus,
  DeviceControl,
  DeviceReg,
  Piix3Ide,
  Prd,
  PrimaryChannel,
  TaskfileReg,
  WORDS_PER_SECTOR,
} from './registers.js';

export class IdeProbeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IdeProbeError';
  }
}

/** Polls of the alternate status before a bring-up step gives up. */
export const BRING_UP_POLL_LIMIT = 10_000;

const CMD = PrimaryChannel.commandBlock;
const ALT_STATUS = PrimaryChannel.control;

function hex(v: number): string {
  return `0x${v.toString(16)}`;
}

/** Poll the alternate status until BSY is clear and `(status & mask) !== 0` (or mask 0). */
function waitReady(guest: GuestPlatform, mask: number, what: string): number {
  let st = 0;
  for (let i = 0; i < BRING_UP_POLL_LIMIT; i++) {
    st = guest.io.in(ALT_STATUS, 1);
    if ((st & AtaStatus.BSY) === 0 && (mask === 0 || st & mask)) return st;
  }
  throw new IdeProbeError(`${what}: the drive did not become ready (status ${hex(st)})`);
}

/** Bring the disk up and return its driver; throws IdeProbeError with the reason. */
export function bringUpIde(guest: GuestPlatform, settings: IdeSettings): IdeDriver {
  const io = guest.io;
  const at = new PciConfigAccess(io).find(Piix3Ide.vendorId, Piix3Ide.deviceId);
  if (at === undefined) throw new IdeProbeError('no PIIX3 IDE function (8086:7010) on PCI bus 0');
  let bmBase = -1;
  let prdTable = -1;
  if (settings.mode === 'dma') {
    bmBase = enableIoBar(io, at, Piix3Ide.bmBar);
    // One page: 512 descriptors, never crossing a 64 KiB boundary (SFF-8038i §1.2).
    prdTable = guest.alloc.alloc(Prd.tableWalkBytes, Prd.tableWalkBytes);
  }

  // Software reset with interrupts masked (each write with SRST set resets the channel).
  io.out(ALT_STATUS, 1, DeviceControl.SRST | DeviceControl.nIEN);
  io.out(ALT_STATUS, 1, DeviceControl.nIEN);
  const st = waitReady(guest, 0, 'software reset');
  if (st === 0x00 || st === 0xff) throw new IdeProbeError(`no drive on the primary channel (status ${hex(st)})`);
  const mid = io.in(CMD + TaskfileReg.lbaMid, 1);
  const high = io.in(CMD + TaskfileReg.lbaHigh, 1);
  if (mid !== 0 || high !== 0) {
    throw new IdeProbeError(`primary master signature ${hex(mid)}/${hex(high)} is not an ATA disk (00/00)`);
  }

  io.out(CMD + TaskfileReg.device, 1, DeviceReg.alwaysOn);
  io.out(CMD + TaskfileReg.command, 1, AtaCommand.IDENTIFY_DEVICE);
  const idSt = waitReady(guest, AtaStatus.DRQ | AtaStatus.ERR, 'IDENTIFY DEVICE');
  if (idSt & AtaStatus.ERR) throw new IdeProbeError(`IDENTIFY DEVICE aborted (status ${hex(idSt)})`);
  const page = guest.alloc.alloc(WORDS_PER_SECTOR * 2, 16);
  io.repIns(CMD + TaskfileReg.data, 2, WORDS_PER_SECTOR, page);
  const words = new Uint16Array(WORDS_PER_SECTOR);
  for (let i = 0; i < WORDS_PER_SECTOR; i++) words[i] = guest.mem.u16(page + 2 * i);
  guest.alloc.release(page, WORDS_PER_SECTOR * 2);
  if (((words[IdentifyWord.capabilities] as number) & IdentifyBit.lbaSupported) === 0) {
    throw new IdeProbeError('the drive does not support LBA (IDENTIFY word 49 bit 9)');
  }
  if (settings.mode === 'dma' && ((words[IdentifyWord.capabilities] as number) & IdentifyBit.dmaSupported) === 0) {
    throw new IdeProbeError('the drive does not support DMA (IDENTIFY word 49 bit 8)');
  }
  const lba48 = ((words[IdentifyWord.commandSetSupported2] as number) & IdentifyBit.lba48) !== 0;
  const capacitySectors = identifyCapacity(words);

  if (settings.mode === 'pio-multiple') {
    const maxMultiple = (words[IdentifyWord.maxMultiple] as number) & 0xff;
    if (settings.multipleSectors > maxMultiple) {
      throw new IdeProbeError(`multiple count ${settings.multipleSectors} exceeds the drive's ${maxMultiple}`);
    }
    io.out(CMD + TaskfileReg.sectorCount, 1, settings.multipleSectors);
    io.out(CMD + TaskfileReg.command, 1, AtaCommand.SET_MULTIPLE_MODE);
    const mSt = waitReady(guest, 0, 'SET MULTIPLE MODE');
    if (mSt & AtaStatus.ERR) throw new IdeProbeError(`SET MULTIPLE MODE ${settings.multipleSectors} aborted`);
  }

  const facts: IdeDeviceFacts = { capacitySectors, lba48, bmBase, prdTable };
  const driver = new IdeDriver(guest, settings, facts);
  io.in(CMD + TaskfileReg.status, 1); // drop anything pending before interrupts are on
  guest.irq.onLine(PrimaryChannel.irq, 'edge', driver.onInterrupt);
  io.out(ALT_STATUS, 1, 0);
  return driver;
}
