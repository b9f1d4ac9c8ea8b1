import { escapeHtml } from '../../../common/markdown/highlight';
import type { ExportedConversation, ExportedMessage } from '../../store/history-schema';
import { htmlAssets } from './html-assets';
import { renderMarkdown } from './html-markdown';
import { PAGE_CSS } from './html-style';
import {
  authorOf,
  branchLead,
  conversationFacts,
  oneLine,
  statsNote,
  statusNote,
  utcMinute,
  viewOf,
  type ConversationView,
} from './conversation-view';
import type { ContentsEntry, ExportFormat, ExportInfo, FormatWriter } from './format-writer';

/**
 * One self-contained HTML page for reading and sharing: the conversations' messages rendered (Markdown, highlighted
 * code, typeset math), the facts of each conversation, a table of contents when there are several, light and dark
 * styles — all inside the file. No script at all, and nothing is fetched when it is opened: a Content Security Policy
 * in the page itself forbids both (`default-src 'none'`), as a second guard behind writing none. KaTeX's stylesheet
 * and the fonts the formulas need go in a `<style>` at the end of the page, once every formula has been seen (the
 * page is written as a stream, a conversation at a time).
 */
export const htmlFormat: ExportFormat = {
  extension: 'html',
  mediaType: 'text/html; charset=utf-8',
  writer: (info, options) => new HtmlWriter(info, options.combined),
};

/** The page's policy: inline styles and data: fonts and pictures, nothing else — no script, no request. */
const PAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; font-src data:; img-src data:; base-uri 'none'; form-action 'none'";

class HtmlWriter implements FormatWriter {
  lastMessageCount = 0;
  readonly #info: ExportInfo;
  readonly #combined: boolean;
  readonly #mathClasses = new Set<string>();
  #math = false;

  constructor(info: ExportInfo, combined: boolean) {
    this.#info = info;
    this.#combined = combined;
  }

  begin(contents: readonly ContentsEntry[]): string {
    const title = contents.length === 1 && contents[0] ? oneLine(contents[0].title) : 'Phi Desk conversations';
    const exported = `Exported from Phi Desk ${escapeHtml(this.#info.appVersion)} on ${utcMinute(this.#info.exportedAt)}`;
    const head = [
      '<!doctype html>',
      '<html lang="en">',
      '<head>',
      '<meta charset="utf-8">',
      `<meta http-equiv="Content-Security-Policy" content="${PAGE_POLICY}">`,
      '<meta name="viewport" content="width=device-width, initial-scale=1">',
      '<meta name="color-scheme" content="light dark">',
      '<meta name="referrer" content="no-referrer">',
      `<meta name="generator" content="Phi Desk ${escapeHtml(this.#info.appVersion)}">`,
      `<title>${escapeHtml(title)}</title>`,
      `<style>${PAGE_CSS}\n${htmlAssets().highlightCss}</style>`,
      '</head>',
      '<body>',
      '<div class="page">',
    ];
    if (this.#combined) {
      const count = `${contents.length} conversation${contents.length === 1 ? '' : 's'}`;
      head.push(
        '<header class="export-header">',
        `<h1>${escapeHtml(title)}</h1>`,
        `<p>${exported} — ${count}, ${this.#info.branches === 'all' ? 'every branch' : 'the branches shown in the app'}.</p>`,
        '</header>',
      );
    }
    if (contents.length > 1) {
      head.push('<nav class="contents" aria-label="Contents">', '<h2>Contents</h2>', '<ol>');
      contents.forEach((entry, index) => {
        const when = `${utcMinute(entry.createdAt)} · ${entry.messages} message${entry.messages === 1 ? '' : 's'}`;
        head.push(`<li><a href="#${anchor(index)}">${escapeHtml(oneLine(entry.title))}</a> <span class="when">${when}</span></li>`);
      });
      head.push('</ol>', '</nav>');
    }
    if (!this.#combined) head.push(`<p class="lead">${exported}.</p>`);
    return `${head.join('\n')}\n<main>\n`;
  }

  *conversation(conversation: ExportedConversation, index: number): Iterable<string> {
    const view = viewOf(conversation, this.#info.branches);
    this.lastMessageCount = view.messageCount;
    yield `<article class="conversation" id="${anchor(index)}">\n<h1>${escapeHtml(oneLine(conversation.title))}</h1>\n`;
    yield factsHtml(view);
    if (!view.allBranches && view.branchCount > 1) {
      yield `<p class="lead">This conversation has ${view.branchCount} branches; this is the one shown in the app.</p>\n`;
    }
    for (const section of view.sections) {
      if (view.allBranches) {
        const shown = section.number === 1 ? ' (shown in the app)' : '';
        yield `<section class="branch">\n<h2>Branch ${section.number} of ${view.branchCount}${shown}</h2>\n`;
        if (section.number > 1) yield `<p class="lead">${escapeHtml(branchLead(section))}</p>\n`;
      }
      for (const [offset, message] of section.messages.entries()) {
        yield this.#messageHtml(message, view.allBranches ? section.startDepth + offset + 1 : null);
      }
      if (view.allBranches) yield '</section>\n';
    }
    yield '</article>\n';
  }

  end(): string {
    const tail = ['</main>', '</div>'];
    // Only now is it known which formulas the page holds, and so which fonts it needs (see html-assets.ts).
    if (this.#math) {
      const assets = htmlAssets();
      tail.push(`<style>${assets.katexCss}\n${assets.fontFaces(this.#mathClasses)}</style>`);
    }
    tail.push('</body>', '</html>', '');
    return tail.join('\n');
  }

  #messageHtml(message: ExportedMessage, number: number | null): string {
    const rendered = renderMarkdown(message.content);
    if (rendered.mathClasses.size > 0) {
      this.#math = true;
      for (const name of rendered.mathClasses) this.#mathClasses.add(name);
    }
    const notes = [statusNote(message), statsNote(message)].filter((note) => note !== null);
    const author = `${number === null ? '' : `${number}. `}${authorOf(message)}`;
    const error = message.status === 'error' && message.error ? `<p class="error">Error: ${escapeHtml(message.error)}</p>` : '';
    return (
      `<article class="message ${message.role}">\n<header><span class="author">${author}</span> ` +
      `<time datetime="${new Date(message.createdAt).toISOString()}">${utcMinute(message.createdAt)}</time>` +
      `${notes.map((note) => ` <span class="note">· ${escapeHtml(note)}</span>`).join('')}</header>\n` +
      `<div class="body">${rendered.html}</div>${error}\n</article>\n`
    );
  }
}

/** The facts of a conversation as a definition list; the system prompt, if it has one, in full. */
function factsHtml(view: ConversationView): string {
  const rows = conversationFacts(view)
    .filter(([key]) => key !== 'title' && key !== 'system_prompt')
    .map(([key, value]) => {
      const text = key === 'created' || key === 'updated' ? utcMinute(Date.parse(String(value))) : factText(value);
      return `<dt>${escapeHtml(key.replace('_', ' '))}</dt><dd>${escapeHtml(text)}</dd>`;
    });
  const prompt = view.conversation.systemPrompt;
  const system = prompt ? `<dt>system prompt</dt><dd class="system-prompt">${escapeHtml(prompt)}</dd>` : '';
  return `<dl class="facts">${rows.join('')}${system}</dl>\n`;
}

function factText(value: unknown): string {
  if (value === null) return '—';
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    return entries.length === 0 ? 'app defaults' : entries.map(([key, setting]) => `${key} ${String(setting)}`).join(', ');
  }
  return String(value);
}

function anchor(index: number): string {
  return `conversation-${index + 1}`;
}
