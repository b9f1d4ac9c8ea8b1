import type { Conversation, Message } from '../../common/types';

/**
 * A conversation's current branch as Markdown, for reading (not for import): a heading, the system prompt if the
 * conversation has its own, then each message under its author and time (UTC), with a note for a reply that did not
 * finish. Produced piece by piece so a long conversation is written as it is formatted.
 */
export function markdownHeader(conversation: Conversation, messageCount: number, exportedAt: number): string {
  const lines = [
    `# ${oneLine(conversation.title)}`,
    '',
    `Exported from Phi Desk on ${utc(exportedAt)} — ${messageCount} message${messageCount === 1 ? '' : 's'} (the branch shown in the app).`,
    '',
  ];
  if (conversation.systemPrompt) lines.push(...quote(`System prompt: ${conversation.systemPrompt}`), '');
  return `${lines.join('\n')}\n`;
}

/** One message: `## You` or `## Assistant`, its time and status, then its text as written. */
export function markdownMessage(message: Message): string {
  const author = message.role === 'user' ? 'You' : 'Assistant';
  const note = STATUS_NOTES[message.status];
  const lines = [`## ${author}`, '', `*${utc(message.createdAt)}${note ? ` — ${note}` : ''}*`, '', message.content.trimEnd()];
  if (message.status === 'error' && message.error) lines.push('', ...quote(`Error: ${message.error}`));
  return `${lines.join('\n')}\n\n`;
}

const STATUS_NOTES: Record<Message['status'], string | null> = {
  complete: null,
  streaming: 'still being written when exported',
  stopped: 'stopped',
  interrupted: 'interrupted',
  error: 'failed',
};

function utc(time: number): string {
  return `${new Date(time).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function quote(text: string): string[] {
  return text.split('\n').map((line) => (line ? `> ${line}` : '>'));
}
