import type { MarkedExtension, TokenizerAndRendererExtension, Tokens } from 'marked';

/**
 * The syntax of TeX math in messages, for Marked: `$…$` inline, `$$…$$` displayed (on lines of its own, or inline in
 * a sentence). One definition for the window (which typesets it into DOM nodes) and the HTML export (which typesets
 * it into the file): each passes its own way to write a formula.
 */

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

/** A formula found in a message: its TeX, and whether it is displayed (`$$…$$`) or inline. */
export interface MathToken extends Tokens.Generic {
  type: 'math' | 'inlineMath';
  text: string;
  display: boolean;
}

/**
 * The Marked extension that recognises math; `render` writes a formula as HTML (`tag`: `div` for a block, `span` in
 * a sentence).
 */
export function mathSyntax(render: (token: MathToken, tag: 'div' | 'span') => string): MarkedExtension {
  const blockMath: TokenizerAndRendererExtension = {
    name: 'math',
    level: 'block',
    start: (src) => BLOCK_MATH_START.exec(src)?.index,
    tokenizer(src): MathToken | undefined {
      const match = BLOCK_MATH.exec(src);
      if (!match) return undefined;
      return { type: 'math', raw: match[0], text: (match[1] ?? '').trim(), display: true };
    },
    renderer: (token) => render(token as MathToken, 'div'),
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
    renderer: (token) => render(token as MathToken, 'span'),
  };
  return { extensions: [blockMath, inlineMath] };
}
