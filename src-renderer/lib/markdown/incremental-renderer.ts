import type { Token, TokensList } from 'marked';
import { onCodeBlockClick } from './code-block';
import { isClosedFence, lexBlocks, renderBlock } from './markdown';
import { markdownTiming, recordMarkdownUpdate } from './render-timing';
import { closeStreamingBlock } from './streaming-tail';

/** What rendering a message has cost so far (for tests; the benchmark reads each update's share, see render-timing.ts). */
export interface RenderStats {
  /** Times Markdown was lexed. */
  lexes: number;
  /** Characters lexed, summed over all lexes. */
  lexedChars: number;
  /** Milliseconds spent lexing (part of `ms`). */
  lexMs: number;
  /** Blocks rendered to DOM. */
  blockRenders: number;
  /** Updates served by adding the new text to the last block's DOM, without any parsing. */
  appends: number;
  /** Milliseconds spent in {@link MarkdownRenderer.update}: lexing, rendering, highlighting, typesetting. */
  ms: number;
}

interface Block {
  /** The block's Markdown source, as written. */
  raw: string;
  element: HTMLElement;
}

/** The last block while the reply streams: re-rendered on each update, unless new text can simply be added. */
interface OpenBlock {
  /** Its source: everything after the finished blocks. */
  raw: string;
  element: HTMLElement | null;
  /** The text node new text goes into when the update adds nothing with Markdown meaning; `null` if none can. */
  appendTo: Text | null;
  kind: 'code' | 'text';
  /**
   * What the block's rendering does with spaces at the end of its text, as seen when it was rendered with some:
   * `kept` (a paragraph shows them), `trimmed` (a list item, heading or table cell drops them), or `null` (not seen
   * yet). Spaces at the end can be appended only once it is known.
   */
  spaces: 'kept' | 'trimmed' | null;
  /** Spaces at the end of `raw` that are not in the DOM (the block trims them): shown once a word follows them. */
  held: string;
  /** `appendTo` is the text of a code span still open at the block's end (`` `brain ``): no markup counts in it. */
  inCode?: boolean;
}

/**
 * Renders a message's Markdown into `root` and keeps it up to date as the text grows, without re-rendering
 * everything: the text is split into top-level blocks (Marked's lexer), and every block but the last is finished —
 * its element is made once and kept. An update lexes only from the start of the last block (the one still being
 * written) to the end, adds any blocks that finished, and re-renders the last one (the streaming version: see
 * `closeStreamingBlock`). When the update only adds words to the last block's last text (or lines to an open code
 * block), they are appended to that text node and nothing is parsed at all.
 *
 * A block is finished once another block follows it: text added at the end cannot change it (Markdown decides a
 * block's extent by what follows it, never by what comes after the next block). The one exception, a link
 * reference definition that earlier blocks use, makes everything render again.
 *
 * When the text is not a continuation of the last (an edit, another version), the blocks are rebuilt, reusing the
 * element of every block whose source is unchanged.
 */
export class MarkdownRenderer {
  readonly stats: RenderStats = { lexes: 0, lexedChars: 0, lexMs: 0, blockRenders: 0, appends: 0, ms: 0 };
  readonly #root: HTMLElement;
  #source = '';
  #streaming = false;
  #finished: Block[] = [];
  /** Characters of `#source` the finished blocks (and the blank lines between them) cover. */
  #finishedChars = 0;
  #open: OpenBlock | null = null;
  /** The last update was not streaming: every block, the last one too, is finished. */
  #complete = false;
  /** Link reference definitions (`[name]: url`) of the finished blocks: known to every later lex. */
  #finishedLinks: Links = {};
  /** The definitions the finished blocks were rendered knowing (theirs and the open block's). */
  #links: Links = {};
  /** Elements of the blocks before a rebuild, by source, for blocks that come out the same. */
  #reusable = new Map<string, HTMLElement[]>();

