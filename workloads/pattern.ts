/**
 * Deterministic data patterns: the content of any 512-byte sector is a pure function of
 * (seed, sector, generation), so a workload can regenerate what a block must hold
 * without storing it, and a single flipped byte anywhere is detected.
 *
 * Layout of one sector: bytes 0–3 the sector number (low 32 bits, little endian),
 * 4–7 the generation, 8–511 a Weyl sequence started from a hash of all three, so a
 * misdirected write (right data, wrong sector), a stale write and any flipped byte show.
 */
import { SECTOR_SIZE } from '../models/platform/ports.js';

const WORDS_PER_SECTOR = SECTOR_SIZE / 4;

/** Mix three 32-bit inputs into a non-zero xorshift state (murmur3 finaliser per round). */
function sectorState(seed: number, sector: number, generation: number): number {
  let h = (seed ^ 0x2545f491) >>> 0;
  h = fmix(h ^ (sector >>> 0));
  h = fmix(h ^ Math.floor(sector / 4294967296));
  h = fmix(h ^ (generation >>> 0));
  return h === 0 ? 0x9e3779b9 : h;
}

function fmix(x: number): number {
  let h = x >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Weyl-sequence step between the words of a sector (2^32 / golden ratio, odd). */
const STEP = 0x9e3779b9;

/**
 * Fill `sectors` consecutive sectors starting at `firstSector` into `words` (a Uint32Array
 * over the caller's scratch buffer; little-endian hosts only, as all Node targets are).
 * Words 2…127 of a sector run as a Weyl sequence from a per-(seed, sector, generation)
 * start, so checking a block costs one add and one compare per word.
 */
export function fillPattern(
  words: Uint32Array,
  seed: number,
  firstSector: number,
  sectors: number,
  generation: number,
): void {
  if (sectors * WORDS_PER_SECTOR > words.length) throw new RangeError('fillPattern: scratch buffer too small');
  for (let s = 0; s < sectors; s++) {
    const sector = firstSector + s;
    const base = s * WORDS_PER_SECTOR;
    words[base] = sector >>> 0;
    words[base + 1] = generation >>> 0;
    let x = sectorState(seed, sector, generation);
    for (let w = 2; w < WORDS_PER_SECTOR; w++) {
      words[base + w] = x;
      x = (x + STEP) >>> 0;
    }
  }
}

/**
 * Index of the first word of `words[0, sectors·128)` that differs from the pattern of
 * (seed, firstSector…, generation), or -1 when the whole block matches.
 */
export function checkPattern(
  words: Uint32Array,
  seed: number,
  firstSector: number,
  sectors: number,
  generation: number,
): number {
  for (let s = 0; s < sectors; s++) {
    const sector = firstSector + s;
    const base = s * WORDS_PER_SECTOR;
    if (words[base] !== sector >>> 0) return base;
    if (words[base + 1] !== generation >>> 0) return base + 1;
    let x = sectorState(seed, sector, generation);
    for (let w = 2; w < WORDS_PER_SECTOR; w++) {
      if (words[base + w] !== x) return base + w;
      x = (x + STEP) >>> 0;
    }
  }
  return -1;
}

/** First byte index where `actual` and `expected` differ within [0, length), or -1. */
export function firstMismatch(actual: Uint8Array, expected: Uint8Array, length: number): number {
  for (let i = 0; i < length; i++) {
    if (actual[i] !== expected[i]) return i;
  }
  return -1;
}

/** Bytes of `buf` around `at` as hex, for failure messages. */
export function hexAround(buf: Uint8Array, at: number, span = 8): string {
  const start = Math.max(0, at - (at % span));
  const parts: string[] = [];
  for (let i = start; i < Math.min(buf.length, start + span); i++)
    parts.push((buf[i] as number).toString(16).padStart(2, '0'));
  return parts.join(' ');
}

/** 32-bit FNV-1a over bytes[offset, offset+length), continuing from `hash` (offset basis by default). */
export function fnv1a(bytes: Uint8Array, offset: number, length: number, hash = 0x811c9dc5): number {
  let h = hash >>> 0;
  for (let i = offset; i < offset + length; i++) {
    h ^= bytes[i] as number;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** A byte stream from (seed, sequence) for payloads: xorshift32 (Marsaglia 2003, 13/17/5) one byte per step. */
export function fillStream(bytes: Uint8Array, offset: number, length: number, seed: number, sequence: number): void {
  let x = (Math.imul((seed ^ 0x5bd1e995) >>> 0, 0x9e3779b1) ^ sequence) >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[offset + i] = x & 0xff;
  }
}
