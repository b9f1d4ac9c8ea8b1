import type { Database } from 'better-sqlite3';
import { MIGRATIONS } from '../../../../src-main/node/store/migrations';
import { closeDatabase, openDatabase } from '../../../../src-main/node/store/open-database';
import { onCleanup, tempDbPath } from './temp-store';

/**
 * Databases frozen at an older schema version, filled with rows written the way that version wrote them, for the
 * "migrates from each earlier version with data kept" tests. The SQL here is frozen with each version, like the
 * migrations themselves.
 */

/** A new database at schema `version` (no backup, no later migrations). */
export function databaseAt(version: number, file = tempDbPath()): Database {
  const db = openDatabase(file, { migrations: MIGRATIONS.slice(0, version), backupBeforeMigration: false });
  onCleanup(() => closeDatabase(db));
  return db;
}

/**
 * Version-1 rows: conversation `c1` ("Trip to Lisbon") with a question, two alternative answers (the second current)
 * and a reply still streaming under it; conversation `c2` empty.
 */
export function fillVersion1(db: Database): void {
  const conversation = db.prepare('INSERT INTO conversations (id, title, created_at, updated_at) VALUES (?, ?, ?, ?)');
  const message = db.prepare(
    `INSERT INTO messages (id, conversation_id, parent_id, seq, role, content, status, created_at)
     VALUES (?, 'c1', ?, ?, ?, ?, ?, ?)`,
  );
  db.transaction(() => {
    conversation.run('c1', 'Trip to Lisbon', 1, 10);
    conversation.run('c2', 'Empty one', 2, 2);
    message.run('q', null, 1, 'user', 'Where should I eat pastéis de nata?', 'complete', 3);
    message.run('a1', 'q', 2, 'assistant', 'Try Manteigaria in Chiado.', 'complete', 4);
    message.run('a2', 'q', 3, 'assistant', 'Pastéis de Belém is the classic café.', 'complete', 5);
    message.run('s', 'a2', 4, 'assistant', 'Half a sentence abou', 'streaming', 6);
    db.prepare("UPDATE conversations SET current_leaf_id = 's' WHERE id = 'c1'").run();
  })();
}

/** The rows of version 1's tables, for "nothing was lost" comparisons. */
export function version1Rows(db: Database): unknown {
  return {
    conversations: db.prepare('SELECT id, title, created_at, updated_at, current_leaf_id FROM conversations ORDER BY id').all(),
    messages: db.prepare('SELECT * FROM messages ORDER BY id').all(),
  };
}
