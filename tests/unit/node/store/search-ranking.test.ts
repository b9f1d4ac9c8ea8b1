import { describe, expect, it } from 'vitest';
import { foldTokens, rankCandidates } from '../../../../src-main/node/store/search-ranking';

describe('search ranking', () => {
  it('folds text the way the index tokenizer does', () => {
    expect(foldTokens('Crème BRÛLÉE, s’il-vous-plaît! 42')).toEqual(['creme', 'brulee', 's', 'il', 'vous', 'plait', '42']);
  });

  it('puts more occurrences and shorter texts first, and keeps the given order on ties', () => {
    const texts = [
      { content: 'a long text that mentions lisbon once among many many other words here' },
      { content: 'Lisbon, Lisbon!' },
      { content: 'lisbon once' },
      { content: 'lisbon also once' },
    ];
    const ranked = rankCandidates(texts, [{ tokens: ['lisbon'], prefix: false }]).map((t) => t.content);
    expect(ranked).toEqual(['Lisbon, Lisbon!', 'lisbon once', 'lisbon also once', texts[0]!.content]);
  });

  it('counts a prefix term on every word it starts', () => {
    const ranked = rankCandidates([{ content: 'carpet' }, { content: 'car cars carpool' }], [{ tokens: ['car'], prefix: true }]);
    expect(ranked[0]?.content).toBe('car cars carpool');
  });
});
