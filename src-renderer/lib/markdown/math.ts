import katex from 'katex';
import type { MarkedExtension } from 'marked';
import { mathSyntax, type MathToken } from '../../../src-main/common/markdown/math-syntax';
import { escapeHtml } from '../../../src-main/common/markdown/highlight';

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

function mathHtml(token: MathToken, tag: 'div' | 'span'): string {
  const className = token.display ? DISPLAY_MATH_CLASS : INLINE_MATH_CLASS;
  return `<${tag} class="${className}">${escapeHtml(token.text)}</${tag}>`;
}

/** The Marked extension that recognises math (see {@link renderMath} for the typesetting). */
export const mathExtension: MarkedExtension = mathSyntax(mathHtml);

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
