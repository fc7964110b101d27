/**
 * Checking a block read back against the deterministic pattern (pattern.ts): one add and one
 * compare per word while it matches; on the first difference, a message naming the sector,
 * the byte inside it, the generation and phase, and the bytes expected and found around it.
 * Scratch buffers are allocated once; a check allocates nothing unless it fails.
 */
import type { GuestMemory } from '../../models/platform/memory.js';
import { SECTOR_SIZE } from '../../models/platform/ports.js';
import { checkPattern, fillPattern, hexAround } from '../pattern.js';

export class BlockCheck {
  private readonly actual: Uint8Array;
  private readonly actualWords: Uint32Array;
  private readonly expected: Uint8Array;
  private readonly expectedWords: Uint32Array;

  constructor(
    private readonly mem: GuestMemory,
    private readonly bs: number,
    private readonly seed: number,
  ) {
    this.actual = new Uint8Array(bs);
    this.actualWords = new Uint32Array(this.actual.buffer);
    this.expected = new Uint8Array(bs);
    this.expectedWords = new Uint32Array(this.expected.buffer);
  }

  /** The block of `bs` bytes at guest `addr`, read from `sector`: undefined if it holds pattern `generation`. */
  mismatch(addr: number, sector: number, generation: number, phase: string): string | undefined {
    const sectors = this.bs / SECTOR_SIZE;
    this.mem.load(addr, this.bs, this.actual, 0);
    const word = checkPattern(this.actualWords, this.seed, sector, sectors, generation);
    if (word < 0) return undefined;
    // Regenerate the expected bytes only to name the first differing byte.
    fillPattern(this.expectedWords, this.seed, sector, sectors, generation);
    const a = this.actual;
    const e = this.expected;
    let i = word * 4;
    while (i < word * 4 + 3 && a[i] === e[i]) i++;
    const hex = (b: number | undefined) => `0x${(b as number).toString(16).padStart(2, '0')}`;
    return (
      `data mismatch reading sector ${sector + Math.floor(i / SECTOR_SIZE)} byte ${i % SECTOR_SIZE} ` +
      `(generation ${generation}, ${phase} phase): expected ${hex(e[i])} got ${hex(a[i])}` +
      ` [expected ${hexAround(e, i)} | actual ${hexAround(a, i)}]`
    );
  }
}
