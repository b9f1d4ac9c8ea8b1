import type { Migration } from './migration';

/**
 * Conversations and their messages.
 *
 * Messages form a tree, not a list, so that a later version can branch (edit a question, regenerate an answer)
 * without a rewrite: each message names its `parent_id`, and a conversation names its `current_leaf_id`, the tip of
 * the branch the user sees. The visible conversation is the path from that leaf up to a root. `seq` numbers the
 * messages of a conversation in the order they were written; a child's `seq` is always above its parent's.
 *
 * Integrity is the schema's job, not only the code's:
 * - a parent must be in the same conversation: the composite key (conversation_id, parent_id) references
 *   messages (conversation_id, id), which `messages_by_conversation_id` makes unique;
 * - the current leaf must be a message of the same conversation, by the same trick. It is DEFERRABLE INITIALLY
 *   DEFERRED so a transaction may move the leaf and delete the old branch in either order; it is checked at COMMIT.
 * - deleting a conversation deletes its messages (ON DELETE CASCADE). The parent key has no ON DELETE action on
 *   purpose: a cascade down a deep reply chain would recurse once per generation and hit SQLite's trigger-depth
 *   limit (1000); a branch is deleted by id set instead, and the key is checked when the statement ends.
 *
 * Every foreign key's child columns are indexed, or a parent delete would scan the child table once per row.
 *
 * Choices worth knowing:
 * - STRICT tables: a value of the wrong type is an error, not silently stored.
 * - role and status are not CHECK-constrained: SQLite cannot alter a CHECK without rebuilding the table, and the
 *   next roles and statuses (a system prompt message, say) are foreseeable. The store validates them on read.
 * - `stats_json` is JSON, not columns: reply stats are shown, never filtered or joined on, are always read and
 *   written whole, and will gain fields (context in view, model name) that should not each cost a migration.
 *   `json_extract` still reaches a field for a one-off query or benchmark.
 * - Times are Unix epoch milliseconds (INTEGER).
 */
export const migration001Initial: Migration = {
  version: 1,
  name: 'initial',
  up(db) {
    db.exec(`
      CREATE TABLE conversations (
        id              TEXT    NOT NULL PRIMARY KEY,
        title           TEXT    NOT NULL,
        created_at      INTEGER NOT NULL,
        updated_at      INTEGER NOT NULL,
        current_leaf_id TEXT,
        FOREIGN KEY (id, current_leaf_id) REFERENCES messages (conversation_id, id)
          DEFERRABLE INITIALLY DEFERRED
      ) STRICT;

      -- The conversation list: most recently updated first, ties broken the same way every time.
      CREATE INDEX conversations_by_recency ON conversations (updated_at, created_at, id);

      CREATE TABLE messages (
        id              TEXT    NOT NULL PRIMARY KEY,
        conversation_id TEXT    NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        parent_id       TEXT,
        seq             INTEGER NOT NULL,
        role            TEXT    NOT NULL,
        content         TEXT    NOT NULL,
        status          TEXT    NOT NULL,
        created_at      INTEGER NOT NULL,
        stats_json      TEXT    CHECK (stats_json IS NULL OR json_valid(stats_json)),
        error           TEXT,
        FOREIGN KEY (conversation_id, parent_id) REFERENCES messages (conversation_id, id)
      ) STRICT;

      -- The parent key of both composite foreign keys; also "all messages of a conversation" (delete, export).
      CREATE UNIQUE INDEX messages_by_conversation_id ON messages (conversation_id, id);
      -- Write order within a conversation; the next seq is max(seq) + 1, read from this index.
      CREATE UNIQUE INDEX messages_by_conversation_seq ON messages (conversation_id, seq);
      -- Children of a message in write order (branch alternatives); the child index of the parent foreign key.
      CREATE INDEX messages_by_parent ON messages (conversation_id, parent_id, seq);
      -- Replies left streaming by a crash, found at start-up without scanning every message; almost always empty.
      CREATE INDEX messages_streaming ON messages (status) WHERE status = 'streaming';
    `);
  },
};
