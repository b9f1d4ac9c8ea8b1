import { plural } from '../../../common/plural';
import type { ExportedConversation, ExportedMessage } from '../../store/history-schema';
import { branchSections, shownBranch, type BranchSection } from './branches';

/** Which messages a readable export shows: the branch shown in the app, or every branch. */
export type BranchChoice = 'shown' | 'all';

/** What the Markdown and HTML exports show of a conversation: the same facts, in their own syntax. */
export interface ConversationView {
  conversation: ExportedConversation;
  /** How many branches the conversation has (1 when it never forked). */
  branchCount: number;
  /** What is shown: one section (the branch shown in the app), or every branch from where it forks. */
  sections: BranchSection[];
  /** Messages shown, over every section. */
  messageCount: number;
  /** Every branch is shown, each labelled. */
  allBranches: boolean;
}

/** Lay out `conversation` for reading: its shown branch, or all of them (see `branchSections`). */
export function viewOf(conversation: ExportedConversation, branches: BranchChoice): ConversationView {
  const layout = branchSections(conversation.messages, conversation.currentLeafId);
  if (branches === 'all' && layout.count > 1) {
    return { conversation, branchCount: layout.count, sections: layout.sections, messageCount: conversation.messages.length, allBranches: true };
  }
  const shown = shownBranch(conversation.messages, conversation.currentLeafId);
  return {
    conversation,
    branchCount: Math.max(layout.count, 1),
    sections: [{ number: 1, after: null, messages: shown, startDepth: 0 }],
    messageCount: shown.length,
    allBranches: false,
  };
}

/** The facts a reader wants first, in order: for front matter, a metadata block, or a definition list. */
export function conversationFacts(view: ConversationView): Array<[key: string, value: string | number | boolean | null | object]> {
  const c = view.conversation;
  const facts: Array<[string, string | number | boolean | null | object]> = [
    ['title', c.title],
    ['created', isoTime(c.createdAt)],
    ['updated', isoTime(c.updatedAt)],
    ['model', c.model],
    ['source', c.source ?? 'chat'],
    ['pinned', c.pinned],
    ['archived', c.archived],
    ['system_prompt', c.systemPrompt],
    ['settings', c.generation],
    ['messages', view.messageCount],
    ['branches', view.branchCount],
    ['shown', view.allBranches ? 'every branch' : 'the branch shown in the app'],
  ];
  if (c.origin !== undefined) facts.push(['origin', c.origin]);
  return facts;
}

/** How a branch after the first one relates to those before it, in a sentence. */
export function branchLead(section: BranchSection): string {
  const first = section.messages[0];
  const what = first?.role === 'user' ? 'an edited question' : 'another reply';
  if (section.after === null) return `Starts the conversation with ${first?.role === 'user' ? 'another first question' : what}.`;
  const author = section.after.role === 'user' ? 'You' : 'Assistant';
  return `Continues after message ${section.startDepth} (${author}: “${excerpt(section.after.content)}”) with ${what}.`;
}

/** Who wrote a message, as the app labels it. */
export function authorOf(message: ExportedMessage): string {
  return message.role === 'user' ? 'You' : 'Assistant';
}

/** A note on a message that did not end normally; `null` for a complete one. */
export function statusNote(message: ExportedMessage): string | null {
  return STATUS_NOTES[message.status];
}

/** A reply's figures in words (`128 tokens, 12.5 tokens/s`, and the model that wrote it when known), or `null`. */
export function statsNote(message: ExportedMessage): string | null {
  const stats = message.stats;
  if (!stats || message.role !== 'assistant') return null;
  const figures = `${plural(stats.generatedTokens, 'token')}, ${stats.tokensPerSecond.toFixed(1)} tokens/s`;
  return stats.model ? `${figures}, ${stats.model}` : figures;
}

const STATUS_NOTES: Record<ExportedMessage['status'], string | null> = {
  complete: null,
  streaming: 'still being written when exported',
  stopped: 'stopped',
  interrupted: 'interrupted',
  error: 'failed',
};

/** `2026-11-27 14:05 UTC`. */
export function utcMinute(time: number): string {
  return `${new Date(time).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function isoTime(time: number): string {
  return new Date(time).toISOString();
}

/** The first words of a text on one line, at most about 60 characters. */
export function excerpt(text: string, length = 60): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= length ? line : `${line.slice(0, length - 1).trimEnd()}…`;
}

/** A title on one line. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
