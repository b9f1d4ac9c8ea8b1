import type { Migration } from './migration';

/**
 * Drafts: the composer's unsent text, one per conversation and one for the new chat (`conversation_id` NULL), saved
 * as the user types so it survives a reload and a restart — in the database rather than the window's storage, so a
 * browser host started on another port (another origin) still finds it, and a long draft meets no storage quota.
 *
 * - `conversation_id` UNIQUE: one draft per conversation, and the index the cascade uses when a conversation is
 *   deleted (its draft goes with it). SQLite lets a UNIQUE column hold several NULLs, so the partial index
 *   `drafts_new_chat` allows only one new-chat row.
 * - `full_length`: set when the text typed was longer than a message may be; `text` then holds only its start (the
 *   window says so), never more than a message's limit.
 * - A rowid table: a draft may be a megabyte, too large for a WITHOUT ROWID b-tree's rows.
 */
export const migration006Drafts: Migration = {
  version: 6,
  name: 'drafts',
  up(db) {
    db.exec(`
      CREATE TABLE drafts (
        conversation_id TEXT    UNIQUE REFERENCES conversations (id) ON DELETE CASCADE,
        text            TEXT    NOT NULL,
        full_length     INTEGER CHECK (full_length IS NULL OR full_length > length(text)),
        updated_at      INTEGER NOT NULL
      ) STRICT;

      CREATE UNIQUE INDEX drafts_new_chat ON drafts ((conversation_id IS NULL)) WHERE conversation_id IS NULL;
    `);
  },
};
