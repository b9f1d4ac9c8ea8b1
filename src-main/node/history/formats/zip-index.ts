import { escapeHtml } from '../../../common/markdown/highlight';
import { oneLine, utcMinute } from './conversation-view';
import type { ContentsEntry, ExportInfo } from './format-writer';
import { PAGE_CSS } from './html-style';

/** A file of a zip export, as its index lists it. */
export interface IndexedFile extends ContentsEntry {
  /** Its name in the zip. */
  file: string;
}

/**
 * The index of a zip export (one file per conversation): each conversation's title linking to its file, its start and
 * its number of messages. `index.html` for HTML files (a page like theirs: no script, nothing fetched), else
 * `index.md`.
 */
export function zipIndex(extension: 'json' | 'md' | 'html', files: readonly IndexedFile[], info: ExportInfo): { file: string; text: string } {
  const exported = `Exported from Phi Desk ${info.appVersion} on ${utcMinute(info.exportedAt)}`;
  const count = `${files.length} conversation${files.length === 1 ? '' : 's'}`;
  const when = (file: IndexedFile): string => `${utcMinute(file.createdAt)} · ${file.messages} message${file.messages === 1 ? '' : 's'}`;
  if (extension === 'html') {
    const items = files.map(
      (file) => `<li><a href="${escapeHtml(encodeURI(file.file))}">${escapeHtml(oneLine(file.title))}</a> <span class="when">${when(file)}</span></li>`,
    );
    const text = [
      '<!doctype html>',
      '<html lang="en">',
      '<head>',
      '<meta charset="utf-8">',
      `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
      '<meta name="viewport" content="width=device-width, initial-scale=1">',
      '<title>Phi Desk conversations</title>',
      `<style>${PAGE_CSS}</style>`,
      '</head>',
      '<body>',
      '<div class="page">',
      '<header class="export-header"><h1>Phi Desk conversations</h1>',
      `<p>${escapeHtml(exported)} — ${count}, one file each.</p></header>`,
      '<nav class="contents" aria-label="Contents"><h2>Contents</h2><ol>',
      ...items,
      '</ol></nav>',
      '</div>',
      '</body>',
      '</html>',
      '',
    ].join('\n');
    return { file: 'index.html', text };
  }
  const lines = [
    '# Phi Desk conversations',
    '',
    `${exported} — ${count}, one file each${extension === 'json' ? ' (each a Phi Desk export that can be imported)' : ''}.`,
    '',
    ...files.map((file, index) => `${index + 1}. [${markdownText(oneLine(file.title))}](<${file.file}>) — ${when(file)}`),
    '',
  ];
  return { file: 'index.md', text: lines.join('\n') };
}

/** Text safe inside a Markdown link label. */
function markdownText(text: string): string {
  return text.replace(/[\\[\]*_`<>]/g, (char) => `\\${char}`);
}
