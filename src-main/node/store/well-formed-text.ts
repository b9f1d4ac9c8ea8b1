/**
 * SQLite stores TEXT as UTF-8, and a JavaScript string may hold a lone UTF-16 surrogate (half of an emoji, say) that
 * has no UTF-8 form. better-sqlite3 would write it as an invalid byte sequence that other readers (FTS5, exports,
 * the sqlite3 shell) choke on, so every string is made well-formed before it is written.
 */

/** Any lone surrogate: with the `u` flag a valid pair is one code point and does not match. */
const LONE_SURROGATE = /\p{Surrogate}/gu;

/**
 * `text` with every lone surrogate replaced by U+FFFD, like `String.prototype.toWellFormed` (ES2024, which our
 * `lib: ES2023` typings do not declare).
 */
export function toWellFormedText(text: string): string {
  return text.replace(LONE_SURROGATE, '\uFFFD');
}

/**
 * Split off a trailing high surrogate. A streamed reply arrives in deltas, and a delta cut by UTF-16 length can end
 * in the first half of a pair whose second half starts the next delta; writing each delta well-formed on its own
 * would turn that one emoji into two U+FFFD. The caller keeps `carry` and prepends it to the next delta.
 */
export function splitTrailingHighSurrogate(text: string): { text: string; carry: string } {
  const last = text.charCodeAt(text.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) return { text: text.slice(0, -1), carry: text.slice(-1) };
  return { text, carry: '' };
}