  constructor(root: HTMLElement) {
    this.#root = root;
    root.addEventListener('click', this.#onClick);
  }

  /** Where the open block starts in the text (what an update lexes again); the text's length once finished. */
  get openBlockStart(): number {
    return this.#finishedChars;
  }

  /** Stop handling clicks (the Copy buttons of code blocks). The rendered DOM stays. */
  destroy(): void {
    this.#root.removeEventListener('click', this.#onClick);
  }

  /** Show `text`; `streaming` while more of it is still to come (the last block is then shown as it will look). */
  update(text: string, streaming: boolean): void {
    const source = text.replace(/\r\n?/g, '\n');
    if (source === this.#source && streaming === this.#streaming) return;
    const started = performance.now();
    const before = markdownTiming ? { ...this.stats } : null;
    try {
      // A finished text has no open block to continue: anything else is rendered afresh (reusing unchanged blocks).
      if (this.#complete || !source.startsWith(this.#source)) this.#rebuild(true);
      const added = source.slice(this.#source.length);
      const wasStreaming = this.#streaming;
      this.#source = source;
      this.#streaming = streaming;
      if (streaming && wasStreaming && added !== '' && this.#append(added)) return;
      this.#render();
    } finally {
      const ended = performance.now();
      this.stats.ms += ended - started;
      if (before) {
        recordMarkdownUpdate(started, ended, {
          chars: source.length,
          streaming,
          lexedChars: this.stats.lexedChars - before.lexedChars,
          lexMs: this.stats.lexMs - before.lexMs,
          blockRenders: this.stats.blockRenders - before.blockRenders,
          appended: this.stats.appends > before.appends,
        });
      }
    }
  }

  #onClick = (event: MouseEvent): void => {
    void onCodeBlockClick(event);
  };

  /** Forget every block (keeping their elements for reuse when `reuse`), to render the source from its start. */
  #rebuild(reuse: boolean): void {
    this.#reusable.clear();
    if (reuse) {
      for (const block of this.#finished) {
        const list = this.#reusable.get(block.raw) ?? [];
        list.push(block.element);
        this.#reusable.set(block.raw, list);
      }
    }
    this.#root.replaceChildren();
    this.#source = '';
    this.#finished = [];
    this.#finishedChars = 0;
    this.#open = null;
    this.#complete = false;
    this.#finishedLinks = {};
    this.#links = {};
  }

  #lex(src: string, links: Links): TokensList {
    this.stats.lexes++;
    this.stats.lexedChars += src.length;
    const started = performance.now();
    try {
      return lexBlocks(src, links);
    } finally {
      this.stats.lexMs += performance.now() - started;
    }
  }

  #renderTokens(tokens: Token[], mode: 'final' | 'streaming', pendingMath = false): HTMLElement {
    this.stats.blockRenders++;
    return renderBlock(tokens, mode, { pendingMath });
  }

  /** Lex from the open block on: finish the blocks that are followed by another, render the last one. */
  #render(): void {
    const src = this.#source.slice(this.#finishedChars);
    const tokens = this.#lex(src, this.#finishedLinks);
    // While streaming, the last block that is not blank (and the blank lines after it) stays open.
    let openAt = this.#streaming ? Math.max(0, tokens.findLastIndex((token) => token.type !== 'space')) : tokens.length;
    // Marked's tokens cover the source exactly, except that the very last one may have lost trailing spaces: offsets
    // are summed over the blocks before it only, and the open block's source is taken from the text itself.
    if (this.#streaming && !coversPrefix(tokens.slice(0, openAt), src)) openAt = 0;
    if (!sameLinks(tokens.links, this.#links) && this.#finished.some((block) => block.raw.includes('['))) {
      // A definition arrived (or is being written) that a finished block may use: render everything again with it.
      const { source, streaming } = { source: this.#source, streaming: this.#streaming };
      this.#rebuild(false);
      this.#source = source;
      this.#streaming = streaming;
      this.#render();
      return;
    }
    this.#links = tokens.links;

    this.#open?.element?.remove();
    this.#open = null;
    let offset = 0;
    for (const token of tokens.slice(0, openAt)) {
      offset += token.raw.length;
      if (token.type === 'def') this.#finishedLinks[token.tag] ??= { href: token.href, title: token.title };
      if (token.type === 'space') continue;
      const element = this.#reusable.get(token.raw)?.shift() ?? this.#renderTokens([token], 'final');
      this.#finished.push({ raw: token.raw, element });
      this.#root.append(element);
    }
    this.#finishedChars += offset;
    this.#reusable.clear();
    this.#complete = !this.#streaming;
    const open = tokens.slice(openAt);
    if (open.some((token) => token.type !== 'space')) this.#renderOpen(open, src.slice(offset));
  }

  /** Render the open block: `tokens` (it, then any blank lines after it), whose source is `raw`. */
  #renderOpen(tokens: Token[], raw: string): void {
    const [block] = tokens;
    if (!block) return;
    const alone = tokens.length === 1; // no blank lines after it yet
    if (block.type === 'code') {
      // Code has no markup to close: an open fence is shown plain (lines are appended to it), a closed one highlighted.
      const element = this.#renderTokens([block], 'streaming');
      const code = element.querySelector('pre > code');
      const content = raw.slice(raw.indexOf('\n') + 1);
      const open = /^(`{3,}|~{3,})/.test(raw) && raw.includes('\n') && !isClosedFence(raw);
      const eligible = alone && open && code !== null && code.textContent === content;
      this.#open = { raw, element, kind: 'code', appendTo: eligible && code ? textNodeAtEnd(code) : null, spaces: null, held: '' };
    } else {
      const tail = closeStreamingBlock(raw);
      const rendered =
        tail.source === raw ? tokens : this.#lex(tail.source, this.#links).filter((token) => token.type !== 'space');
      const element = rendered.length > 0 ? this.#renderTokens(rendered, 'streaming', tail.pendingMath) : null;
      this.#open = { raw, element, kind: 'text', ...(alone && tail.appendable && element ? appendTarget(element, raw) : NO_APPEND) };
    }
    if (this.#open.element) this.#root.append(this.#open.element);
  }

  /** Add `added` to the open block's DOM as it is, when it cannot change the block's structure. */
  #append(added: string): boolean {
    const open = this.#open;
    if (!open?.appendTo) return false;
    if (open.kind === 'code') {
      // Anything but a fence character. A line end at the end waits for the next line (a block's last line end is
      // not part of its code), which may be the closing fence: that one is rendered.
      const addition = open.held + added;
      if (/[`~]/.test(addition)) return false;
      const shown = addition.replace(/\n$/, '');
      if (shown !== '') open.appendTo.appendData(shown);
      open.held = addition.slice(shown.length);
    } else if (open.inCode) {
      // In an open code span everything is literal, up to its closing backtick; only a few characters are let in
      // without a render: no backtick, line end or cell border, nothing the streaming tail might close (`*`, `$`…).
      // Spaces at its end wait for what follows them: the streaming tail closes the span after the last word.
      if (!CODE_SPAN_ADDITION.test(added)) return false;
      const addition = open.held + added;
      const shown = addition.replace(/ +$/, '');
      if (shown !== '') open.appendTo.appendData(shown);
      open.held = addition.slice(shown.length);
    } else {
      // Spaces at the end go in only where the block shows them; where it trims them they wait for the next word.
      const addition = open.held + added;
      const trailing = / +$/.exec(addition)?.[0] ?? '';
      if (trailing !== '' && open.spaces === null) return false; // render it, and see what it does with them
      const shown = open.spaces === 'trimmed' ? addition.slice(0, addition.length - trailing.length) : addition;
      if (shown !== '' && !isPlainContinuation(open.raw.slice(0, open.raw.length - open.held.length), shown)) return false;
      if (shown !== '') open.appendTo.appendData(shown);
      open.held = open.spaces === 'trimmed' ? trailing : '';
    }
    open.raw += added;
    this.stats.appends++;
    return true;
  }
}

const NO_APPEND = { appendTo: null, spaces: null, held: '' } as const;

/**
 * Where the open text block `raw`, rendered as `element`, can take more text: its last text node (see
 * {@link lastText}), and — when `raw` ends with spaces — whether the rendering kept them.
 */
function appendTarget(element: HTMLElement, raw: string): Pick<OpenBlock, 'appendTo' | 'spaces' | 'held' | 'inCode'> {
  const code = openCodeSpanText(element, raw);
  if (code) return { appendTo: code, spaces: 'trimmed', held: '', inCode: true };
  const words = raw.replace(/ +$/, '');
  if (words === raw) return { appendTo: lastText(element, raw), spaces: null, held: '' };
  const withSpaces = lastText(element, raw);
  if (withSpaces) return { appendTo: withSpaces, spaces: 'kept', held: '' };
  const withoutSpaces = words === '' ? null : lastText(element, words);
  return withoutSpaces ? { appendTo: withoutSpaces, spaces: 'trimmed', held: raw.slice(words.length) } : NO_APPEND;
}

type Links = TokensList['links'];

/** Whether two sets of link definitions are the same. */
function sameLinks(a: Links, b: Links): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => a[key]?.href === b[key]?.href && a[key]?.title === b[key]?.title);
}

