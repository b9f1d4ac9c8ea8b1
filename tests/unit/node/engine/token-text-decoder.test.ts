import { describe, expect, it } from 'vitest';
import type { Token } from 'node-llama-cpp';
import { TokenTextDecoder, type Detokenizer } from '../../../../src-main/node/engine/token-text-decoder';

/** A byte-level "model": each token is one byte, decoded the way the native addon hands strings to JS. */
const bytesModel: Detokenizer = {
  detokenize: (tokens) => Buffer.from(Array.from(tokens, Number)).toString('utf8'),
};

function tokensOf(text: string): Token[] {
  return [...Buffer.from(text, 'utf8')] as Token[];
}

function decodeAll(tokens: Token[]): string[] {
  const decoder = new TokenTextDecoder(bytesModel);
  return [...tokens.map((token) => decoder.push(token)), decoder.flush()];
}

describe('TokenTextDecoder', () => {
  it('never splits a multi-byte character across pieces', () => {
    const text = 'héllo 日本 🎉 ok';
    const pieces = decodeAll(tokensOf(text));
    expect(pieces.join('')).toBe(text);
    expect(pieces.some((piece) => piece.includes('\uFFFD'))).toBe(false);
    expect(pieces).toContain('🎉'); // four byte tokens, released together
  });

  it('releases plain ASCII token by token, without delay', () => {
    expect(decodeAll(tokensOf('abc'))).toEqual(['a', 'b', 'c', '']);
  });

  it('lets genuinely invalid bytes through as U+FFFD instead of holding text back for ever', () => {
    const pieces = decodeAll([0xff, 0x61, 0x62] as Token[]);
    expect(pieces.join('')).toBe('\uFFFDab');
  });

  it('gives up waiting after four tokens of an unfinished character', () => {
    const decoder = new TokenTextDecoder(bytesModel);
    const out = [0xe6, 0xe6, 0xe6].map((token) => decoder.push(token as Token));
    expect(out).toEqual(['', '', '']);
    expect(decoder.push(0xe6 as Token)).toBe('\uFFFD'.repeat(4));
  });

  it('flushes an unfinished character at the end', () => {
    const decoder = new TokenTextDecoder(bytesModel);
    expect(decoder.push(0xe6 as Token)).toBe('');
    expect(decoder.flush()).toBe('\uFFFD');
    expect(decoder.flush()).toBe('');
  });
});
