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
   * history.
   *
   * The snippet is made here, for every candidate (about 5 ms for 250), though only a page of them is shown. Making
   * it afterwards for the page alone costs more: one query per hit (`MATCH … AND rowid = ?`) is out, since SQLite
   * 3.53.2's FTS5 ignores an equality with a bound rowid next to MATCH and returns every match (the migration 005
   * test pins this; the old per-hit query got the first match's snippet for every hit), and one query over the page's
   * rowid span is slow: FTS5 reaches a lower rowid bound in a descending walk by reading through the posting list,
   * tens of milliseconds for a common word. (The same holds for `@lowRowid` below: a conversation or date range
   * that starts far from the oldest messages pays that read once per search.)
   *
   * `@lowRowid`/`@highRowid` bound the walk (FTS5 takes a rowid range natively): the span of the conversation's
   * messages (`conversationRowids`) and of the date range's (`dateRowids`), so the walk skips the matches outside
   * them instead of filtering them one by one. The filters themselves still decide.
   *
   * Messages of a conversation marked deleted (migration 006) are filtered on the conversation row the join reads
   * anyway; they stay in the index until the purge, so an undo needs no re-indexing.
   */
  searchMessages: `
    SELECT
      messages_search.rowid AS rowid,
      m.id AS messageId,
      m.conversation_id AS conversationId,
      c.title AS conversationTitle,
      m.role AS role,
      m.created_at AS createdAt,
      m.content AS content,
      snippet(messages_search, 0, char(2), char(3), '…', @snippetTokens) AS snippet
    FROM messages_search
    CROSS JOIN messages AS m ON m.rowid = messages_search.rowid
    CROSS JOIN conversations AS c ON c.id = m.conversation_id
    WHERE messages_search MATCH @match
      AND messages_search.rowid BETWEEN @lowRowid AND @highRowid
      AND c.deleted_at IS NULL
      AND (@conversationId IS NULL OR m.conversation_id = @conversationId)
      AND (@from IS NULL OR m.created_at >= @from)
      AND (@to IS NULL OR m.created_at < @to)
    ORDER BY messages_search.rowid DESC
    LIMIT @candidates`,

  /** The rowid range of a conversation's messages, from the (conversation_id, id) index alone. */
  conversationRowids: `
    SELECT min(rowid) AS low, max(rowid) AS high FROM messages WHERE conversation_id = @conversationId`,

  /**
   * The rowid span of the messages written in [`@fromAt`, `@toAt`), read from `messages_by_created_at` alone
   * (migration 005), stopping after `@scanCap` messages: `count` equal to the cap means the range is too wide to
   * be worth bounding (the walk then filters by date as it goes).
   */
  dateRowids: `
    SELECT min(rowid) AS low, max(rowid) AS high, count(*) AS count FROM (
      SELECT rowid FROM messages WHERE created_at >= @fromAt AND created_at < @toAt LIMIT @scanCap)`,

  /**
   * Up to `@cap` index terms in [`@low`, `@high`): those starting with a word, from the `fts5vocab` table of
   * migration 005. It reads each listed term's posting list once (to count its rows), still a few times cheaper
   * than the merge an FTS5 prefix query does.
   */
  prefixTerms: `
    SELECT term FROM messages_search_terms WHERE term >= @low AND term < @high LIMIT @cap`,

  searchConversations: `
    SELECT
      c.id AS conversationId,
      highlight(conversations_search, 0, char(2), char(3)) AS title,
      c.updated_at AS updatedAt,
      c.archived AS archived
    FROM conversations_search
    CROSS JOIN conversations AS c ON c.rowid = conversations_search.rowid
    WHERE conversations_search MATCH @match
      AND c.deleted_at IS NULL
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
