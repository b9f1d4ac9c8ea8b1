/**
 * Turning what a user typed into an FTS5 query, and FTS5's marked-up snippets back into plain runs of text.
 *
 * User text is never passed to MATCH as FTS5 syntax: a stray `"`, `*`, `-`, `AND`, `NEAR(` or `col:` would be a
 * syntax error at best and a different query at worst. Every term becomes a quoted string (FTS5's only escape is
 * doubling `"`), so operators in user text are just words.
 */

import { foldTokens } from './search-ranking';

/** Start and end of a highlighted run in `snippet()` / `highlight()` output: control characters no prose contains. */
const MATCH_START = '\u0002';
const MATCH_END = '\u0003';

/** More terms than this are ignored: each costs an index lookup, and nobody types 17 words into a search box. */
const MAX_TERMS = 16;

/** A user's phrase in double quotes, or a run of non-space characters. */
const TERM = /"([^"]*)"|(\S+)/gu;
const WORD_CHARACTER = /[\p{L}\p{N}]/gu;

/**
 * Lists the index's terms that start with `folded` (a folded, ASCII word), or returns `null` when there are too
 * many to be worth listing. See {@link buildMatchExpression}.
 */
export type PrefixExpander = (folded: string) => readonly string[] | null;

/** The longest prefix the message index has a prefix index for (migration 005: `prefix = '2 3 4 5 6 7 8'`). */
const LONGEST_INDEXED_PREFIX = 8;
const FOLDED_ASCII_WORD = /^[a-z0-9]+$/;

/**
 * The MATCH expression for `userText`, or `null` when it has nothing to search for (empty, only punctuation).
 *
 * - Words are ANDed: `red car` finds text with both, in any order.
 * - Every word is a prefix (`car` finds "cars", "carpet"), as a search box is typed word by word, except a word of
 *   one letter or digit, which would expand to a large part of the vocabulary and be slow for no useful result.
 * - `"exact phrase"` in double quotes matches those words in that order, not as prefixes.
 * - Case and diacritics are folded by the index's tokenizer, not here.
 *
 * With `expand`, a prefix word longer than the prefix indexes (9 letters or more) becomes the OR of the index's
 * terms that start with it (`"restauran"*` → `("restaurant" OR "restaurants")`), when `expand` lists them. FTS5
 * answers such a prefix by merging the whole posting lists of those terms into one before returning a single row;
 * an OR of the terms is walked lazily, newest first, and stops at the LIMIT. Only a word that folds to plain ASCII
 * letters and digits is expanded (JavaScript's folding and the tokenizer's agree there); any other word, or one
 * `expand` declines, stays an FTS5 prefix.
 */
export function buildMatchExpression(userText: string, expand?: PrefixExpander): string | null {
  const terms = parseSearchTerms(userText);
  if (terms.length === 0) return null;
  const parts = terms.map((term) => (expand && term.prefix && expandedTerm(term.text, expand)) || quoted(term));
  // FTS5 allows an implicit AND between phrases only, not after a parenthesised OR.
  return parts.join(parts.some((part) => part.startsWith('(')) ? ' AND ' : ' ');
}

function quoted(term: SearchTerm): string {
  return `"${term.text.replaceAll('"', '""')}"${term.prefix ? '*' : ''}`;
}

/** `("t1" OR "t2" …)` for a prefix word the index has terms for, or `null` to keep it an FTS5 prefix. */
function expandedTerm(text: string, expand: PrefixExpander): string | null {
  const tokens = foldTokens(text);
  const word = tokens[0];
  if (tokens.length !== 1 || word === undefined || word.length <= LONGEST_INDEXED_PREFIX || !FOLDED_ASCII_WORD.test(word)) {
    return null;
  }
  const expansions = expand(word)?.filter((term) => term.startsWith(word));
  if (!expansions || expansions.length === 0) return null;
  return `(${expansions.map((term) => `"${term}"`).join(' OR ')})`;
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
