import katex from 'katex';
import type { MarkedExtension, TokenizerAndRendererExtension, Tokens } from 'marked';
import { escapeHtml } from './highlight';

/**
 * TeX math in messages: `$…$` inline, `$$…$$` displayed (on lines of its own, or inline in a sentence).
 *
 * Marked only marks the math (an element holding the TeX source as text); {@link renderMath} then has KaTeX build
 * the formula into that element as DOM nodes. KaTeX sets its few inline sizes through CSSOM (`element.style`), which
 * the CSP's `style-src 'self'` allows — `renderToString` would emit `style="…"` attributes, which it blocks.
 */

/** Marks an element holding inline TeX. */
export const INLINE_MATH_CLASS = 'math-inline';
/** Marks an element holding displayed TeX. */
export const DISPLAY_MATH_CLASS = 'math-display';
/** A displayed formula still being written (its closing `$$` not there yet): shown as its source, not typeset. */
export const PENDING_MATH_CLASS = 'math-pending';

/**
 * `$…$` in a sentence. Dollar amounts are not math: the opening `$` is followed by a non-space, the closing one
 * preceded by a non-space and not followed by a digit, and neither side may be another `$`. So `$5 and $10` and
 * `costs $5-$10` stay text, while `$x^2$` and `$a + b$` are math.
 */
const INLINE_MATH = /^\$(?![\s$])((?:\\[\s\S]|[^\\\n$])*?[^\\\s$]|[^\\\s$])\$(?![\d$])/;
/** `$$…$$` inside a sentence (displayed, but part of the paragraph). */
const INLINE_DISPLAY_MATH = /^\$\$(?!\$)((?:\\[\s\S]|[^\\$])+?)\$\$/;
/** `$$…$$` as a block: the opening `$$` starts a line and the closing one ends a line. */
const BLOCK_MATH = /^ {0,3}\$\$((?:\\[\s\S]|[^\\$])+?)\$\$[ \t]*(?:\n+|$)/;
/** Where a math block could start inside a run of text (so a paragraph stops there). */
const BLOCK_MATH_START = /^ {0,3}\$\$/m;

interface MathToken extends Tokens.Generic {
  type: 'math' | 'inlineMath';
  text: string;
  display: boolean;
}

const blockMath: TokenizerAndRendererExtension = {
  name: 'math',
  level: 'block',
  start: (src) => BLOCK_MATH_START.exec(src)?.index,
  tokenizer(src): MathToken | undefined {
    const match = BLOCK_MATH.exec(src);
    if (!match) return undefined;
    return { type: 'math', raw: match[0], text: (match[1] ?? '').trim(), display: true };
  },
  renderer: (token) => mathHtml(token as MathToken, 'div'),
};

const inlineMath: TokenizerAndRendererExtension = {
  name: 'inlineMath',
  level: 'inline',
  start: (src) => {
    const index = src.indexOf('$');
    return index === -1 ? undefined : index;
  },
  tokenizer(src): MathToken | undefined {
    const display = INLINE_DISPLAY_MATH.exec(src);
    if (display) return { type: 'inlineMath', raw: display[0], text: (display[1] ?? '').trim(), display: true };
    const inline = INLINE_MATH.exec(src);
    if (inline) return { type: 'inlineMath', raw: inline[0], text: inline[1] ?? '', display: false };
    return undefined;
  },
  renderer: (token) => mathHtml(token as MathToken, 'span'),
};

function mathHtml(token: MathToken, tag: 'div' | 'span'): string {
  const className = token.display ? DISPLAY_MATH_CLASS : INLINE_MATH_CLASS;
  return `<${tag} class="${className}">${escapeHtml(token.text)}</${tag}>`;
}

/** The Marked extension that recognises math (see {@link renderMath} for the typesetting). */
export const mathExtension: MarkedExtension = { extensions: [blockMath, inlineMath] };

/**
 * Typeset every math element under `root` with KaTeX, in place. A formula KaTeX cannot read is shown as its source
 * (in the error colour, with the reason as a tooltip) rather than breaking the message.
 */
export function renderMath(root: ParentNode): void {
  for (const element of root.querySelectorAll<HTMLElement>(`.${INLINE_MATH_CLASS}, .${DISPLAY_MATH_CLASS}`)) {
    if (element.classList.contains(PENDING_MATH_CLASS)) continue;
    const tex = element.textContent ?? '';
    element.textContent = '';
    katex.render(tex, element, {
      displayMode: element.classList.contains(DISPLAY_MATH_CLASS),
      throwOnError: false,
      // Unicode text in math and similar: typeset it anyway, without a console warning per formula.
      strict: 'ignore',
      // No \href, \url, \includegraphics, \htmlClass…: a reply is untrusted.
      trust: false,
      output: 'htmlAndMathml',
    });
  }
}

/** The TeX source of a typeset formula (KaTeX keeps it in its MathML annotation), or `null` if `element` is none. */
export function texOf(element: Element): string | null {
  if (!element.classList.contains('katex')) return null;
  return element.querySelector('annotation[encoding="application/x-tex"]')?.textContent ?? null;
}
