/**
 * While a reply streams, its last block is cut off mid-sentence: `**bold` before its closing `**`, `` `code`` before
 * its backtick, `[a link](https://exa` before its `)`, a line holding only `-` or `1.` or `|--` before the rest of
 * the list item or table arrives. Rendered as it is, each of these flashes raw Markdown for a moment and then jumps
 * into shape. {@link closeStreamingBlock} gives the renderer a version of the unfinished block that renders as it
 * will look: open emphasis and code spans closed, a half-typed link shown as its text, a marker-only last line or a
 * table's header row left out until their content (or the delimiter row) comes, a displayed formula shown as its
 * source until its `$$` closes it.
 *
 * Only for the block still being written, and only while the reply streams: the finished reply is always rendered
 * from exactly what was written.
 */

export interface StreamingBlock {
  /** The Markdown to render for now. */
  source: string;
  /**
   * True when `source` is the block with closers appended at its very end (and nothing taken away): then text
   * without any Markdown meaning, added to the block, lands in its last text as it is — the renderer may append it
   * there instead of rendering the block again.
   */
  appendable: boolean;
  /** The block is a displayed formula whose closing `$$` was added here: show its source, do not typeset it yet. */
  pendingMath: boolean;
}

/** A last line that is only a block marker, waiting for its content: `-`, `1.`, `#`, `>`, `|--|`, `===`, `` ` ``. */
const MARKER_ONLY_LINE = /^[ \t]*(?:[-+*=_#>|:`~ \t]+|\d{1,9}[.)]?)[ \t]*$/;
/** A table's delimiter row (`|---|:--:|`), which makes the line before it a header row. */
const TABLE_DELIMITER_ROW = /^[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$/m;
/** A line that starts like a table row. */
const TABLE_ROW = /^[ \t]*\|/;
/** A link or image whose text is complete and whose address is still being written, at the end of the block. */
const PARTIAL_LINK = /!?\[([^\]\n]*)\]\([^)\n]*$/;
/** A displayed formula opened at the start of the block. */
const DISPLAY_MATH_OPEN = /^ {0,3}\$\$/;
/** What may precede a line's content: quote markers, a list marker, a heading's hashes, a task box. */
const LINE_PREFIX = /^[ \t]*(?:>[ \t]?)*(?:(?:[-+*]|\d{1,9}[.)])[ \t]+|#{1,6}[ \t]+)?(?:\[[ xX]\][ \t]+)?/;
/** `$…$` at the start of the text (as the math extension reads it): its content is TeX, not Markdown. */
const INLINE_MATH_AHEAD = /^\$(?![\s$])(?:(?:\\[\s\S]|[^\\\n$])*?[^\\\s$]|[^\\\s$])\$(?![\d$])/;

/** The streaming version of the unfinished block `raw` (see the module comment). */
export function closeStreamingBlock(raw: string): StreamingBlock {
  if (DISPLAY_MATH_OPEN.test(raw) && raw.indexOf('$$', raw.indexOf('$$') + 2) === -1) {
    return { source: `${raw.trimEnd()}\n$$`, appendable: false, pendingMath: true };
  }
  const lineStart = raw.lastIndexOf('\n') + 1;
  const line = raw.slice(lineStart);
  const markerOnly = line.trim() !== '' && MARKER_ONLY_LINE.test(line);
  const kept = markerOnly ? raw.slice(0, lineStart) : raw;
  const header = tableHeaderStart(kept);
  if (markerOnly || header !== -1) {
    return { source: header === -1 ? kept : kept.slice(0, header), appendable: false, pendingMath: false };
  }
  const linked = line.replace(PARTIAL_LINK, '$1');
  const { text, closers, trimmed } = closeInline(linked);
  const appendable = linked === line && !trimmed;
  return { source: raw.slice(0, lineStart) + text + closers, appendable, pendingMath: false };
}

/**
 * Where a table header row waiting for its delimiter row starts (the block's last line, or the one before a line
 * end): until the delimiter comes it would be a paragraph of pipes. -1 when the block ends otherwise.
 */
function tableHeaderStart(raw: string): number {
  const body = raw.endsWith('\n') ? raw.slice(0, -1) : raw;
  const start = body.lastIndexOf('\n') + 1;
  if (!TABLE_ROW.test(body.slice(start)) || TABLE_DELIMITER_ROW.test(body)) return -1;
  return start;
}

interface Opener {
  char: string;
  length: number;
}

/**
 * The closers that complete the emphasis (`*`, `_`, `**`, `__`, `~~`) and code span left open in `line`, and the
 * line to put them after (a dangling delimiter at its very end, which opens nothing yet, taken off; trailing
 * whitespace taken off, since a closer must touch the text it closes).
 *
 * A close reading of CommonMark's flanking rules, simplified to one line: an opener is a delimiter run followed by
 * a non-space (and, for `_`, not inside a word); a closer is a run preceded by a non-space that matches the opener
 * on top of the stack.
 */
function closeInline(line: string): { text: string; closers: string; trimmed: boolean } {
  const stack: Opener[] = [];
  let openCode = '';
  let dangling = -1;
  let index = LINE_PREFIX.exec(line)?.[0].length ?? 0;
  const start = index;
  while (index < line.length) {
    const char = line.charAt(index);
    if (char === '\\') {
      index += 2;
      continue;
    }
    if (char === '$') {
      const math = INLINE_MATH_AHEAD.exec(line.slice(index));
      index += math ? math[0].length : 1;
      continue;
    }
    if (char === '`') {
      const run = runLength(line, index);
      const fence = '`'.repeat(run);
      const close = findRun(line, index + run, '`', run);
      if (close !== -1) {
        index = close + run;
        continue;
      }
      if (index + run >= line.length) dangling = index;
      else openCode = fence;
      break;
    }
    if (char === '*' || char === '_' || char === '~') {
      const run = runLength(line, index);
      const before = index > start ? line.charAt(index - 1) : '';
      const after = line.charAt(index + run);
      const inWord = isWordChar(before) && isWordChar(after);
      const canClose = before !== '' && !/\s/.test(before) && !(char === '_' && inWord);
      const canOpen = after !== '' && !/\s/.test(after) && !(char === '_' && inWord);
      const top = stack.at(-1);
      if (char === '~' && run !== 2) {
        // GFM strikethrough is `~~`; a lone `~` is text ("~5 minutes").
      } else if (canClose && top?.char === char) {
        if (run >= top.length) stack.pop();
        else top.length -= run;
      } else if (canOpen) {
        stack.push({ char, length: Math.min(run, 3) });
      } else if (index + run >= line.length) {
        dangling = index;
      }
      index += run;
      continue;
    }
    index++;
  }
  let text = dangling === -1 ? line : line.slice(0, dangling);
  const closers = openCode + stack.reverse().map((opener) => opener.char.repeat(opener.length)).join('');
  let trimmed = dangling !== -1;
  if (closers !== '' && /\s$/.test(text)) {
    text = text.trimEnd();
    trimmed = true;
  }
  return { text, closers, trimmed };
}

function runLength(text: string, index: number): number {
  const char = text.charAt(index);
  let end = index;
  while (text.charAt(end) === char) end++;
  return end - index;
}

/** The index of the next run of exactly `length` `char`s at or after `from`, or -1. */
function findRun(text: string, from: number, char: string, length: number): number {
  let index = text.indexOf(char, from);
  while (index !== -1) {
    const run = runLength(text, index);
    if (run === length) return index;
    index = text.indexOf(char, index + run);
  }
  return -1;
}

function isWordChar(char: string): boolean {
  return /[\p{L}\p{N}]/u.test(char);
}
