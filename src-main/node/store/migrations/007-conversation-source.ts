import type { Migration } from './migration';

/**
 * Where a conversation was started: `chat` (the chat window) or `quick` (the quick prompt, listed with a "Quick"
 * mark and filter).
 *
 * ADD COLUMN with a constant default rewrites nothing: every existing conversation reads `chat`. TEXT with a CHECK
 * (STRICT tables have no enum) so a foreign writer cannot store a value the app would not know how to show.
 * No index: the sidebar filters the list it already holds, and the list query walks `conversations_by_list` as before.
 */
export const migration007ConversationSource: Migration = {
  version: 7,
  name: 'conversation-source',
  up(db) {
    db.exec(`
      ALTER TABLE conversations ADD COLUMN source TEXT NOT NULL DEFAULT 'chat' CHECK (source IN ('chat', 'quick'));
    `);
  },
};
