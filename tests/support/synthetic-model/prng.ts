/**
 * A small, fast, seeded pseudo-random generator (xoshiro128**), so synthetic models are byte-identical for a seed on
 * every machine and Node version. `Math.random` cannot be seeded, and a cryptographic generator is far too slow for
 * the billions of nibbles a Phi-2-sized file needs.
 */
export class Xoshiro128 {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /**
   * @param seed any integer; only its low 32 bits matter.
   * @param stream a second integer that selects an independent sequence for the same seed (e.g. a tensor index), so
   *   each part of a file can be generated on its own without shifting the others.
   */
  constructor(seed: number, stream = 0) {
    // splitmix32 spreads the (seed, stream) pair over the 128-bit state; xoshiro must never start from all zeros,
    // which splitmix32's output cannot produce for four consecutive draws.
    let s = (seed ^ Math.imul(stream + 1, 0x9e3779b9)) >>> 0;
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
  }

  /** The next 32 random bits as an unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** A float uniformly distributed in [0, 1). */
  nextFloat(): number {
    return this.nextUint32() / 0x1_0000_0000;
  }

  /** A bell-shaped (Irwin–Hall) float in (-1.5, 1.5) with mean 0 and standard deviation 0.5. */
  nextCentered(): number {
    return this.nextFloat() + this.nextFloat() + this.nextFloat() - 1.5;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
