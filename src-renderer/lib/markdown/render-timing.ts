/**
 * Opt-in user timing of Markdown rendering, read by the UI benchmark (`npm run bench -- --only ui`): with
 * `markdown-timing` in the page's query string (read once, when the page starts), every {@link MarkdownRenderer}
 * update is recorded as a `performance.measure` entry named {@link MARKDOWN_MEASURE}, with what it did in its
 * `detail` ({@link MarkdownUpdateDetail}). The page reads them with `performance.getEntriesByName`.
 *
 * Off by default, and then it costs one boolean test per update: the performance timeline keeps every measure until
 * someone clears it, so recording one per streamed token for a whole session would only grow.
 *
 * [MarkdownRenderer]: ./incremental-renderer.ts
 */

/** The name of the entries. */
export const MARKDOWN_MEASURE = 'phi-desk:markdown';

/** What one update did (an entry's `detail`); its time is the entry's `duration`. */
export interface MarkdownUpdateDetail {
  /** Length of the text shown after the update. */
  chars: number;
  /** More text was still to come (the reply was streaming). */
  streaming: boolean;
  /** Characters Marked lexed in this update, and the milliseconds that took (part of the entry's duration). */
  lexedChars: number;
  lexMs: number;
  /** Blocks rendered to DOM in this update. */
  blockRenders: number;
  /** The update only appended plain text to the last block's DOM (nothing was parsed). */
  appended: boolean;
}

/** Whether this page records the entries (fixed for the page's life). */
export const markdownTiming: boolean =
  typeof location !== 'undefined' && new URLSearchParams(location.search).has('markdown-timing');

/** Record one update, from `start` to `end` (`performance.now()` times). Call only when {@link markdownTiming}. */
export function recordMarkdownUpdate(start: number, end: number, detail: MarkdownUpdateDetail): void {
  performance.measure(MARKDOWN_MEASURE, { start, end, detail });
}
