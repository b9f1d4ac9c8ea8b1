import type { ExportedConversation, ExportedMessage } from '../../store/history-schema';
import {
  authorOf,
  branchLead,
  conversationFacts,
  isoTime,
  oneLine,
  statsNote,
  statusNote,
  utcMinute,
  viewOf,
} from './conversation-view';
import type { ExportFormat, ExportInfo, FormatWriter } from './format-writer';

/**
 * Markdown for reading and editing (not for import: JSON is the lossless format).
 *
 * A file of one conversation starts with YAML front matter (title, dates, model, settings, counts); a combined file
 * has front matter for the export, and each conversation, under its `#` heading, the same facts in a ```yaml block.
 * Every value is written as JSON, which YAML reads as it is, so quoting is never in doubt. Messages are `##` headings
 * (`You`, `Assistant`) with their time and text as written; with every branch, each branch is a `##` heading with a
 * sentence saying where it leaves the others, and its messages are `###` headings numbered by their place in it.
 */
export const markdownFormat: ExportFormat = {
  extension: 'md',
  mediaType: 'text/markdown; charset=utf-8',
  writer: (info, options) => new MarkdownWriter(info, options.combined),
};

class MarkdownWriter implements FormatWriter {
  lastMessageCount = 0;
  readonly #info: ExportInfo;
  readonly #combined: boolean;

  constructor(info: ExportInfo, combined: boolean) {
    this.#info = info;
    this.#combined = combined;
  }

  begin(contents: readonly { title: string }[]): string {
    if (!this.#combined) return '';
    return frontMatter([
      ['title', 'Phi Desk conversations'],
      ['exported', isoTime(this.#info.exportedAt)],
      ['app', `Phi Desk ${this.#info.appVersion}`],
      ['conversations', contents.length],
      ['shown', this.#info.branches === 'all' ? 'every branch' : 'the branch shown in the app'],
    ]);
  }

  *conversation(conversation: ExportedConversation, index: number): Iterable<string> {
    const view = viewOf(conversation, this.#info.branches);
    this.lastMessageCount = view.messageCount;
    const facts = conversationFacts(view);
    if (this.#combined) {
      yield `${index > 0 ? '\n' : ''}# ${oneLine(conversation.title)}\n\n\`\`\`yaml\n${yamlLines(facts)}\`\`\`\n\n`;
    } else {
      yield `${frontMatter([...facts, ['exported', isoTime(this.#info.exportedAt)]])}# ${oneLine(conversation.title)}\n\n`;
    }
    if (conversation.systemPrompt) yield `${quote(`System prompt: ${conversation.systemPrompt}`)}\n\n`;
    if (!view.allBranches) {
      if (view.branchCount > 1) {
        yield `*This conversation has ${view.branchCount} branches; this is the one shown in the app.*\n\n`;
      }
      for (const message of view.sections[0]?.messages ?? []) yield messageMarkdown(message, '##', null);
      return;
    }
    for (const section of view.sections) {
      const shown = section.number === 1 ? ' (shown in the app)' : '';
      yield `## Branch ${section.number} of ${view.branchCount}${shown}\n\n`;
      if (section.number > 1) yield `*${branchLead(section)}*\n\n`;
      for (const [offset, message] of section.messages.entries()) {
        yield messageMarkdown(message, '###', section.startDepth + offset + 1);
      }
    }
  }

  end(): string {
    return '';
  }
}

/** One message: its heading, its time (and status, figures), then its text as written. */
function messageMarkdown(message: ExportedMessage, level: '##' | '###', number: number | null): string {
  const notes = [utcMinute(message.createdAt), statusNote(message), statsNote(message)].filter((note) => note !== null);
  const heading = `${level} ${number === null ? '' : `${number}. `}${authorOf(message)}`;
  const lines = [heading, '', `*${notes.join(' · ')}*`, '', closeOpenFence(message.content.trimEnd())];
  if (message.status === 'error' && message.error) lines.push('', quote(`Error: ${message.error}`));
  return `${lines.join('\n')}\n\n`;
}

function frontMatter(facts: ReadonlyArray<[string, unknown]>): string {
  return `---\n${yamlLines(facts)}---\n\n`;
}

/** `key: value` lines, each value as JSON (valid YAML): strings quoted and escaped, objects in flow style. */
function yamlLines(facts: ReadonlyArray<[string, unknown]>): string {
  return facts.map(([key, value]) => `${key}: ${JSON.stringify(value)}\n`).join('');
}

function quote(text: string): string {
  return text
    .split('\n')
    .map((line) => (line ? `> ${line}` : '>'))
    .join('\n');
}

/**
 * `text` with a code fence it leaves open closed at its end: a reply cut off inside a code block would otherwise
 * turn the rest of the file into code.
 */
export function closeOpenFence(text: string): string {
  let open: string | null = null;
  for (const line of text.split('\n')) {
    const fence = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (!fence) continue;
    if (open === null) open = fence;
    else if (fence[0] === open[0] && fence.length >= open.length && line.trim() === fence) open = null;
  }
  return open === null ? text : `${text}\n${open}`;
}