/** Whether the tokens' sources, in order, are exactly the start of `src` (which makes summing them the offset). */
function coversPrefix(tokens: Token[], src: string): boolean {
  let offset = 0;
  for (const token of tokens) {
    if (!src.startsWith(token.raw, offset)) return false;
    offset += token.raw.length;
  }
  return true;
}

/** The text node at the very end of `element` (made, empty, if it has none yet). */
function textNodeAtEnd(element: Element): Text {
  const last = element.lastChild;
  if (last instanceof Text) return last;
  const text = document.createTextNode('');
  element.append(text);
  return text;
}

/** Characters that have no Markdown meaning in the middle of a line of text. */
const PLAIN = String.raw`\p{L}\p{M}\p{N}\p{So}\p{Pi}\p{Pf},.'"?!:\-`;
const PLAIN_ADDITION = new RegExp(`^[${PLAIN} ]+$`, 'u');
const PLAIN_END = new RegExp(`[${PLAIN}] *$`, 'u');

/**
 * The text node `raw`'s rendering ends in, when new plain words would simply extend it: the last node of the block,
 * plain text (not in a link, code or formula), ending with the source's last character.
 */
function lastText(element: HTMLElement, raw: string): Text | null {
  const node = lastNode(element);
  if (!(node instanceof Text) || node.data === '' || !node.data.endsWith(raw.slice(-1))) return null;
  for (let parent = node.parentElement; parent && parent !== element; parent = parent.parentElement) {
    if (parent.matches('a, code, pre, .katex, .math-inline, .math-display')) return null;
  }
  return node;
}

