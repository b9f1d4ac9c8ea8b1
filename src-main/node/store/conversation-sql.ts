/**
 * Every statement the conversation store runs, in one place so the tests can `EXPLAIN QUERY PLAN` the very SQL the
 * store prepares. Values are always bound parameters (`@name`), never spliced into the text.
 */

const CONVERSATION_COLUMNS = 'id, title, created_at, updated_at, current_leaf_id';
const MESSAGE_COLUMNS = 'id, conversation_id, parent_id, seq, role, content, status, created_at, stats_json, error';

export const conversationSql = {
  insertConversation: `
    INSERT INTO conversations (id, title, created_at, updated_at, current_leaf_id)
    VALUES (@id, @title, @now, @now, NULL)`,

  /** Most recently updated first; ties (same millisecond) broken by creation, then id, so the order is stable. */
  listConversations: `
    SELECT ${CONVERSATION_COLUMNS} FROM conversations
    ORDER BY updated_at DESC, created_at DESC, id DESC`,

  getConversation: `SELECT ${CONVERSATION_COLUMNS} FROM conversations WHERE id = @id`,

  renameConversation: `
    UPDATE conversations SET title = @title
    WHERE id = @id
    RETURNING ${CONVERSATION_COLUMNS}`,

  deleteConversation: `DELETE FROM conversations WHERE id = @id`,

  /**
   * Move the current leaf and the update time. `max` keeps `updated_at` from going backwards when the wall clock
   * does (NTP step, manual change), so the list order never jumps for that reason.
   */
  touchConversation: `
    UPDATE conversations SET current_leaf_id = coalesce(@leafId, current_leaf_id), updated_at = max(updated_at, @now)
    WHERE id = @id`,

  /** The next write-order number of a conversation, read from the top of its (conversation_id, seq) index. */
  nextMessageSeq: `SELECT coalesce(max(seq), 0) + 1 AS seq FROM messages WHERE conversation_id = @conversationId`,

  /** 1 when the message exists in that conversation (a parent must be in the same conversation as its child). */
  messageInConversation: `SELECT 1 FROM messages WHERE conversation_id = @conversationId AND id = @id`,

  insertMessage: `
    INSERT INTO messages (id, conversation_id, parent_id, seq, role, content, status, created_at, stats_json, error)
    VALUES (@id, @conversationId, @parentId, @seq, @role, @content, @status, @createdAt, NULL, NULL)`,

  getMessage: `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id = @id`,

  /**
   * The current branch: from the conversation's current leaf up through each parent to the root, returned root
   * first. Each step is a primary-key lookup, so the cost is the branch length, not the conversation size.
   */
  listBranch: `
    WITH RECURSIVE branch (id, depth) AS (
      SELECT current_leaf_id, 0 FROM conversations WHERE id = @conversationId AND current_leaf_id IS NOT NULL
      UNION ALL
      SELECT m.parent_id, b.depth + 1 FROM branch AS b JOIN messages AS m ON m.id = b.id
      WHERE m.parent_id IS NOT NULL
    )
    SELECT ${MESSAGE_COLUMNS.split(', ').map((column) => `m.${column}`).join(', ')}
    FROM branch AS b JOIN messages AS m ON m.id = b.id
    ORDER BY b.depth DESC`,

  /** Append streamed text. Guarded by status so a late delta cannot change a finished message. */
  appendToMessage: `
    UPDATE messages SET content = content || @delta
    WHERE id = @id AND status = 'streaming'`,

  finishMessage: `
    UPDATE messages SET status = @status, stats_json = @statsJson, error = @error, content = content || @tail
    WHERE id = @id AND status = 'streaming'
    RETURNING ${MESSAGE_COLUMNS}`,

  markStreamingAsInterrupted: `UPDATE messages SET status = 'interrupted' WHERE status = 'streaming'`,
} as const;
