import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { DATABASE_FILE } from '../../../src-main/node/host/compose';
import { closeDatabase, openDatabase } from '../../../src-main/node/store/open-database';

/** A conversation to write straight into a data folder's database, with the times it should have. */
export interface SeedConversation {
  title: string;
  /** Epoch ms; `createdAt` defaults to it. */
  updatedAt: number;
  createdAt?: number;
  pinned?: boolean;
  archived?: boolean;
  /** A chain of finished messages (each answers the one before), oldest first. */
  messages?: ReadonlyArray<{ role: 'user' | 'assistant'; content: string; createdAt: number }>;
}

/**
 * Write conversations into the database of `dataDir` (created and migrated if missing) in one transaction, with
 * prepared statements — thousands in a fraction of a second, for a sidebar of 10,000 — before the host opens it.
 * Plain SQL on the app's own schema, with the times the test needs (a conversation from last August, say), which the
 * app's contract rightly cannot set. The search index follows by its triggers. Returns the new ids, in order.
 */
export function seedConversations(dataDir: string, conversations: readonly SeedConversation[]): string[] {
  const db = openDatabase(path.join(dataDir, DATABASE_FILE));
  try {
    const insertConversation = db.prepare(
      `INSERT INTO conversations (id, title, created_at, updated_at, pinned, archived)
       VALUES (@id, @title, @createdAt, @updatedAt, @pinned, @archived)`,
    );
    const insertMessage = db.prepare(
      `INSERT INTO messages (id, conversation_id, parent_id, seq, role, content, status, created_at)
       VALUES (@id, @conversationId, @parentId, @seq, @role, @content, 'complete', @createdAt)`,
    );
    const setLeaf = db.prepare('UPDATE conversations SET current_leaf_id = @leaf WHERE id = @id');
    const ids: string[] = [];
    db.transaction(() => {
      for (const conversation of conversations) {
        const id = randomUUID();
        ids.push(id);
        insertConversation.run({
          id,
          title: conversation.title,
          createdAt: conversation.createdAt ?? conversation.updatedAt,
          updatedAt: conversation.updatedAt,
          pinned: conversation.pinned ? 1 : 0,
          archived: conversation.archived ? 1 : 0,
        });
        let parentId: string | null = null;
        for (const [index, message] of (conversation.messages ?? []).entries()) {
          const messageId = randomUUID();
          insertMessage.run({ id: messageId, conversationId: id, parentId, seq: index + 1, ...message });
          parentId = messageId;
        }
        if (parentId !== null) setLeaf.run({ leaf: parentId, id });
      }
    })();
    return ids;
  } finally {
    closeDatabase(db);
  }
}

/**
 * `count` conversations titled `Conversation 1` (the oldest) to `Conversation <count>` (the newest, updated at
 * `newest`), one every `spacingMs` back in time: with the default hour, 10,000 reach back some fourteen months, so
 * the sidebar shows every recent group and a heading per month.
 */
export function manyConversations(count: number, newest: number, spacingMs = 3_600_000): SeedConversation[] {
  return Array.from({ length: count }, (_, index) => ({
    title: `Conversation ${index + 1}`,
    updatedAt: newest - (count - 1 - index) * spacingMs,
  }));
}