/**
 * The last node of `element`'s rendering: past the line ends Marked writes after each element, and past the empty
 * cells a table row is padded with to its header's width (`| a | b` under four columns: the text goes on in `b`).
 */
function lastNode(element: HTMLElement): Node {
  let node: Node = element;
  for (let child = node.lastChild; child; child = node.lastChild) {
    while (child.previousSibling && (isBlankText(child) || (child instanceof HTMLTableCellElement && child.textContent === ''))) {
      child = child.previousSibling;
    }
    node = child;
  }
  return node;
}

function isBlankText(node: Node): boolean {
  return node instanceof Text && node.data.trim() === '';
}

/** What may be added to an open code span without rendering it again (see {@link OpenBlock.inCode}). */
const CODE_SPAN_ADDITION = /^[\p{L}\p{M}\p{N} ,.'"?!:\-(){}=/+#%&;]+$/u;

/**
 * The text of the code span `raw` ends in, still open (its closing backtick not written: the streaming tail closed
 * it), when it is the last thing rendered and shows exactly what follows its single opening backtick, which does not
 * start with a space (a span that starts and ends with one loses both).
 */
function openCodeSpanText(element: HTMLElement, raw: string): Text | null {
  const node = lastNode(element);
  const code = node.parentElement;
  if (!(node instanceof Text) || code?.localName !== 'code' || code.closest('pre, a, .katex') || code.childNodes.length !== 1) return null;
  const line = raw.slice(raw.lastIndexOf('\n') + 1);
  const opener = line.lastIndexOf('`');
  if (opener === -1 || line.charAt(opener - 1) === '`') return null;
  const content = line.slice(opener + 1);
  return content !== '' && !content.startsWith(' ') && node.data === content ? node : null;
}

/**
 * Whether appending `added` to the open block `raw` (as far as its DOM shows it) leaves its structure as it is, so
 * that the added characters end up at the end of its last text: `added` is plain text (letters, digits, spaces,
 * sentence punctuation), `raw` ends mid-line in such text (spaces after it allowed), the line already has a letter
 * (so it is not a list marker, rule or table line in the making) and is not a link reference definition (`[x]: url`)
 * or raw HTML block (`<div …`) in the making, whose meaning the rest of the line decides, and no word it writes or
 * continues is becoming an autolink (`www.`, `@`, `:`).
 */
function isPlainContinuation(raw: string, added: string): boolean {
  if (!PLAIN_ADDITION.test(added) || !PLAIN_END.test(raw)) return false;
  const line = raw.slice(raw.lastIndexOf('\n') + 1);
  if (!/\p{L}/u.test(line) || /\]:|^[\s>*+-]*(?:\d+[.)]\s*)?</.test(line)) return false;
  // Every word the addition writes or continues (a delta may hold the end of one word and the start of the next).
  const words = (/\S*$/.exec(line)?.[0] ?? '') + added;
  return !/[@:]|www/i.test(words);
}
