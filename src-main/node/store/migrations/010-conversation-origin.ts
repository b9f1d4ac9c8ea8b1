import type { Migration } from './migration';

/**
 * Where an imported conversation came from, as a key of the source's own id: `chatgpt:<conversation id>` for one
 * imported from a ChatGPT export. Importing the same export again finds the key and adds nothing; the key travels in
 * Phi Desk's JSON export (`origin`), so a conversation moved on to another machine keeps it. `NULL` for conversations
 * written here (the usual case).
 *
 * - TEXT with a length CHECK: a key is an id with a prefix, never a document.
 * - `conversations_by_origin`: partial, so it holds only imported conversations and costs nothing otherwise; not
 *   UNIQUE, because a conversation deleted a moment ago keeps its row (and key) during its undo window while the
 *   same conversation may be imported again (the check for "already here" skips deleted rows, as the list does).
 *
 * ADD COLUMN with no default rewrites nothing: every existing row reads `NULL`.
 */
export const migration010ConversationOrigin: Migration = {
  version: 10,
  name: 'conversation-origin',
  up(db) {
    db.exec(`
      ALTER TABLE conversations ADD COLUMN origin TEXT CHECK (origin IS NULL OR length(origin) BETWEEN 1 AND 300);

      CREATE INDEX conversations_by_origin ON conversations (origin) WHERE origin IS NOT NULL;
    `);
  },
};
