import type { Migration } from './migration';
import { FILL_SHARE, fillMessageIndex, mergeMessageIndex } from './message-index-fill';

/**
 * What the message search needs to stay fast on a large history (a million messages).
 *
 * - `messages_by_created_at`: the date filter. Search walks the FTS5 matches newest first (see search-sql.ts); a
 *   date range that excludes the newest messages made that walk pass every newer match before reaching the range,
 *   a second or more for a common word. With the index the search first reads the range's messages from the index
 *   alone (capped, see `DATE_RANGE_SCAN_CAP` in message-search.ts) to find their rowid span, and hands that span to
 *   FTS5, which seeks to it. `created_at` is never updated, so the index costs one entry per message written and
 *   nothing per streamed batch.
 * - `messages_search` is rebuilt with prefix indexes for 2 to 8 characters (004 had 2 and 3). FTS5 answers a prefix
 *   query without a prefix index of its length by merging the whole posting lists of every term with that prefix
 *   before returning one row, and does it again for every snippet: tens of milliseconds for a common word in a
 *   million messages. With an index for the length, the prefix is one lazily read list, like a word. It costs
 *   about 360 bytes per message of index (roughly +30 % file size) and a rebuild here, once, merged into one segment
 *   (`optimize`: FTS5 seeks to a rowid bound far faster in one segment than in the dozen a rebuild leaves); a few
 *   minutes for a million messages, seconds for a usual history. Triggers and the content view of 004 are unchanged: they refer
 *   to the table by name.
 * - `messages_search_terms`: an `fts5vocab` view of the message index's terms (it stores nothing). A typed word longer
 *   than the prefix indexes is matched as the OR of the terms it starts, listed here (see `buildMatchExpression`
 *   in search-query.ts).
 */
export const migration005SearchSpeed: Migration = {
  version: 5,
  name: 'search-speed',
  up(db, progress) {
    db.exec(`
      CREATE INDEX messages_by_created_at ON messages (created_at);

      DROP TABLE messages_search;
      CREATE VIRTUAL TABLE messages_search USING fts5 (
        content,
        content = 'messages_searchable',
        content_rowid = 'rowid',
        tokenize = 'unicode61 remove_diacritics 2',
        prefix = '2 3 4 5 6 7 8'
      );

      CREATE VIRTUAL TABLE messages_search_terms USING fts5vocab (messages_search, row);
    `);
    // What 'rebuild' and then 'optimize' did, in steps.
    fillMessageIndex(db, progress, [0, FILL_SHARE]);
    mergeMessageIndex(db, progress, [FILL_SHARE, 1]);
  },
};
