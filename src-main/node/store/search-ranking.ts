/**
 * Ranking search candidates in JavaScript, with BM25's term-frequency saturation and length normalisation.
 *
 * Why not FTS5's own `bm25()`: to weigh each term it counts every row containing it (its IDF), which walks the
 * term's whole posting list on every query. For a common word in a million messages that alone takes hundreds of
 * milliseconds, even when only 20 hits are shown. Here the candidates are already few (the newest matches, capped),
 * every candidate contains every term (the query is an AND), so IDF would only weigh terms against each other;
 * leaving it out costs little ranking quality and makes a search cost proportional to the cap, not the history.
 */

/** One query term as the index sees it: folded tokens, and whether the last one is a prefix. */
export interface RankTerm {
  tokens: string[];
  prefix: boolean;
}

const K1 = 1.2;
const B = 0.75;
const MARKS = /\p{M}/gu;
const WORD = /[\p{L}\p{N}]+/gu;
const NON_ASCII = /[\u0080-\u{10ffff}]/u;

/**
 * Tokens as the `unicode61 remove_diacritics 2` tokenizer makes them, closely enough for counting: decomposed,
 * marks dropped, lower-cased, split on anything that is not a letter or digit.
 */
export function foldTokens(text: string): string[] {
  const lower = text.toLowerCase();
  // Plain ASCII (most text) has nothing to decompose: skip the costly normalisation.
  const folded = NON_ASCII.test(lower) ? lower.normalize('NFD').replace(MARKS, '') : lower;
  return folded.match(WORD) ?? [];
}

/**
 * A BM25-style score of a text's `tokens` for `terms` (higher is better). A term's frequency is how often its first
 * token occurs (as a prefix, for a one-word prefix term); `averageLength` is the mean token count of the candidates.
 */
function scoreTokens(tokens: readonly string[], terms: readonly RankTerm[], averageLength: number): number {
  const lengthFactor = 1 - B + B * (tokens.length / Math.max(1, averageLength));
  let score = 0;
  for (const term of terms) {
    const first = term.tokens[0];
    if (first === undefined) continue;
    const asPrefix = term.tokens.length === 1 && term.prefix;
    let frequency = 0;
    for (const token of tokens) if (asPrefix ? token.startsWith(first) : token === first) frequency++;
    score += (frequency * (K1 + 1)) / (frequency + K1 * lengthFactor);
  }
  return score;
}

/** `candidates` ordered best first; ties keep their order (newest first, as the candidates come). */
export function rankCandidates<T extends { content: string }>(candidates: readonly T[], terms: readonly RankTerm[]): T[] {
  const tokenized = candidates.map((candidate) => foldTokens(candidate.content));
  const averageLength = tokenized.reduce((sum, tokens) => sum + tokens.length, 0) / Math.max(1, candidates.length);
  return candidates
    .map((candidate, index) => ({ candidate, index, score: scoreTokens(tokenized[index]!, terms, averageLength) }))
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .map(({ candidate }) => candidate);
}
