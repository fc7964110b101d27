/**
 * The command table of the disk (QEMU 7.2 hw/ide/core.c ide_cmd_table, entries allowed for a hard
 * disk; ACS-2 Table B.2 opcodes). An opcode not listed aborts with ABRT + IRQ. Lookup is one array
 * index per command (H14). SMART (0xB0) and DATA SET MANAGEMENT (0x06) are not modelled and abort:
 * see test/peers/qemu/divergences/ide.ts.
 */
import { AtaCommand } from './registers.js';

/** What a command does. */
export const CommandKind = {
  unsupported: 0,
  /** Completes at once with no effect (recalibrate, seek, idle/standby/sleep). */
  nop: 1,
  readPio: 2,
  writePio: 3,
  readMultiple: 4,
  writeMultiple: 5,
  readDma: 6,
  writeDma: 7,
  setMultipleMode: 8,
  identify: 9,
  flushCache: 10,
  readVerify: 11,
  readNativeMax: 12,
  checkPowerMode: 13,
  setFeatures: 14,
  executeDiagnostic: 15,
  /** SECURITY FREEZE LOCK (QEMU shares CFA_WEAR_LEVEL's handler: count := 0, success). */
  freezeLock: 16,
  /** INITIALIZE DEVICE PARAMETERS: heads and sectors per track of the CHS translation (QEMU 7.2 cmd_specify). */
  initializeParameters: 17,
} as const;
export type CommandKindId = (typeof CommandKind)[keyof typeof CommandKind];

/** Flags per opcode. */
export const CommandFlag = {
  /** 48-bit addressing (the EXT commands). */
  lba48: 0x01,
  /** Set DSC in the status when the command completes without error (QEMU SET_DSC). */
  setsDsc: 0x02,
} as const;

const kinds = new Uint8Array(256);
const flags = new Uint8Array(256);

function define(opcode: number, kind: CommandKindId, flag = 0): void {
  kinds[opcode] = kind;
  flags[opcode] = flag;
}

const C = AtaCommand;
const K = CommandKind;
const LBA48 = CommandFlag.lba48;
const DSC = CommandFlag.setsDsc;

define(C.RECALIBRATE, K.nop, DSC);
define(C.READ_SECTORS, K.readPio);
define(C.READ_SECTORS_NO_RETRY, K.readPio);
define(C.READ_SECTORS_EXT, K.readPio, LBA48);
define(C.READ_DMA_EXT, K.readDma, LBA48);
define(C.READ_NATIVE_MAX_ADDRESS_EXT, K.readNativeMax, LBA48 | DSC);
define(C.READ_MULTIPLE_EXT, K.readMultiple, LBA48);
define(C.WRITE_SECTORS, K.writePio);
define(C.WRITE_SECTORS_NO_RETRY, K.writePio);
define(C.WRITE_SECTORS_EXT, K.writePio, LBA48);
define(C.WRITE_DMA_EXT, K.writeDma, LBA48);
define(C.WRITE_MULTIPLE_EXT, K.writeMultiple, LBA48);
define(C.WRITE_VERIFY, K.writePio);
define(C.READ_VERIFY_SECTORS, K.readVerify, DSC);
define(C.READ_VERIFY_SECTORS_NO_RETRY, K.readVerify, DSC);
define(C.READ_VERIFY_SECTORS_EXT, K.readVerify, LBA48 | DSC);
define(C.SEEK, K.nop, DSC);
define(C.EXECUTE_DEVICE_DIAGNOSTIC, K.executeDiagnostic);
define(C.INITIALIZE_DEVICE_PARAMETERS, K.initializeParameters, DSC);
define(C.STANDBY_IMMEDIATE_ALT, K.nop);
define(C.IDLE_IMMEDIATE_ALT, K.nop);
define(C.STANDBY_ALT, K.nop);
define(C.IDLE_ALT, K.nop);
define(C.CHECK_POWER_MODE_ALT, K.checkPowerMode, DSC);
define(C.SLEEP_ALT, K.nop);
define(C.READ_MULTIPLE, K.readMultiple);
define(C.WRITE_MULTIPLE, K.writeMultiple);
define(C.SET_MULTIPLE_MODE, K.setMultipleMode, DSC);
define(C.READ_DMA, K.readDma);
define(C.READ_DMA_NO_RETRY, K.readDma);
define(C.WRITE_DMA, K.writeDma);
define(C.WRITE_DMA_NO_RETRY, K.writeDma);
define(C.STANDBY_IMMEDIATE, K.nop);
define(C.IDLE_IMMEDIATE, K.nop);
define(C.STANDBY, K.nop);
define(C.IDLE, K.nop);
define(C.CHECK_POWER_MODE, K.checkPowerMode, DSC);
define(C.SLEEP, K.nop);
define(C.FLUSH_CACHE, K.flushCache);
define(C.FLUSH_CACHE_EXT, K.flushCache);
define(C.IDENTIFY_DEVICE, K.identify);
define(C.SET_FEATURES, K.setFeatures, DSC);
define(C.SECURITY_FREEZE_LOCK, K.freezeLock, DSC);
define(C.READ_NATIVE_MAX_ADDRESS, K.readNativeMax, DSC);

export function commandKind(opcode: number): CommandKindId {
  return kinds[opcode & 0xff] as CommandKindId;
}

export function commandFlags(opcode: number): number {
  return flags[opcode & 0xff] as number;
}
