import type { Migration } from './migration';

/**
 * Deleting a conversation can be undone for a short while: it is first only marked deleted, and its rows go for good
 * once the undo window has passed (see `ConversationService`, which purges then, and at start-up).
 *
 * - `deleted_at`: when the user deleted the conversation (epoch ms), `NULL` while it is not deleted. A mark rather
 *   than moving the rows to a trash table: undo is one UPDATE, and messages, branches, options and the search index
 *   stay exactly as they were. Every read the app makes (list, open, search, export, counting tokens) skips marked
 *   conversations; a crash or a closed window in the undo window leaves a marked conversation, which is purged at
 *   the next start, so a deletion is never half done and never forgotten.
 * - `conversations_deleted`: a partial index of the marked conversations only, so the purge (and the start-up check
 *   for leftovers) finds them without scanning every conversation; almost always empty, it costs nothing to keep.
 *   The list keeps using `conversations_by_list` (migration 002) and filters the mark on the rows it reads anyway.
 *
 * ADD COLUMN with no default rewrites nothing: every existing row reads `NULL` (not deleted).
 */
export const migration008DeletedConversations: Migration = {
  version: 8,
  name: 'deleted-conversations',
  up(db) {
    db.exec(`
      ALTER TABLE conversations ADD COLUMN deleted_at INTEGER CHECK (deleted_at IS NULL OR deleted_at >= 0);

      CREATE INDEX conversations_deleted ON conversations (deleted_at) WHERE deleted_at IS NOT NULL;
    `);
  },
};
