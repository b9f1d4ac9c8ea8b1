import { describe, expect, it } from 'vitest';
import type { Database } from 'better-sqlite3';
import { MIGRATIONS, runMigrations } from '../../../../src-main/node/store/migrations';
import { databaseAt, fillVersion1, version1Rows } from './migration-fixtures';
import { queryPlan } from './temp-store';

const matches = (db: Database, table: 'messages_search' | 'conversations_search', query: string) =>
  db.prepare(`SELECT rowid FROM ${table} WHERE ${table} MATCH ? ORDER BY rowid`).pluck().all(query) as number[];

const rowidOf = (db: Database, id: string) => db.prepare('SELECT rowid FROM messages WHERE id = ?').pluck().get(id) as number;

describe('migration 004: full-text search', () => {
  it('indexes existing finished messages and titles, not a reply still streaming, and keeps every row', () => {
    const db = databaseAt(1);
    fillVersion1(db);
    runMigrations(db, MIGRATIONS.slice(0, 3));
    const before = version1Rows(db);

    runMigrations(db, MIGRATIONS.slice(0, 4));

    expect(version1Rows(db)).toEqual(before);
    expect(matches(db, 'messages_search', 'pasteis')).toEqual([rowidOf(db, 'q'), rowidOf(db, 'a2')]);
    expect(matches(db, 'messages_search', 'abou')).toEqual([]); // the streaming reply
    expect(matches(db, 'conversations_search', 'lisbon')).toHaveLength(1);
    db.prepare("INSERT INTO messages_search (messages_search, rank) VALUES ('integrity-check', 1)").run();
  });

  it('folds case and diacritics, including the letters remove_diacritics 1 missed', () => {
    const db = databaseAt(4);
    // Ǖ is U with two marks (diaeresis and macron): only remove_diacritics 2 folds it to "u".
    db.prepare("INSERT INTO conversations (id, title, created_at, updated_at) VALUES ('c', 'CRÈME brûlée at Ǖber', 0, 0)").run();
    expect(matches(db, 'conversations_search', 'creme AND BRULEE')).toHaveLength(1);
    expect(matches(db, 'conversations_search', 'uber')).toHaveLength(1);
  });

  it('keeps the index in step through the triggers, and leaves streaming appends alone until the reply ends', () => {
    const db = databaseAt(4);
    db.prepare("INSERT INTO conversations (id, title, created_at, updated_at) VALUES ('c', 't', 0, 0)").run();
    const insert = db.prepare(
      "INSERT INTO messages (id, conversation_id, parent_id, seq, role, content, status, created_at) VALUES (?, 'c', NULL, ?, 'assistant', ?, ?, 0)",
    );
    insert.run('done', 1, 'alpha beta', 'complete');
    insert.run('live', 2, 'gamma', 'streaming');
    const changesBefore = db.prepare('SELECT total_changes()').pluck();
    const indexRows = () => db.prepare('SELECT count(*) FROM messages_search_data').pluck().get() as number;

    const rowsBeforeAppends = indexRows();
    for (let i = 0; i < 20; i++) db.prepare("UPDATE messages SET content = content || ' delta' WHERE id = 'live'").run();
    expect(indexRows()).toBe(rowsBeforeAppends); // streaming appends write nothing to the index
    expect(matches(db, 'messages_search', 'gamma')).toEqual([]);
    expect(changesBefore.get()).toBeGreaterThan(0);

    db.prepare("UPDATE messages SET status = 'interrupted' WHERE id = 'live'").run();
    expect(matches(db, 'messages_search', 'gamma AND delta')).toEqual([rowidOf(db, 'live')]);

    db.prepare("UPDATE messages SET content = 'omega' WHERE id = 'done'").run();
    expect(matches(db, 'messages_search', 'alpha')).toEqual([]);
    expect(matches(db, 'messages_search', 'omega')).toEqual([rowidOf(db, 'done')]);

    db.prepare("DELETE FROM messages WHERE id = 'done'").run();
    expect(matches(db, 'messages_search', 'omega')).toEqual([]);
    db.prepare("UPDATE conversations SET title = 'renamed' WHERE id = 'c'").run();
    expect(matches(db, 'conversations_search', 'renamed')).toHaveLength(1);
    db.prepare("DELETE FROM conversations WHERE id = 'c'").run(); // cascades to the messages: their delete triggers run
    expect(matches(db, 'messages_search', 'gamma')).toEqual([]);
    expect(matches(db, 'conversations_search', 'renamed')).toEqual([]);
    db.prepare("INSERT INTO messages_search (messages_search, rank) VALUES ('integrity-check', 1)").run();
    db.prepare("INSERT INTO conversations_search (conversations_search, rank) VALUES ('integrity-check', 1)").run();
  });

  it('answers a ranked search from the index, joined to messages by rowid, without a sort', () => {
    const plan = queryPlan(
      databaseAt(4),
      `SELECT m.id FROM messages_search JOIN messages AS m ON m.rowid = messages_search.rowid
       WHERE messages_search MATCH @q ORDER BY messages_search.rank LIMIT 10`,
    ).join('\n');
    expect(plan).toMatch(/SCAN messages_search VIRTUAL TABLE INDEX/);
    expect(plan).toMatch(/SEARCH m USING INTEGER PRIMARY KEY \(rowid=\?\)/);
    expect(plan).not.toContain('TEMP B-TREE');
  });
});
