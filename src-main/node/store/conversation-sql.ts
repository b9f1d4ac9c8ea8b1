/**
 * Every statement the conversation store runs, in one place so the tests can `EXPLAIN QUERY PLAN` the very SQL the
 * store prepares. Values are always bound parameters (`@name`), never spliced into the text.
 */

/** The columns of a `ConversationRow` (conversation-rows.ts). */
export const CONVERSATION_COLUMNS =
  'id, title, created_at, updated_at, current_leaf_id, pinned, archived, system_prompt, generation_json, model, source, engine';
/** The columns of a `MessageRow`. */
export const MESSAGE_COLUMNS = 'id, conversation_id, parent_id, seq, role, content, status, created_at, stats_json, error';
/** The message columns, for statements that name the table `m`. */
export const M_MESSAGE_COLUMNS = MESSAGE_COLUMNS.split(', ')
  .map((column) => `m.${column}`)
  .join(', ');

export const conversationSql = {
  insertConversation: `
    INSERT INTO conversations (id, title, created_at, updated_at, current_leaf_id, system_prompt, generation_json, model, source, engine)
    VALUES (@id, @title, @now, @now, NULL, @systemPrompt, @generationJson, @model, @source, @engine)
    RETURNING ${CONVERSATION_COLUMNS}`,

  /**
   * The list the UI shows: archived or not, pinned first, then most recently updated; ties (same millisecond)
   * broken by creation, then id, so the order is stable. One backwards walk of `conversations_by_list`, no sort;
   * conversations marked deleted (migration 006) are skipped on the rows the walk reads anyway.
   */
  listConversations: `
    SELECT ${CONVERSATION_COLUMNS} FROM conversations
    WHERE archived = @archived AND deleted_at IS NULL
    ORDER BY pinned DESC, updated_at DESC, created_at DESC, id DESC`,

  /** The first `@limit` rows of that list (see `listConversationsAfter`). */
  listConversationsFirst: `
    SELECT ${CONVERSATION_COLUMNS} FROM conversations
    WHERE archived = @archived AND deleted_at IS NULL
    ORDER BY pinned DESC, updated_at DESC, created_at DESC, id DESC
    LIMIT @limit`,

  /**
   * The next `@limit` rows of that list after the row (`@pinned`, `@updatedAt`, `@createdAt`, `@id`): the list read a
   * page at a time, each page the same backwards walk of `conversations_by_list` from a row-value bound.
   */
  listConversationsAfter: `
    SELECT ${CONVERSATION_COLUMNS} FROM conversations
    WHERE archived = @archived AND deleted_at IS NULL
      AND (pinned, updated_at, created_at, id) < (@pinned, @updatedAt, @createdAt, @id)
    ORDER BY pinned DESC, updated_at DESC, created_at DESC, id DESC
    LIMIT @limit`,

  /** A conversation that is not marked deleted: every read and change of one goes through this or a guard like it. */
  getConversation: `SELECT ${CONVERSATION_COLUMNS} FROM conversations WHERE id = @id AND deleted_at IS NULL`,

  renameConversation: `
    UPDATE conversations SET title = @title
    WHERE id = @id AND deleted_at IS NULL
    RETURNING ${CONVERSATION_COLUMNS}`,

  /**
   * Change the fields whose `@set…` flag is 1, keep the rest. Flags rather than coalesce, because `null` is a real
   * value for the system prompt and the model ("use the default", "unknown"). Settings do not move `updated_at`:
   * pinning a conversation must not reorder the list by recency.
   */
  updateConversation: `
    UPDATE conversations SET
      title           = CASE WHEN @setTitle        THEN @title          ELSE title           END,
      pinned          = CASE WHEN @setPinned       THEN @pinned         ELSE pinned          END,
      archived        = CASE WHEN @setArchived     THEN @archived       ELSE archived        END,
      system_prompt   = CASE WHEN @setSystemPrompt THEN @systemPrompt   ELSE system_prompt   END,
      generation_json = CASE WHEN @setGeneration   THEN @generationJson ELSE generation_json END,
      model           = CASE WHEN @setModel        THEN @model          ELSE model           END,
      engine          = CASE WHEN @setEngine       THEN @engine         ELSE engine          END
    WHERE id = @id AND deleted_at IS NULL
    RETURNING ${CONVERSATION_COLUMNS}`,

  deleteConversation: `DELETE FROM conversations WHERE id = @id`,

  /** Mark a conversation deleted (undoable, see migration 006); a conversation already marked keeps its time. */
  markDeleted: `UPDATE conversations SET deleted_at = @now WHERE id = @id AND deleted_at IS NULL`,

  /** Take the mark off (undo); also matches a conversation that is not marked, so undoing twice is harmless. */
  restoreConversation: `
    UPDATE conversations SET deleted_at = NULL
    WHERE id = @id
    RETURNING ${CONVERSATION_COLUMNS}`,

  /** Conversations marked deleted, oldest mark first, from the partial index `conversations_deleted`. */
  listDeleted: `
    SELECT id, deleted_at AS deletedAt FROM conversations
    WHERE deleted_at IS NOT NULL
    ORDER BY deleted_at`,

  /**
   * Delete for good a conversation marked deleted at or before `@before` (its messages go by ON DELETE CASCADE, their
   * index entries by the triggers of migration 004). The guard makes a purge that comes after an undo a no-op.
   */
  purgeDeleted: `DELETE FROM conversations WHERE id = @id AND deleted_at IS NOT NULL AND deleted_at <= @before`,

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
   * CROSS JOIN fixes the join order: with statistics (`PRAGMA optimize`) the planner would otherwise scan every
   * message and probe the branch, which is fine on an empty file and hundreds of milliseconds on a large one.
   */
  listBranch: `
    WITH RECURSIVE branch (id, depth) AS (
      SELECT current_leaf_id, 0 FROM conversations WHERE id = @conversationId AND current_leaf_id IS NOT NULL
      UNION ALL
      SELECT m.parent_id, b.depth + 1 FROM branch AS b CROSS JOIN messages AS m ON m.id = b.id
      WHERE m.parent_id IS NOT NULL
    )
    SELECT ${M_MESSAGE_COLUMNS}
    FROM branch AS b CROSS JOIN messages AS m ON m.id = b.id
    ORDER BY b.depth DESC`,

  /**
   * Append streamed text. Guarded by status so a late delta cannot change a finished message, and by length so a
   * runaway reply stops at the limit (SQLite's `length` counts code points; for the BMP text a model writes that is
   * the same as JavaScript's UTF-16 length). Only the message row changes: no index entry (a streaming reply is not
   * yet in the search index) and not the conversation, so a batch costs one small page write.
   */
  appendToMessage: `
    UPDATE messages SET content = content || @delta
    WHERE id = @id AND status = 'streaming' AND length(content) + @deltaLength <= @maxLength`,

  finishMessage: `
    UPDATE messages SET status = @status, stats_json = @statsJson, error = @error, content = content || @tail
    WHERE id = @id AND status = 'streaming'
    RETURNING ${MESSAGE_COLUMNS}`,

  markStreamingAsInterrupted: `UPDATE messages SET status = 'interrupted' WHERE status = 'streaming'`,
} as const;
