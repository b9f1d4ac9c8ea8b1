import DOMPurify from 'dompurify';
import { Marked, type Token, type Tokens, type TokensList } from 'marked';
import { externalLinkUrl } from '../../../src-main/common/external-links';
import { addCodeBlockFrames } from './code-block';
import { escapeHtml, highlightCode } from '../../../src-main/common/markdown/highlight';
import { mathExtension, PENDING_MATH_CLASS, renderMath } from './math';

/**
 * Markdown to DOM, one top-level block at a time (the incremental renderer keeps finished blocks and renders only the
 * one still being written).
 *
 * GitHub-flavoured (tables, task lists, strikethrough, autolinks), a line break where the writer broke the line, TeX
 * math. What a message can never do: run script or style the page (raw HTML is shown as text, and the output is
 * sanitised against an allowlist anyway, under a CSP without 'unsafe-inline'), fetch anything (images are shown as a
 * link to the picture, not loaded), or navigate the app (only web and mail links are links; they open outside it).
 */

/** How a block is rendered: as written (finished), or as the still-open last block of a streaming reply. */
export type RenderMode = 'final' | 'streaming';

// The renderer's code() needs the mode; parsing is synchronous, so it is set around each parse.
let mode: RenderMode = 'final';

const markdown = new Marked({ gfm: true, breaks: true }, mathExtension, {
  renderer: {
    // Raw HTML, block or inline, is text: a reply showing `<b>` means the characters, and nothing it writes is markup.
    html: ({ text }) => escapeHtml(text),
    code: (token) => codeHtml(token),
    // A picture is never fetched (no tracking pixels, nothing leaves the machine): its description, linked to it.
    image({ href, text }) {
      const label = escapeHtml(text || 'image');
      return externalLinkUrl(href) ? `<a href="${escapeHtml(href)}">${label}</a>` : label;
    },
  },
});

/** A fenced block whose closing fence is written: `raw` ends with a fence line at least as long as the opening one. */
export function isClosedFence(raw: string): boolean {
  const open = /^ {0,3}(`{3,}|~{3,})/.exec(raw)?.[1];
  if (!open) return true; // an indented code block has no fence to wait for
  const lines = raw.replace(/\n+$/, '').split('\n');
  if (lines.length < 2) return false;
  const last = lines.at(-1)?.trim() ?? '';
  return last.length >= open.length && [...last].every((char) => char === open.charAt(0));
}

function codeHtml(token: Tokens.Code): string {
  const fenceLanguage = token.lang?.trim().split(/\s+/)[0]?.toLowerCase();
  // Still being written: shown plain (highlighting a growing block on every token would cost the whole block each
  // time), without a half-typed closing fence. Highlighted once it closes.
  const highlighted =
    mode === 'streaming' && !isClosedFence(token.raw)
      ? { html: escapeHtml(withoutPartialFence(token.text)), language: fenceLanguage || null }
      : highlightCode(token.text, fenceLanguage);
  const label = highlighted.language || fenceLanguage || 'text';
  const classes = highlighted.language ? `hljs language-${highlighted.language}` : 'hljs';
  return `<pre><code class="${escapeHtml(classes)}" data-language="${escapeHtml(label)}">${highlighted.html}</code></pre>`;
}

/** `code` without a last line that is only backticks or tildes (a closing fence being typed). */
function withoutPartialFence(code: string): string {
  const start = code.lastIndexOf('\n') + 1;
  return /^[ \t]*[`~]+[ \t]*$/.test(code.slice(start)) ? code.slice(0, Math.max(0, start - 1)) : code;
}

/** Lex `src` into top-level tokens, knowing the link reference definitions `links` made earlier in the message. */
export function lexBlocks(src: string, links: TokensList['links'] = {}): TokensList {
  const lexer = new markdown.Lexer(markdown.defaults);
  Object.assign(lexer.tokens.links, links);
  return lexer.lex(src);
}

/** The tags and attributes rendered Markdown consists of; anything else is dropped. */
const SANITIZE = {
  ALLOWED_TAGS: [
    'a', 'blockquote', 'br', 'code', 'del', 'div', 'em', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'input', 'li',
    'ol', 'p', 'pre', 'span', 'strong', 'table', 'tbody', 'td', 'th', 'thead', 'tr', 'ul',
  ],
  ALLOWED_ATTR: ['align', 'checked', 'class', 'data-language', 'disabled', 'href', 'start', 'title', 'type'],
  ALLOW_DATA_ATTR: false,
  ALLOW_ARIA_ATTR: false,
  RETURN_DOM_FRAGMENT: true,
} as const;
const SANITIZE_CONFIG = { ...SANITIZE, ALLOWED_TAGS: [...SANITIZE.ALLOWED_TAGS], ALLOWED_ATTR: [...SANITIZE.ALLOWED_ATTR] };

/**
 * A sanitiser of the renderer's own, configured once: given a configuration with each call, DOMPurify builds its
 * allowlists all over again, which cost about as much as sanitising a short block — and scrolling through a long
 * conversation renders thousands of blocks (the UI benchmark's profile). Nothing else can change its configuration.
 */
const purify = DOMPurify(window);
purify.setConfig(SANITIZE_CONFIG);

/** Render top-level `tokens` (one block, usually) into a new block element. */
export function renderBlock(tokens: Token[], renderMode: RenderMode, options: { pendingMath?: boolean } = {}): HTMLElement {
  mode = renderMode;
  let html: string;
  try {
    html = markdown.parser(tokens);
  } finally {
    mode = 'final';
  }
  // (The configuration is the one set above, which DOMPurify no longer reads per call; passed for the return type.)
  const content = purify.sanitize(html, SANITIZE_CONFIG);
  hardenLinks(content);
  if (options.pendingMath) for (const math of content.querySelectorAll('.math-display')) math.classList.add(PENDING_MATH_CLASS);
  renderMath(content);
  addCodeBlockFrames(content);
  const block = document.createElement('div');
  block.className = 'md-block';
  block.append(content);
  return block;
}

/**
 * Web and mail links open outside the app (a new tab without access back to it, or the system browser in the desktop
 * app); anything else (`javascript:`, `data:`, a path that would navigate the app itself) is left as its text.
 */
function hardenLinks(root: ParentNode): void {
  for (const link of root.querySelectorAll('a')) {
    const url = externalLinkUrl(link.getAttribute('href') ?? '');
    if (!url) {
      link.replaceWith(...link.childNodes);
      continue;
    }
    link.href = url.href;
    link.target = '_blank';
    link.rel = 'noopener noreferrer';
    if (!link.title) link.title = url.href;
  }
}
