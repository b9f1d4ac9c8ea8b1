import { describe, expect, it } from 'vitest';
import { buildMatchExpression, toMarkedRuns } from '../../../../src-main/node/store/search-query';

describe('buildMatchExpression', () => {
  it('quotes every word and makes it a prefix', () => {
    expect(buildMatchExpression('red  car')).toBe('"red"* "car"*');
  });

  it('turns FTS5 syntax in user text into plain words', () => {
    expect(buildMatchExpression('NOT a OR b')).toBe('"NOT"* "a" "OR"* "b"');
    expect(buildMatchExpression('title:secret NEAR(x y) -z "')).toBe('"title:secret"* "NEAR(x"* "y)" "-z"');
    // A lone quote opens no phrase: it is part of the word, doubled inside FTS5's quotes.
    expect(buildMatchExpression('say "hi')).toBe('"say"* """hi"*');
  });

  it('keeps a phrase in double quotes as an exact phrase', () => {
    expect(buildMatchExpression('"pastel de nata" lisbon')).toBe('"pastel de nata" "lisbon"*');
  });

  it('does not expand a one-letter word, and ignores words without letters or digits', () => {
    expect(buildMatchExpression('a * -- ... 7')).toBe('"a" "7"');
    expect(buildMatchExpression('  ')).toBeNull();
    expect(buildMatchExpression('?! ** ""')).toBeNull();
  });

  it('keeps at most 16 terms', () => {
    expect(buildMatchExpression(Array.from({ length: 40 }, (_, i) => `w${i}`).join(' '))?.split(' ')).toHaveLength(16);
  });
});

describe('buildMatchExpression with a prefix expander', () => {
  const expander = (terms: Record<string, string[] | null>) => (word: string) => terms[word] ?? [];

  it('turns a word longer than the prefix indexes into the OR of the index terms it starts, ANDed with the rest', () => {
    const expand = expander({ restauran: ['restaurant', 'restaurants', 'unrelated'] });
    expect(buildMatchExpression('Restauran lisbon', expand)).toBe('("restaurant" OR "restaurants") AND "lisbon"*');
  });

  it('leaves indexed lengths, phrases, non-ASCII folds, unknown and declined words as FTS5 prefixes', () => {
    const expand = expander({ lisbonense: null, restauran: ['restaurant'] });
    expect(buildMatchExpression('lisbon "restauran"', expand)).toBe('"lisbon"* "restauran"');
    expect(buildMatchExpression('lisbonense zzzzzzzzzz', expand)).toBe('"lisbonense"* "zzzzzzzzzz"*');
    expect(buildMatchExpression('straßenbahn', expand)).toBe('"straßenbahn"*');
    expect(buildMatchExpression('e-restauran', expand)).toBe('"e-restauran"*');
  });
});

describe('toMarkedRuns', () => {
  it('splits marked text into plain and matched runs', () => {
    expect(toMarkedRuns('…the \u0002cat\u0003 sat on \u0002cats\u0003')).toEqual([
      { text: '…the ', match: false },
      { text: 'cat', match: true },
      { text: ' sat on ', match: false },
      { text: 'cats', match: true },
    ]);
  });

  it('merges adjacent matches and keeps markup as text', () => {
    expect(toMarkedRuns('\u0002<b>\u0003\u0002x\u0003')).toEqual([{ text: '<b>x', match: true }]);
    expect(toMarkedRuns('')).toEqual([]);
  });
});
