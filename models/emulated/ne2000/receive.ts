/**
 * The receive path of the NE2000 model (trap-emulate.md §4 "RX ring"; QEMU ne2000.c
 * `ne2000_receive`): address filter, runt padding, the 4-byte header and the copy into the
 * ring at CURR, wrapping PSTOP → PSTART.
 *
 * Safety (§8 H9, H11): every store lands inside the card-memory array — CURR at or past
 * 0xC000 restarts at PSTART, the copy stops at PSTOP and ends if it ever starts beyond it, so
 * the loop always terminates; a frame larger than the ring's free space is dropped (QEMU would
 * write it over unread frames).
 */
import { copyBytes } from '../../platform/bytes.js';
import { multicastHashIndex } from './crc.js';
import { CardMemory, Cr, Frame, Isr, Rcr, Rsr } from './registers.js';

export type StoreOutcome = 'stored' | 'filtered' | 'too-large';

/** Receive counters (part of Dp8390Stats). */
export interface RxStats {
  rxFrames: number;
  /** Frames dropped because CR.STP was set. */
  rxDroppedStopped: number;
  /** Frames dropped because the ring was full (or PSTOP ≤ PSTART). */
  rxDroppedFull: number;
  /** Frames the address filter rejected (RCR AB/AM/PRO, PROM unicast). */
  rxFiltered: number;
  /** Frames with an impossible length or larger than the ring's free space (H11). */
  rxDroppedMalformed: number;
}

/** The part of the register model the receive path works on (Dp8390 provides it). */
export interface ReceivingCard {
  readonly memory: { readonly bytes: Uint8Array };
  readonly mar: Uint8Array;
  readonly stats: RxStats;
  readonly cr: number;
  readonly rcr: number;
  readonly pstart: number;
  readonly pstop: number;
  curr: number;
  rsr: number;
  isr: number;
  ringFull(): boolean;
  ringFreeBytes(): number;
  updateIrq(): void;
}

/** Destination address of the frame being filtered (runts read as zero-padded). */
const destination = new Uint8Array(6);

function frameByte(bytes: Uint8Array, offset: number, length: number, i: number): number {
  return i < length ? (bytes[offset + i] as number) : 0;
}

function isBroadcast(dst: Uint8Array): boolean {
  for (let i = 0; i < 6; i++) if (dst[i] !== 0xff) return false;
  return true;
}

/** RCR filter (trap-emulate.md §4 "Filter"): PRO all; broadcast needs AB; multicast AM + MAR bit; unicast = PROM MAC. */
export function acceptsDestination(card: ReceivingCard, dst: Uint8Array): boolean {
  if ((card.rcr & Rcr.PRO) !== 0) return true;
  if (isBroadcast(dst)) return (card.rcr & Rcr.AB) !== 0;
  if (((dst[0] as number) & 1) !== 0) {
    if ((card.rcr & Rcr.AM) === 0) return false;
    const index = multicastHashIndex(dst, 0);
    return ((card.mar[index >>> 3] as number) & (1 << (index & 7))) !== 0;
  }
  // QEMU compares with the PROM (MAC bytes at even offsets), not PAR0–5.
  const prom = card.memory.bytes;
  for (let i = 0; i < 6; i++) if (prom[2 * i] !== dst[i]) return false;
  return true;
}

/** Dp8390.receive: validate, drop when stopped/full/filtered/too large, else store and raise PRX. */
export function receiveFrame(card: ReceivingCard, bytes: Uint8Array, offset: number, length: number): boolean {
  const stats = card.stats;
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    stats.rxDroppedMalformed++;
    return false;
  }
  if (length > bytes.length - offset) {
    stats.rxDroppedMalformed++;
    return false;
  }
  if ((card.cr & Cr.STP) !== 0) {
    stats.rxDroppedStopped++;
    return false;
  }
  if (card.ringFull()) {
    stats.rxDroppedFull++;
    return false;
  }
  const outcome = storeFrame(card, bytes, offset, length);
  if (outcome === 'filtered') {
    stats.rxFiltered++;
    return false;
  }
  if (outcome === 'too-large') {
    stats.rxDroppedMalformed++;
    return false;
  }
  stats.rxFrames++;
  card.isr |= Isr.PRX;
  card.updateIrq();
  return true;
}

/** Store one frame at CURR; the caller has checked STP and ring-full. Updates CURR and RSR, not ISR. */
export function storeFrame(card: ReceivingCard, bytes: Uint8Array, offset: number, length: number): StoreOutcome {
  for (let i = 0; i < 6; i++) destination[i] = frameByte(bytes, offset, length, i);
  if (!acceptsDestination(card, destination)) return 'filtered';

  const size = Math.max(length, Frame.minBytes);
  const count = size + Frame.headerBytes;
  if (count > card.ringFreeBytes()) return 'too-large';

  const mem = card.memory.bytes;
  const start = card.pstart << CardMemory.pageShift;
  const stop = card.pstop << CardMemory.pageShift;
  let index = card.curr << CardMemory.pageShift;
  if (index >= CardMemory.packetEnd) index = start;
  // Next page: header + frame + 4 bytes of (unstored) CRC, rounded up to whole pages, wrapped once.
  let next = index + ((count + 4 + CardMemory.pageBytes - 1) & ~(CardMemory.pageBytes - 1));
  if (next >= stop) next -= stop - start;

  card.rsr = Rsr.PRX | (((destination[0] as number) & 1) !== 0 ? Rsr.PHY : 0);
  mem[index] = card.rsr;
  mem[index + 1] = (next >>> CardMemory.pageShift) & 0xff;
  mem[index + 2] = count & 0xff;
  mem[index + 3] = (count >>> 8) & 0xff;
  index += Frame.headerBytes;

  let copied = 0;
  while (copied < size) {
    if (index > stop) break;
    const n = Math.min(size - copied, stop - index);
    copyPadded(bytes, offset, length, copied, mem, index, n);
    copied += n;
    index += n;
    if (index === stop) index = start;
  }
  card.curr = (next >>> CardMemory.pageShift) & 0xff;
  return 'stored';
}

/** `n` bytes of the zero-padded frame from position `from` into `to[at…]`. */
function copyPadded(
  bytes: Uint8Array,
  offset: number,
  length: number,
  from: number,
  to: Uint8Array,
  at: number,
  n: number,
): void {
  const real = Math.max(0, Math.min(n, length - from));
  copyBytes(bytes, offset + from, to, at, real);
  if (real < n) to.fill(0, at + real, at + n);
}
