import { M_MESSAGE_COLUMNS } from './conversation-sql';

/**
 * The statements of {@link MessageTree}. Siblings are the messages of one conversation with the same parent (roots
 * are siblings of each other: `parent_id IS NULL`); `messages_by_parent (conversation_id, parent_id, seq)` serves
 * every sibling and child lookup, so each costs the number of siblings or children, not the conversation size.
 * `IS` rather than `=` so that a NULL parent matches NULL; SQLite uses an index for `IS` too.
 */

/** A message's siblings (itself included) in the order they were written, by the `m` table alias. */
const SIBLINGS_OF_M = 's.conversation_id = m.conversation_id AND s.parent_id IS m.parent_id';

/**
 * The walk up from the current leaf, `@take` messages at most (the recursion stops there). CROSS JOIN pins the join
 * order (walk first, then look each message up by key); see `listBranch` in conversation-sql.ts for why.
 */
const branchFrom = (start: string) => `
  WITH RECURSIVE branch (id, depth) AS (
    ${start}
    UNION ALL
    SELECT m.parent_id, b.depth + 1 FROM branch AS b CROSS JOIN messages AS m ON m.id = b.id
    WHERE m.parent_id IS NOT NULL
    LIMIT @take
  )
  SELECT ${M_MESSAGE_COLUMNS}
  FROM branch AS b CROSS JOIN messages AS m ON m.id = b.id
  ORDER BY b.depth DESC`;

/** Every message under `@id` (itself included) by walking children, with its conversation for the index. */
const SUBTREE = `
  WITH RECURSIVE subtree (id, conversation_id, seq) AS (
    SELECT id, conversation_id, seq FROM messages WHERE id = @id
    UNION ALL
    SELECT c.id, c.conversation_id, c.seq FROM subtree AS t
    CROSS JOIN messages AS c ON c.conversation_id = t.conversation_id AND c.parent_id = t.id
  )`;

export const messageTreeSql = {
  listSiblings: `
    SELECT ${M_MESSAGE_COLUMNS.replaceAll('m.', 's.')}
    FROM messages AS m CROSS JOIN messages AS s ON ${SIBLINGS_OF_M}
    WHERE m.id = @id
    ORDER BY s.seq`,

  branchPosition: `
    SELECT
      m.id AS messageId,
      (SELECT count(*) FROM messages AS s WHERE ${SIBLINGS_OF_M} AND s.seq < m.seq) AS "index",
      (SELECT count(*) FROM messages AS s WHERE ${SIBLINGS_OF_M}) AS count,
      (SELECT s.id FROM messages AS s WHERE ${SIBLINGS_OF_M} AND s.seq < m.seq ORDER BY s.seq DESC LIMIT 1) AS previousId,
      (SELECT s.id FROM messages AS s WHERE ${SIBLINGS_OF_M} AND s.seq > m.seq ORDER BY s.seq LIMIT 1) AS nextId
    FROM messages AS m WHERE m.id = @id`,

  /** The newest `@take` messages of the current branch, oldest first. */
  pageFromLeaf: branchFrom(
    'SELECT current_leaf_id, 0 FROM conversations WHERE id = @conversationId AND current_leaf_id IS NOT NULL',
  ),

  /** The `@take` messages before the one numbered `@beforeSeq` on the branch, oldest first. */
  pageBefore: branchFrom(
    'SELECT parent_id, 0 FROM messages WHERE conversation_id = @conversationId AND seq = @beforeSeq AND parent_id IS NOT NULL',
  ),

  /**
   * The current branch from its leaf up to the message numbered `@afterSeq`, newest first, ids only: the walk stops
   * at the first message numbered `@afterSeq` or lower (a parent's seq is always below its child's), which is the
   * last row. It reads only the messages after the cursor, never the rest of the branch.
   */
  walkFromLeafTo: `
    WITH RECURSIVE branch (id, parent_id, seq) AS (
      SELECT m.id, m.parent_id, m.seq FROM conversations AS c CROSS JOIN messages AS m ON m.id = c.current_leaf_id
      WHERE c.id = @conversationId
      UNION ALL
      SELECT p.id, p.parent_id, p.seq FROM branch AS b CROSS JOIN messages AS p ON p.id = b.parent_id
      WHERE b.seq > @afterSeq
    )
    SELECT id, seq FROM branch`,

  /** The messages with the given ids (a JSON array), oldest first. */
  messagesByIds: `
    SELECT ${M_MESSAGE_COLUMNS}
    FROM json_each(@ids) AS j CROSS JOIN messages AS m ON m.id = j.value
    ORDER BY m.seq`,

  /**
   * The latest leaf under `@id`: the highest `seq` in its subtree. A child is always written after its parent
   * (higher `seq`), so the highest is a leaf, at the end of the branch the user touched last under that message.
   */
  latestLeafUnder: `${SUBTREE} SELECT id FROM subtree ORDER BY seq DESC LIMIT 1`,

  /** 1 when `@leafId` is in the subtree of `@id`. */
  subtreeContains: `${SUBTREE} SELECT 1 FROM subtree WHERE id = @leafId`,

  /**
   * Delete `@id` and everything under it in one statement. The parent key is checked at the end of the statement,
   * when no child is left without its parent; the walk is a recursive query, not a cascade of triggers, so a chain
   * thousands deep is fine.
   */
  deleteSubtree: `${SUBTREE} DELETE FROM messages WHERE id IN (SELECT id FROM subtree)`,

  /** The most recently written message of a conversation (a leaf, see `latestLeafUnder`). */
  latestMessage: `SELECT id FROM messages WHERE conversation_id = @conversationId ORDER BY seq DESC LIMIT 1`,

  getCurrentLeaf: `SELECT current_leaf_id FROM conversations WHERE id = @conversationId`,

  setCurrentLeaf: `UPDATE conversations SET current_leaf_id = @leafId WHERE id = @conversationId`,

  getMessageRef: `SELECT id, conversation_id, parent_id, seq FROM messages WHERE id = @id`,

  /**
   * 1 when `@id` (numbered `@seq`) is on its conversation's current branch. The walk up from the leaf stops once it
   * is below `@seq` (a parent's seq is always below its child's), so it reads no more of the branch than needed.
   */
  onCurrentBranch: `
    WITH RECURSIVE branch (id, parent_id, seq) AS (
      SELECT m.id, m.parent_id, m.seq FROM conversations AS c CROSS JOIN messages AS m ON m.id = c.current_leaf_id
      WHERE c.id = @conversationId
      UNION ALL
      SELECT p.id, p.parent_id, p.seq FROM branch AS b CROSS JOIN messages AS p ON p.id = b.parent_id
      WHERE b.seq > @seq
    )
    SELECT 1 FROM branch WHERE id = @id`,
} as const;
