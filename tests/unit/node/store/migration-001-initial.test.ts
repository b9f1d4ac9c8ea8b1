import { describe, expect, it } from 'vitest';
import type { Database } from 'better-sqlite3';
import { MIGRATIONS } from '../../../../src-main/node/store/migrations';
import { openDatabase } from '../../../../src-main/node/store/open-database';
import { onCleanup, queryPlan, tempDbPath } from './temp-store';

/**
 * Migration 001 as it shipped: the queries here are frozen with the migration (like the migration itself), so this
 * test keeps checking version 1 whatever later migrations and the store's own SQL become.
 */
function databaseAtVersion1(): Database {
  const db = openDatabase(tempDbPath(), { migrations: MIGRATIONS.slice(0, 1) });
  onCleanup(() => db.close());
  return db;
}

function insertConversation(db: Database, id: string, updatedAt = 0): void {
  db.prepare('INSERT INTO conversations (id, title, created_at, updated_at) VALUES (?, ?, ?, ?)').run(id, id, 0, updatedAt);
}

function insertMessage(db: Database, id: string, conversationId: string, parentId: string | null, seq: number): void {
  db.prepare(
    `INSERT INTO messages (id, conversation_id, parent_id, seq, role, content, status, created_at)
     VALUES (?, ?, ?, ?, 'user', 'text', 'complete', 0)`,
  ).run(id, conversationId, parentId, seq);
}

function expectIndexUse(plan: string[], index: string): void {
  expect(plan.join('\n')).toMatch(new RegExp(`USING (COVERING )?INDEX ${index}\\b`));
}

