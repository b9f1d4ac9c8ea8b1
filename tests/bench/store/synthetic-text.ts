/**
 * Seeded, realistic-looking text for the store benchmark: a vocabulary of pronounceable words with a Zipf-like
 * frequency (a few very common words, a long tail of rare ones), as in real chat logs, so search sees long and short
 * posting lists alike. Deterministic for a seed.
 */

/** mulberry32: small, fast, seeded. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ONSETS = ['b', 'c', 'd', 'f', 'g', 'h', 'j', 'k', 'l', 'm', 'n', 'p', 'qu', 'r', 's', 't', 'v', 'w', 'z', 'br', 'cl', 'st', 'tr', 'sh', 'ch', 'ph'];
const VOWELS = ['a', 'e', 'i', 'o', 'u', 'ai', 'ea', 'ou', 'é', 'ü'];
const CODAS = ['', '', 'n', 'r', 's', 't', 'l', 'm', 'nd', 'st', 'x'];

/** A vocabulary and a sampler of words by Zipf rank. */
export class WordList {
  readonly words: string[];
  readonly #random: () => number;
  readonly #cumulative: Float64Array;

  constructor(random: () => number, size = 20_000) {
    this.#random = random;
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
    const seen = new Set<string>();
    this.words = [];
    while (this.words.length < size) {
      const syllables = 1 + Math.floor(random() * 3);
      let word = '';
      for (let s = 0; s < syllables; s++) word += pick(ONSETS) + pick(VOWELS) + pick(CODAS);
      if (!seen.has(word)) {
        seen.add(word);
        this.words.push(word);
      }
    }
    // Zipf with exponent 1: weight of rank r is 1/r.
    this.#cumulative = new Float64Array(size);
    let total = 0;
    for (let rank = 0; rank < size; rank++) this.#cumulative[rank] = total += 1 / (rank + 1);
  }

  /** A word, common ones more often. */
  word(): string {
    const target = this.#random() * this.#cumulative[this.#cumulative.length - 1]!;
    let low = 0;
    let high = this.#cumulative.length - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (this.#cumulative[middle]! < target) low = middle + 1;
      else high = middle;
    }
    return this.words[low]!;
  }

  /** A sentence-like text of `min`–`max` words. */
  text(min: number, max: number): string {
    const count = min + Math.floor(this.#random() * (max - min + 1));
    const parts: string[] = [];
    for (let i = 0; i < count; i++) parts.push(this.word());
    const first = parts[0] ?? '';
    parts[0] = first.charAt(0).toUpperCase() + first.slice(1);
    return `${parts.join(' ')}.`;
  }
}
