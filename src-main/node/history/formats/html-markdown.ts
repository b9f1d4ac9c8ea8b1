import katex from 'katex';
import { Marked, type Tokens } from 'marked';
import { externalLinkUrl } from '../../../common/external-links';
import { escapeHtml, highlightCode } from '../../../common/markdown/highlight';
import { mathSyntax, type MathToken } from '../../../common/markdown/math-syntax';

/**
 * A message's Markdown as HTML for the HTML export, in the main process: the window's syntax (GitHub-flavoured, line
 * breaks as written, TeX math — the same math syntax and highlighter modules), typeset into the file.
 *
 * There is no DOM here for DOMPurify, and none is needed: nothing a message writes becomes markup. Raw HTML, block or
 * inline, is escaped and shown as text; Marked escapes all other text itself; code is escaped by the highlighter;
 * KaTeX runs with `trust: false` (no `\href`, `\htmlClass`…). Links follow the window's rule (`external-links.ts`):
 * only web and mail addresses become links; anything else stays its text. Pictures are never loaded (nothing is
 * fetched when the file is opened): their description, linked to them.
 */

/** Collects the CSS classes of the formulas typeset, so the page embeds only the KaTeX fonts they need. */
let mathClasses: Set<string> | null = null;

const markdown = new Marked({ gfm: true, breaks: true, async: false }, mathSyntax(mathHtml), {
  renderer: {
    html: ({ text }) => escapeHtml(text),
    code: (token) => codeHtml(token),
    link(token) {
      const text = this.parser.parseInline(token.tokens);
      const url = externalLinkUrl(token.href);
      if (!url) return text;
      const title = token.title ? ` title="${escapeHtml(token.title)}"` : '';
      return `<a href="${escapeHtml(url.href)}" rel="noopener noreferrer"${title}>${text}</a>`;
    },
    image({ href, text }) {
      const label = escapeHtml(text || 'image');
      const url = externalLinkUrl(href);
      return url ? `<a href="${escapeHtml(url.href)}" rel="noopener noreferrer">${label}</a>` : label;
    },
  },
});

/** What {@link renderMarkdown} made: the HTML, and the classes of its formulas (empty without math). */
export interface RenderedMarkdown {
  html: string;
  mathClasses: ReadonlySet<string>;
}

/** Render one message's text. */
export function renderMarkdown(text: string): RenderedMarkdown {
  const classes = new Set<string>();
  mathClasses = classes;
  try {
    return { html: markdown.parse(text) as string, mathClasses: classes };
  } finally {
    mathClasses = null;
  }
}

function codeHtml(token: Tokens.Code): string {
  const fenceLanguage = token.lang?.trim().split(/\s+/)[0]?.toLowerCase();
  const highlighted = highlightCode(token.text, fenceLanguage);
  const label = highlighted.language || fenceLanguage || 'text';
  const classes = highlighted.language ? `hljs language-${highlighted.language}` : 'hljs';
  return (
    `<figure class="code"><figcaption>${escapeHtml(label)}</figcaption>` +
    `<pre><code class="${escapeHtml(classes)}">${highlighted.html}</code></pre></figure>`
  );
}

function mathHtml(token: MathToken, tag: 'div' | 'span'): string {
  const html = katex.renderToString(token.text, {
    displayMode: token.display,
    throwOnError: false,
    strict: 'ignore',
    trust: false,
    output: 'htmlAndMathml',
  });
  if (mathClasses) {
    for (const match of html.matchAll(/class="([^"]*)"/g)) {
      for (const name of (match[1] ?? '').split(' ')) if (name) mathClasses.add(name);
    }
  }
  return `<${tag} class="${token.display ? 'math-display' : 'math-inline'}">${html}</${tag}>`;
}
