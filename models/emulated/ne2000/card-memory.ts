/**
 * The NE2000's on-card memory as remote DMA sees it (trap-emulate.md §4 "Card memory";
 * QEMU ne2000.c `ne2000_mem_*`): the PROM at 0x0000–0x001F and 32 KiB of packet RAM at
 * 0x4000–0xBFFF. Elsewhere reads are all-ones and writes are dropped. 16- and 32-bit accesses
 * clear address bit 0; a 32-bit access in packet RAM must end at or below 0xC000 (one in the
 * PROM may reach bytes 0x20–0x21 of the backing array, as QEMU's does). Every access is
 * bounds-checked against the array (H1): addresses are unsigned and may exceed 16 bits.
 */
import { CardMemory, Prom } from './registers.js';

function inProm(addr: number): boolean {
  return addr < CardMemory.promBytes;
}

export class Ne2000Memory {
  /** 0x0000–0xBFFF; the gap 0x0020–0x3FFF is unreachable by remote DMA. */
  readonly bytes = new Uint8Array(CardMemory.bytes);

  /**
   * Reload the PROM as a reset does (ne2000.c `ne2000_reset`): MAC at 0–5, 0x57 at 14–15,
   * then bytes 0–15 doubled in place into 0–31. Bytes 6–13 are whatever was there before, so
   * PROM bytes 12–27 carry stale values after the first reset (trap-emulate.md §4: never compare
   * them) — reproduced exactly so that a QEMU differential can compare them anyway.
   */
  loadProm(mac: Uint8Array): void {
    const b = this.bytes;
    for (let i = 0; i < Prom.macBytes; i++) b[i] = mac[i] as number;
    b[Prom.signatureSource] = Prom.signature;
    b[Prom.signatureSource + 1] = Prom.signature;
    for (let i = CardMemory.promBytes / 2 - 1; i >= 0; i--) {
      const v = b[i] as number;
      b[2 * i] = v;
      b[2 * i + 1] = v;
    }
  }

  readByte(addr: number): number {
    if (inProm(addr) || (addr >= CardMemory.packetStart && addr < CardMemory.packetEnd)) {
      return this.bytes[addr] as number;
    }
    return 0xff;
  }

  readWord(addr: number): number {
    const a = evenAddress(addr);
    if (inProm(a) || (a >= CardMemory.packetStart && a < CardMemory.packetEnd)) {
      return (this.bytes[a] as number) | ((this.bytes[a + 1] as number) << 8);
    }
    return 0xffff;
  }

  readDword(addr: number): number {
    const a = evenAddress(addr);
    if (inProm(a) || (a >= CardMemory.packetStart && a + 4 <= CardMemory.packetEnd)) {
      const b = this.bytes;
      return (
        ((b[a] as number) |
          ((b[a + 1] as number) << 8) |
          ((b[a + 2] as number) << 16) |
          ((b[a + 3] as number) << 24)) >>>
        0
      );
    }
    return 0xffffffff;
  }

  writeByte(addr: number, value: number): void {
    if (inProm(addr) || (addr >= CardMemory.packetStart && addr < CardMemory.packetEnd)) {
      this.bytes[addr] = value;
    }
  }

  writeWord(addr: number, value: number): void {
    const a = evenAddress(addr);
    if (inProm(a) || (a >= CardMemory.packetStart && a < CardMemory.packetEnd)) {
      this.bytes[a] = value & 0xff;
      this.bytes[a + 1] = (value >>> 8) & 0xff;
    }
  }

  writeDword(addr: number, value: number): void {
    const a = evenAddress(addr);
    if (inProm(a) || (a >= CardMemory.packetStart && a + 4 <= CardMemory.packetEnd)) {
      const b = this.bytes;
      b[a] = value & 0xff;
      b[a + 1] = (value >>> 8) & 0xff;
      b[a + 2] = (value >>> 16) & 0xff;
      b[a + 3] = (value >>> 24) & 0xff;
    }
  }
}

/** Address bit 0 cleared, staying unsigned for addresses ≥ 2^31. */
function evenAddress(addr: number): number {
  return (addr & ~1) >>> 0;
}
