/**
 * The HTML export's own stylesheet (inside every file): readable text, the two authors told apart, code and tables
 * framed, light or dark as the reader's system is (`prefers-color-scheme`). System fonts only; the page needs none of
 * its own (KaTeX's, for math, are embedded separately when a formula needs them).
 */
export const PAGE_CSS = `
:root {
  color-scheme: light dark;
  --bg: #ffffff; --text: #1f2328; --muted: #59636e; --border: #d1d9e0; --user: #eef4ff; --assistant: #f6f8fa;
  --accent: #0969da; --code-bg: #f6f8fa; --danger: #cf222e;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117; --text: #e6edf3; --muted: #9198a1; --border: #3d444d; --user: #172b4d; --assistant: #151b23;
    --accent: #4493f8; --code-bg: #0d1117; --danger: #f85149;
  }
}
* { box-sizing: border-box; }
body {
  margin: 0; background: var(--bg); color: var(--text);
  font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
.page { max-width: 52rem; margin: 0 auto; padding: 2rem 1.25rem 4rem; }
a { color: var(--accent); }
.export-header h1 { margin: 0 0 0.25rem; font-size: 1.6rem; }
.export-header p, .lead, .facts, .message header { color: var(--muted); }
nav.contents { margin: 1.5rem 0 2.5rem; padding: 1rem 1.25rem; border: 1px solid var(--border); border-radius: 8px; }
nav.contents h2 { margin: 0 0 0.5rem; font-size: 1.1rem; }
nav.contents ol { margin: 0; padding-left: 1.5rem; }
nav.contents li { margin: 0.2rem 0; }
nav.contents .when { color: var(--muted); font-size: 0.875rem; }
article.conversation { margin: 0 0 3.5rem; }
article.conversation > h1 { font-size: 1.45rem; margin: 0 0 0.5rem; border-bottom: 1px solid var(--border); padding-bottom: 0.4rem; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.15rem 1rem; margin: 0 0 1.25rem; font-size: 0.875rem; }
.facts dt { font-weight: 600; }
.facts dd { margin: 0; overflow-wrap: anywhere; white-space: pre-wrap; }
section.branch > h2 { font-size: 1.15rem; margin: 2rem 0 0.25rem; }
.lead { margin: 0 0 1rem; font-style: italic; }
.message { margin: 0 0 1rem; padding: 0.75rem 1rem; border: 1px solid var(--border); border-radius: 10px; }
.message.user { background: var(--user); }
.message.assistant { background: var(--assistant); }
.message header { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: baseline; font-size: 0.8125rem; margin-bottom: 0.4rem; }
.message header .author { color: var(--text); font-weight: 600; font-size: 0.9375rem; }
.message .body > :first-child { margin-top: 0; }
.message .body > :last-child { margin-bottom: 0; }
.message .body { overflow-wrap: anywhere; }
.message .error { color: var(--danger); }
blockquote { margin: 0.75rem 0; padding: 0 1rem; border-left: 3px solid var(--border); color: var(--muted); }
.system-prompt { white-space: pre-wrap; }
code { font: 0.875em/1.5 ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; }
:not(pre) > code { padding: 0.1em 0.35em; border-radius: 4px; background: var(--code-bg); border: 1px solid var(--border); }
figure.code { margin: 0.75rem 0; border: 1px solid var(--border); border-radius: 8px; overflow: hidden; background: var(--code-bg); }
figure.code figcaption { padding: 0.2rem 0.75rem; font-size: 0.75rem; color: var(--muted); border-bottom: 1px solid var(--border); }
figure.code pre { margin: 0; }
pre code.hljs { display: block; padding: 0.75rem; overflow-x: auto; background: transparent; }
table { border-collapse: collapse; margin: 0.75rem 0; display: block; overflow-x: auto; }
th, td { border: 1px solid var(--border); padding: 0.3rem 0.6rem; }
.math-display { overflow-x: auto; overflow-y: hidden; margin: 0.75rem 0; }
hr { border: 0; border-top: 1px solid var(--border); }
@media print { nav.contents { break-after: page; } .message { break-inside: avoid; } }
`;