describe('migration 001: conversations and a message tree', () => {
  it('creates the tables and indexes', () => {
    const db = databaseAtVersion1();
    const names = db.prepare("SELECT type || ' ' || name FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY 1").pluck().all();
    expect(names).toEqual([
      'index conversations_by_recency',
      'index messages_by_conversation_id',
      'index messages_by_conversation_seq',
      'index messages_by_parent',
      'index messages_streaming',
      'table conversations',
      'table messages',
    ]);
  });

  describe('the key queries use an index', () => {
    it('lists conversations by recency without sorting', () => {
      const plan = queryPlan(databaseAtVersion1(), 'SELECT * FROM conversations ORDER BY updated_at DESC, created_at DESC, id DESC');
      expectIndexUse(plan, 'conversations_by_recency');
      expect(plan.join('\n')).not.toContain('TEMP B-TREE');
    });

    it('reads the next seq of a conversation from the index alone', () => {
      const plan = queryPlan(databaseAtVersion1(), 'SELECT max(seq) FROM messages WHERE conversation_id = @c');
      expectIndexUse(plan, 'messages_by_conversation_seq');
    });

    it('checks that a parent is in the same conversation from the index alone', () => {
      const plan = queryPlan(databaseAtVersion1(), 'SELECT 1 FROM messages WHERE conversation_id = @c AND id = @id');
      expectIndexUse(plan, 'messages_by_conversation_id');
    });

    it('lists the children of a message in write order without sorting', () => {
      const plan = queryPlan(
        databaseAtVersion1(),
        'SELECT id FROM messages WHERE conversation_id = @c AND parent_id = @p ORDER BY seq',
      );
      expectIndexUse(plan, 'messages_by_parent');
      expect(plan.join('\n')).not.toContain('TEMP B-TREE');
    });

    it('finds replies left streaming through the partial index', () => {
      const plan = queryPlan(databaseAtVersion1(), "SELECT id FROM messages WHERE status = 'streaming'");
      expectIndexUse(plan, 'messages_streaming');
    });

    it('deletes a conversation and a message with index lookups for every foreign key', () => {
      const db = databaseAtVersion1();
      const conversationDelete = queryPlan(db, 'DELETE FROM conversations WHERE id = @id');
      expect(conversationDelete.join('\n')).toMatch(/SEARCH messages USING (COVERING )?INDEX/);
      const messageDelete = queryPlan(db, 'DELETE FROM messages WHERE id = @id');
      expectIndexUse(messageDelete, 'messages_by_parent');
      // The current-leaf key is looked up through the conversations primary key, never a scan.
      expect(messageDelete.join('\n')).toMatch(/SEARCH conversations USING (INDEX|PRIMARY KEY)/);
      expect([...conversationDelete, ...messageDelete].join('\n')).not.toMatch(/SCAN (messages|conversations)/);
    });
  });

  describe('the schema keeps the tree consistent', () => {
    it('rejects a parent from another conversation', () => {
      const db = databaseAtVersion1();
      insertConversation(db, 'a');
      insertConversation(db, 'b');
      insertMessage(db, 'a1', 'a', null, 1);

      expect(() => insertMessage(db, 'b1', 'b', 'a1', 1)).toThrow(/FOREIGN KEY/);
      insertMessage(db, 'a2', 'a', 'a1', 2);
    });

    it('rejects two messages with the same seq in one conversation', () => {
      const db = databaseAtVersion1();
      insertConversation(db, 'a');
      insertMessage(db, 'a1', 'a', null, 1);
      expect(() => insertMessage(db, 'a2', 'a', 'a1', 1)).toThrow(/UNIQUE/);
    });

    it('rejects a current leaf from another conversation when the transaction commits', () => {
      const db = databaseAtVersion1();
      insertConversation(db, 'a');
      insertConversation(db, 'b');
      insertMessage(db, 'b1', 'b', null, 1);

      expect(() => db.prepare("UPDATE conversations SET current_leaf_id = 'b1' WHERE id = 'a'").run()).toThrow(/FOREIGN KEY/);
      db.prepare("UPDATE conversations SET current_leaf_id = 'b1' WHERE id = 'b'").run();
    });

    it('lets a transaction move the current leaf and delete the old one in either order', () => {
      const db = databaseAtVersion1();
      insertConversation(db, 'a');
      insertMessage(db, 'root', 'a', null, 1);
      insertMessage(db, 'old', 'a', 'root', 2);
      insertMessage(db, 'new', 'a', 'root', 3);
      db.prepare("UPDATE conversations SET current_leaf_id = 'old' WHERE id = 'a'").run();

      db.transaction(() => {
        db.prepare("DELETE FROM messages WHERE id = 'old'").run();
        db.prepare("UPDATE conversations SET current_leaf_id = 'new' WHERE id = 'a'").run();
      })();
      expect(() => db.prepare("DELETE FROM messages WHERE id = 'new'").run()).toThrow(/FOREIGN KEY/);
    });

    it('refuses to delete a message that still has replies', () => {
      const db = databaseAtVersion1();
      insertConversation(db, 'a');
      insertMessage(db, 'root', 'a', null, 1);
      insertMessage(db, 'reply', 'a', 'root', 2);
      expect(() => db.prepare("DELETE FROM messages WHERE id = 'root'").run()).toThrow(/FOREIGN KEY/);
    });

    it('deletes a conversation with all its messages, even a reply chain deeper than the trigger limit', () => {
      const db = databaseAtVersion1();
      insertConversation(db, 'deep');
      insertConversation(db, 'other');
      insertMessage(db, 'other-1', 'other', null, 1);
      const depth = 2500; // SQLite stops recursive triggers at 1000 levels; a cascading parent key would fail here.
      db.transaction(() => {
        for (let seq = 1; seq <= depth; seq++) insertMessage(db, `m${seq}`, 'deep', seq === 1 ? null : `m${seq - 1}`, seq);
        db.prepare(`UPDATE conversations SET current_leaf_id = 'm${depth}' WHERE id = 'deep'`).run();
      })();

      db.prepare("DELETE FROM conversations WHERE id = 'deep'").run();

      expect(db.prepare('SELECT conversation_id, count(*) AS n FROM messages GROUP BY 1').all()).toEqual([
        { conversation_id: 'other', n: 1 },
      ]);
    });

    it('stores only valid JSON as reply stats', () => {
      const db = databaseAtVersion1();
      insertConversation(db, 'a');
      insertMessage(db, 'a1', 'a', null, 1);
      expect(() => db.prepare("UPDATE messages SET stats_json = '{not json' WHERE id = 'a1'").run()).toThrow(/CHECK/);
      db.prepare(`UPDATE messages SET stats_json = '{"generatedTokens":3}' WHERE id = 'a1'`).run();
    });

    it('is STRICT: a value of the wrong type is an error, not silently stored', () => {
      const db = databaseAtVersion1();
      expect(() =>
        db.prepare("INSERT INTO conversations (id, title, created_at, updated_at) VALUES ('x', 't', 'yesterday', 0)").run(),
      ).toThrow(/cannot store TEXT value in INTEGER column/);
    });
  });
});
