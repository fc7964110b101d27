/**
 * How the two ring halves read and write ring metadata (indices, slots, descriptors, used elements).
 *
 * Over guest memory with in-place access (the SharedArrayBuffer implementation) they index typed-array
 * views of guest RAM directly, as vhost maps a ring once instead of translating every access: every
 * address they use lies in an area validated when the ring was accepted (or in an indirect table
 * validated with `inRange` before its first entry is read), so per-access bounds checks would be
 * redundant. Any other GuestMemory (a qtest peer, a recording wrapper) is used through its accessors.
 */
import { type GuestMemory, isDirect } from '../../platform/memory.js';

export type RingAccess = Pick<GuestMemory, 'u16' | 'u32' | 'u64' | 'setU16' | 'setU32' | 'setU64'>;

const TWO32 = 4294967296;
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Typed-array access; misaligned addresses (possible only inside indirect tables) go through a DataView. */
class MappedRingAccess implements RingAccess {
  private readonly h16: Uint16Array;
  private readonly h32: Uint32Array;
  private readonly dv: DataView;

  constructor(buffer: ArrayBufferLike, byteOffset: number, byteLength: number) {
    this.h16 = new Uint16Array(buffer, byteOffset, byteLength >>> 1);
    this.h32 = new Uint32Array(buffer, byteOffset, byteLength >>> 2);
    this.dv = new DataView(buffer, byteOffset, byteLength);
  }

  u16(addr: number): number {
    return (addr & 1) === 0 ? (this.h16[addr >>> 1] as number) : this.dv.getUint16(addr, true);
  }
  u32(addr: number): number {
    return (addr & 3) === 0 ? (this.h32[addr >>> 2] as number) : this.dv.getUint32(addr, true);
  }
  u64(addr: number): number {
    return this.u32(addr + 4) * TWO32 + this.u32(addr);
  }
  setU16(addr: number, v: number): void {
    if ((addr & 1) === 0) this.h16[addr >>> 1] = v;
    else this.dv.setUint16(addr, v, true);
  }
  setU32(addr: number, v: number): void {
    if ((addr & 3) === 0) this.h32[addr >>> 2] = v;
    else this.dv.setUint32(addr, v >>> 0, true);
  }
  setU64(addr: number, v: number): void {
    this.setU32(addr, v >>> 0);
    this.setU32(addr + 4, Math.floor(v / TWO32) >>> 0);
  }
}

/** The fastest safe accessor for `mem` (see the module comment). */
export function ringAccess(mem: GuestMemory): RingAccess {
  const direct = isDirect(mem) && mem.bytes.byteLength === mem.size && mem.bytes.byteOffset % 4 === 0;
  if (direct && LITTLE_ENDIAN_HOST && mem.size <= TWO32) {
    const b = mem.bytes;
    return new MappedRingAccess(b.buffer, b.byteOffset, b.byteLength);
  }
  return mem;
}
