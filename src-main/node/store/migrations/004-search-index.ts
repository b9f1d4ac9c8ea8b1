import type { Migration } from './migration';
import { fillMessageIndex } from './message-index-fill';

/**
 * Full-text search over message text (every branch, every conversation) and conversation titles, with FTS5.
 *
 * Both indexes are *external content* tables: they hold only the index, and read the text back from the real rows
 * (for `snippet()` and `highlight()`), so no text is stored twice. They are keyed by the rowid of `messages` and
 * `conversations` (implicit rowids: both tables have TEXT primary keys). SQLite keeps implicit rowids through our
 * backups (`VACUUM INTO` and the online backup API copy rows with their rowids; a test checks it) and we never
 * rewrite rows with `REPLACE`, so the keys stay valid.
 *
 * Streaming replies are not indexed while they grow. The message index reads its content through the view
 * `messages_searchable`, which hides `streaming` rows, and the triggers skip them: an append to a streaming reply
 * (many per second) touches no index at all, and the reply is indexed once, when its status leaves `streaming`
 * (finished, stopped, failed, or marked interrupted at start). Using the view as the content table also makes
 * FTS5's own `rebuild` and `integrity-check` agree with the triggers about which rows belong in the index.
 *
 * Tokenizer `unicode61 remove_diacritics 2`: case-folded, diacritics removed (so "cafe" finds "Café"), including
 * the letters `remove_diacritics 1` missed. `prefix='2 3'` adds prefix indexes so the prefix queries the search box
 * sends ("con*") read one short list instead of merging every term that starts with the letters.
 *
 * Message updates go through one trigger that first removes the old entry and then adds the new one: two triggers
 * on the same event would fire in an unspecified order, and FTS5's 'delete' must see the old text first.
 *
 * The messages already there are indexed in batches with progress (`fillMessageIndex`: the same index as FTS5's
 * `'rebuild'`, which said nothing for minutes over a big history); the titles, far fewer, with `'rebuild'`.
 */
export const migration004SearchIndex: Migration = {
  version: 4,
  name: 'search-index',
  up(db, progress) {
    db.exec(`
      CREATE VIEW messages_searchable (rowid, content) AS
        SELECT rowid, content FROM messages WHERE status <> 'streaming';

      CREATE VIRTUAL TABLE messages_search USING fts5 (
        content,
        content = 'messages_searchable',
        content_rowid = 'rowid',
        tokenize = 'unicode61 remove_diacritics 2',
        prefix = '2 3'
      );

      CREATE TRIGGER messages_search_insert AFTER INSERT ON messages
      WHEN new.status <> 'streaming' BEGIN
        INSERT INTO messages_search (rowid, content) VALUES (new.rowid, new.content);
      END;

      CREATE TRIGGER messages_search_update AFTER UPDATE OF content, status ON messages
      WHEN old.status <> 'streaming' OR new.status <> 'streaming' BEGIN
        INSERT INTO messages_search (messages_search, rowid, content)
          SELECT 'delete', old.rowid, old.content WHERE old.status <> 'streaming';
        INSERT INTO messages_search (rowid, content)
          SELECT new.rowid, new.content WHERE new.status <> 'streaming';
      END;

      CREATE TRIGGER messages_search_delete AFTER DELETE ON messages
      WHEN old.status <> 'streaming' BEGIN
        INSERT INTO messages_search (messages_search, rowid, content) VALUES ('delete', old.rowid, old.content);
      END;

      CREATE VIRTUAL TABLE conversations_search USING fts5 (
        title,
        content = 'conversations',
        content_rowid = 'rowid',
        tokenize = 'unicode61 remove_diacritics 2',
        prefix = '2 3'
      );

      CREATE TRIGGER conversations_search_insert AFTER INSERT ON conversations BEGIN
        INSERT INTO conversations_search (rowid, title) VALUES (new.rowid, new.title);
      END;

      CREATE TRIGGER conversations_search_update AFTER UPDATE OF title ON conversations BEGIN
        INSERT INTO conversations_search (conversations_search, rowid, title) VALUES ('delete', old.rowid, old.title);
        INSERT INTO conversations_search (rowid, title) VALUES (new.rowid, new.title);
      END;

      CREATE TRIGGER conversations_search_delete AFTER DELETE ON conversations BEGIN
        INSERT INTO conversations_search (conversations_search, rowid, title) VALUES ('delete', old.rowid, old.title);
      END;

      -- Index the titles already there (the messages follow, in batches).
      INSERT INTO conversations_search (conversations_search) VALUES ('rebuild');
    `);
    // Index every finished message already there.
    fillMessageIndex(db, progress);
  },
};
