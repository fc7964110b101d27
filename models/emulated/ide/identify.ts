/**
 * IDENTIFY DEVICE data (ATA/ATAPI-6 §8.15 Table 24) with the values QEMU 7.2 answers for an
 * `ide-hd` (hw/ide/core.c ide_identify; observed, specs/trap-emulate.md §3). Built once, on the
 * first IDENTIFY, as QEMU does: SET FEATURES edits the words in place afterwards, and word 59
 * keeps the multiple count of that first IDENTIFY.
 */
import { MAX_MULTIPLE_SECTORS } from './registers.js';

/** Word numbers (ATA/ATAPI-6 Table 24). */
export const IdentifyWord = {
  general: 0,
  cylinders: 1,
  heads: 3,
  sectorsPerTrack: 6,
  serial: 10,
  firmware: 23,
  model: 27,
  maxMultiple: 47,
  capabilities: 49,
  validFields: 53,
  multipleSetting: 59,
  lba28Capacity: 60,
  swDma: 62,
  mwDma: 63,
  commandSetSupported2: 83,
  commandSetEnabled1: 85,
  udma: 88,
  lba48Capacity: 100,
} as const;

/** Bits the driver checks (ATA/ATAPI-6 Table 24). */
export const IdentifyBit = {
  /** w49 bit 9: LBA supported. */
  lbaSupported: 0x0200,
  /** w49 bit 8: DMA supported. */
  dmaSupported: 0x0100,
  /** w83 bit 10: 48-bit address feature set supported. */
  lba48: 0x0400,
  /** w85 bit 5: write cache enabled. */
  writeCacheEnabled: 0x0020,
} as const;

/** String fields as QEMU fills them (hw/ide/core.c ide_init_drive; `qemu_hw_version()` of a 7.2 `pc`). */
export const IdentifyStrings = { firmware: '2.5+', model: 'QEMU HARDDISK' } as const;

export const IDENTIFY_WORDS = 256;

/** w85 with and without the write cache (QEMU: NOP | WCACHE | SMART, or NOP | SMART). */
export const COMMAND_SET_ENABLED_WCE = 0x4021;
export const COMMAND_SET_ENABLED_NO_WCE = 0x4001;

/** CHS geometry; heads and sectors change with INITIALIZE DEVICE PARAMETERS. */
export interface DiskGeometry {
  cylinders: number;
  heads: number;
  sectors: number;
}

/**
 * The geometry QEMU guesses for a disk without an MBR (hw/block/hd-geometry.c guess_chs_for_size):
 * 16 heads, 63 sectors, cylinders = size / 1008 clamped to 2…16383.
 */
export function guessGeometry(capacitySectors: number): DiskGeometry {
  const cylinders = Math.min(16383, Math.max(2, Math.floor(capacitySectors / (16 * 63))));
  return { cylinders, heads: 16, sectors: 63 };
}

/** ATA strings: space padded, first character in the high byte of each word (ATA/ATAPI-6 §3.2.7). */
export function putAtaString(words: Uint16Array, first: number, text: string, chars: number): void {
  for (let i = 0; i < chars; i += 2) {
    const hi = i < text.length ? text.charCodeAt(i) & 0xff : 0x20;
    const lo = i + 1 < text.length ? text.charCodeAt(i + 1) & 0xff : 0x20;
    words[first + i / 2] = (hi << 8) | lo;
  }
}

/** The printable part of a backend serial (NUL padded to 20 bytes in the backend contract). */
export function serialText(serial: string): string {
  const nul = serial.indexOf('\0');
  return (nul < 0 ? serial : serial.slice(0, nul)).slice(0, 20);
}

/** Fill `words` (256) with IDENTIFY data for a disk of `capacitySectors`. */
export function buildIdentify(
  words: Uint16Array,
  capacitySectors: number,
  geometry: DiskGeometry,
  serial: string,
  multipleSectors: number,
  writeCache: boolean,
): void {
  words.fill(0);
  const { cylinders, heads, sectors } = geometry;
  words[0] = 0x0040; // fixed device
  words[1] = cylinders;
  words[3] = heads;
  words[4] = (512 * sectors) & 0xffff; // retired: bytes per track
  words[5] = 512; // retired: bytes per sector
  words[6] = sectors;
  putAtaString(words, IdentifyWord.serial, serialText(serial), 20);
  words[20] = 3; // retired: buffer type
  words[21] = 512; // retired: buffer size in sectors
  words[22] = 4; // obsolete: ECC bytes
  putAtaString(words, IdentifyWord.firmware, IdentifyStrings.firmware, 8);
  putAtaString(words, IdentifyWord.model, IdentifyStrings.model, 40);
  words[47] = 0x8000 | MAX_MULTIPLE_SECTORS;
  words[48] = 0x0001; // 32-bit PIO
  words[49] = 0x0800 | IdentifyBit.lbaSupported | IdentifyBit.dmaSupported; // IORDY, LBA, DMA
  words[51] = 0x0200; // PIO cycle
  words[52] = 0x0200; // DMA cycle
  words[53] = 0x0007; // words 54–58, 64–70, 88 valid
  words[54] = cylinders;
  words[55] = heads;
  words[56] = sectors;
  const chsCapacity = cylinders * heads * sectors;
  words[57] = chsCapacity & 0xffff;
  words[58] = Math.floor(chsCapacity / 0x10000) & 0xffff;
  if (multipleSectors !== 0) words[59] = 0x0100 | multipleSectors;
  words[62] = 0x0007;
  words[63] = 0x0007;
  words[64] = 0x0003; // PIO 3–4
  words[65] = 120;
  words[66] = 120;
  words[67] = 120;
  words[68] = 120;
  words[80] = 0x00f0; // ATA-3…ATA-6
  words[81] = 0x0016;
  words[82] = 0x4021; // NOP, write cache, SMART supported
  words[83] = 0x4000 | 0x2000 | 0x1000 | IdentifyBit.lba48; // FLUSH CACHE EXT, FLUSH CACHE, LBA48
  words[84] = 0x4000;
  words[85] = writeCache ? COMMAND_SET_ENABLED_WCE : COMMAND_SET_ENABLED_NO_WCE;
  words[86] = 0x2000 | 0x1000 | IdentifyBit.lba48;
  words[87] = 0x4000;
  words[88] = 0x203f; // UDMA 0–5 supported, UDMA 5 selected
  words[93] = 0x6001; // hardware reset result
  words[106] = 0x6000; // one logical sector per physical sector
  setCapacityWords(words, capacitySectors);
}

/** w60–61 (LBA28, saturated at 2^28 − 1) and w100–103 (LBA48): exact arithmetic, no 32-bit ops on 48 bits. */
export function setCapacityWords(words: Uint16Array, capacitySectors: number): void {
  const lba28 = Math.min(capacitySectors, 0x0fffffff);
  words[60] = lba28 & 0xffff;
  words[61] = Math.floor(lba28 / 0x10000) & 0xffff;
  let rest = capacitySectors;
  for (let i = 0; i < 4; i++) {
    words[IdentifyWord.lba48Capacity + i] = rest % 0x10000;
    rest = Math.floor(rest / 0x10000);
  }
}

/** Capacity a driver reads back: w100–103 when LBA48 is supported, else w60–61. */
export function identifyCapacity(words: Uint16Array): number {
  if ((words[IdentifyWord.commandSetSupported2] as number) & IdentifyBit.lba48) {
    let v = 0;
    for (let i = 3; i >= 0; i--) v = v * 0x10000 + (words[IdentifyWord.lba48Capacity + i] as number);
    return v;
  }
  return (words[61] as number) * 0x10000 + (words[60] as number);
}
