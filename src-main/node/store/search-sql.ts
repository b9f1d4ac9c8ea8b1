/**
 * The statements of {@link MessageSearch}. Each search starts from the FTS5 table (it drives the join and
 * consumes the ORDER BY, so there is no sort of its own), joins the real rows by rowid, and applies the filters.
 * Title search uses FTS5's `rank` (bm25): titles are short and the title index small. Highlights are marked with char(2) and char(3) (see search-query.ts). CROSS JOIN pins that
 * order whatever the planner's statistics say.
 */
export const searchSql = {
  /**
   * The newest `@candidates` messages that match and pass the filters, newest first, with their text for ranking
   * (search-ranking.ts ranks them; FTS5's bm25() would walk each term's whole posting list on every query). FTS5
   * walks the matches by descending rowid natively and stops at the cap, so the cost is bounded by the cap, not the
   * history. Snippets are made afterwards, for the page of hits only (`messageSnippet`).
   *
   * `@lowRowid`/`@highRowid` bound the walk (FTS5 seeks to a rowid range natively): for a search within one
   * conversation they are its first and last message (`conversationRowids`), so the walk skips the matches of the
   * rest of the history instead of filtering them one by one.
   */
  searchMessages: `
    SELECT
      messages_search.rowid AS rowid,
      m.id AS messageId,
      m.conversation_id AS conversationId,
      c.title AS conversationTitle,
      m.role AS role,
      m.created_at AS createdAt,
      m.content AS content
    FROM messages_search
    CROSS JOIN messages AS m ON m.rowid = messages_search.rowid
    CROSS JOIN conversations AS c ON c.id = m.conversation_id
    WHERE messages_search MATCH @match
      AND messages_search.rowid BETWEEN @lowRowid AND @highRowid
      AND (@conversationId IS NULL OR m.conversation_id = @conversationId)
      AND (@from IS NULL OR m.created_at >= @from)
      AND (@to IS NULL OR m.created_at < @to)
    ORDER BY messages_search.rowid DESC
    LIMIT @candidates`,

  /** The rowid range of a conversation's messages, from the (conversation_id, id) index alone. */
  conversationRowids: `
    SELECT min(rowid) AS low, max(rowid) AS high FROM messages WHERE conversation_id = @conversationId`,

  /** The highlighted excerpt of one hit: FTS5 seeks straight to the rowid within the match. */
  messageSnippet: `
    SELECT snippet(messages_search, 0, char(2), char(3), '…', @snippetTokens)
    FROM messages_search WHERE messages_search MATCH @match AND rowid = @rowid`,

  searchConversations: `
    SELECT
      c.id AS conversationId,
      highlight(conversations_search, 0, char(2), char(3)) AS title,
      c.updated_at AS updatedAt,
      c.archived AS archived
    FROM conversations_search
    CROSS JOIN conversations AS c ON c.rowid = conversations_search.rowid
    WHERE conversations_search MATCH @match
      AND (@conversationId IS NULL OR c.id = @conversationId)
      AND (@from IS NULL OR c.updated_at >= @from)
      AND (@to IS NULL OR c.updated_at < @to)
    ORDER BY conversations_search.rank
    LIMIT @limit OFFSET @offset`,

  rebuildMessages: `INSERT INTO messages_search (messages_search) VALUES ('rebuild')`,
  rebuildConversations: `INSERT INTO conversations_search (conversations_search) VALUES ('rebuild')`,
  checkMessages: `INSERT INTO messages_search (messages_search, rank) VALUES ('integrity-check', 1)`,
  checkConversations: `INSERT INTO conversations_search (conversations_search, rank) VALUES ('integrity-check', 1)`,
  optimizeMessages: `INSERT INTO messages_search (messages_search) VALUES ('optimize')`,
  optimizeConversations: `INSERT INTO conversations_search (conversations_search) VALUES ('optimize')`,
} as const;
