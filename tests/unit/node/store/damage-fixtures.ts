import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Message } from '../../../../src-main/common/types';
import type { Store } from '../../../../src-main/node/store/open-store';

/**
 * Data for the damaged-database tests: rows big enough that each fills a page of its own (4 KB pages), so that
 * damaging the page that holds a row damages that row and no other — the tests then know exactly what is lost.
 */

/**
 * About 3,000 characters starting with `label` (a word the search can find): one message, or one conversation with
 * it as its system prompt, per leaf page (two would not fit in 4,096 bytes, one fits without overflow pages).
 */
export function pageFilling(label: string): string {
  return `${label} ${'sentence worth keeping '.repeat(130)}`;
}

/** A finished message with page-filling text after `parent` (or a root). */
export function write(store: Store, conversationId: string, parent: Message | null, role: Message['role'], label: string): Message {
  return store.conversations.appendMessage({
    conversationId,
    parentId: parent?.id ?? null,
    role,
    content: pageFilling(label),
    status: 'complete',
  });
}

/** A conversation whose row fills a page (its system prompt). */
export function conversation(store: Store, title: string): string {
  return store.conversations.createConversation({ title, systemPrompt: pageFilling(`prompt of ${title}`) }).id;
}

/** The SHA-256 of a file, to show it was not changed. */
export function digest(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}
