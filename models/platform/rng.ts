/**
 * Seeded PRNG (sfc32 seeded by splitmix32): injected everywhere, never Math.random,
 * so a seed reproduces a run bit for bit.
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let s = seed >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** Uniform unsigned 32-bit integer. */
  u32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.u32() / 4294967296;
  }

  /** Uniform integer in [0, n) for n ≤ 2^32, without modulo bias. */
  below(n: number): number {
    if (n <= 0) throw new RangeError(`Rng.below(${n})`);
    if (n > 4294967296) return Math.floor(this.float() * n);
    const limit = 4294967296 - (4294967296 % n);
    let x = this.u32();
    while (x >= limit) x = this.u32();
    return x % n;
  }

  /** Exponentially distributed value with the given mean (Poisson inter-arrival times). */
  exponential(mean: number): number {
    return -Math.log(1 - this.float()) * mean;
  }

  fill(bytes: Uint8Array, offset = 0, length = bytes.length - offset): void {
    let i = offset;
    const end = offset + length;
    while (i + 4 <= end) {
      const v = this.u32();
      bytes[i] = v & 0xff;
      bytes[i + 1] = (v >>> 8) & 0xff;
      bytes[i + 2] = (v >>> 16) & 0xff;
      bytes[i + 3] = v >>> 24;
      i += 4;
    }
    if (i < end) {
      let v = this.u32();
      while (i < end) {
        bytes[i++] = v & 0xff;
        v >>>= 8;
      }
    }
  }

  /** An independent stream derived from this one (per component). */
  fork(): Rng {
    return new Rng(this.u32());
  }
}
