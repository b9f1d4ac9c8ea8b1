/**
 * Turning what a user typed into an FTS5 query, and FTS5's marked-up snippets back into plain runs of text.
 *
 * User text is never passed to MATCH as FTS5 syntax: a stray `"`, `*`, `-`, `AND`, `NEAR(` or `col:` would be a
 * syntax error at best and a different query at worst. Every term becomes a quoted string (FTS5's only escape is
 * doubling `"`), so operators in user text are just words.
 */

/** Start and end of a highlighted run in `snippet()` / `highlight()` output: control characters no prose contains. */
export const MATCH_START = '\u0002';
export const MATCH_END = '\u0003';

/** More terms than this are ignored: each costs an index lookup, and nobody types 17 words into a search box. */
const MAX_TERMS = 16;

/** A user's phrase in double quotes, or a run of non-space characters. */
const TERM = /"([^"]*)"|(\S+)/gu;
const WORD_CHARACTER = /[\p{L}\p{N}]/gu;

/**
 * The MATCH expression for `userText`, or `null` when it has nothing to search for (empty, only punctuation).
 *
 * - Words are ANDed: `red car` finds text with both, in any order.
 * - Every word is a prefix (`car` finds "cars", "carpet"), as a search box is typed word by word, except a word of
 *   one letter or digit, which would expand to a large part of the vocabulary and be slow for no useful result.
 * - `"exact phrase"` in double quotes matches those words in that order, not as prefixes.
 * - Case and diacritics are folded by the index's tokenizer, not here.
 */
export function buildMatchExpression(userText: string): string | null {
  const terms = parseSearchTerms(userText);
  if (terms.length === 0) return null;
  return terms.map((term) => `"${term.text.replaceAll('"', '""')}"${term.prefix ? '*' : ''}`).join(' ');
}

/** One term of a user's query (see {@link buildMatchExpression} for the rules). */
export interface SearchTerm {
  text: string;
  /** Matched as a prefix (a word of two or more letters or digits, not in quotes). */
  prefix: boolean;
}

/** The terms of what a user typed: at most 16, without those that have no letter or digit. */
export function parseSearchTerms(userText: string): SearchTerm[] {
  const terms: SearchTerm[] = [];
  for (const [, phrase, word] of userText.matchAll(TERM)) {
    if (terms.length === MAX_TERMS) break;
    const text = phrase ?? word ?? '';
    const wordCharacters = text.match(WORD_CHARACTER)?.length ?? 0;
    if (wordCharacters === 0) continue;
    terms.push({ text, prefix: phrase === undefined && wordCharacters > 1 });
  }
  return terms;
}

/** A run of text in a snippet; `match` runs should be highlighted. */
export interface MarkedRun {
  text: string;
  match: boolean;
}

/**
 * Split text marked with {@link MATCH_START} / {@link MATCH_END} into runs, merging neighbours of the same kind and
 * dropping empty ones. The UI renders each run as a text node (never as HTML), so message text cannot inject markup.
 */
export function toMarkedRuns(marked: string): MarkedRun[] {
  const runs: MarkedRun[] = [];
  let match = false;
  let text = '';
  const flush = (): void => {
    if (!text) return;
    const last = runs.at(-1);
    if (last && last.match === match) last.text += text;
    else runs.push({ text, match });
    text = '';
  };
  for (const character of marked) {
    if (character === MATCH_START || character === MATCH_END) {
      flush();
      match = character === MATCH_START;
    } else {
      text += character;
    }
  }
  flush();
  return runs;
}
