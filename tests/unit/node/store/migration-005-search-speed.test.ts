import { describe, expect, it } from 'vitest';
import type { Database } from 'better-sqlite3';
import { MIGRATIONS, runMigrations } from '../../../../src-main/node/store/migrations';
import { closeDatabase, openDatabase } from '../../../../src-main/node/store/open-database';
import { searchSql } from '../../../../src-main/node/store/search-sql';
import { databaseAt, fillVersion1, version1Rows } from './migration-fixtures';
import { analyzedDatabase, onCleanup, queryPlan } from './temp-store';

const matches = (db: Database, query: string) =>
  db.prepare('SELECT rowid FROM messages_search WHERE messages_search MATCH ? ORDER BY rowid').pluck().all(query) as number[];

const rowidOf = (db: Database, id: string) => db.prepare('SELECT rowid FROM messages WHERE id = ?').pluck().get(id) as number;

/** The prefix lengths FTS5 keeps an index for, read back from the table's own config. */
const prefixIndexes = (db: Database) =>
  db.prepare("SELECT sql FROM sqlite_schema WHERE name = 'messages_search'").pluck().get() as string;

describe('migration 005: search speed', () => {
  it('rebuilds the message index with prefix indexes up to 8 characters, keeping every row and the streaming rule', () => {
    const db = databaseAt(1);
    fillVersion1(db);
    runMigrations(db, MIGRATIONS.slice(0, 4));
    const before = version1Rows(db);
    const hitsBefore = matches(db, 'pasteis');

    runMigrations(db, MIGRATIONS.slice(0, 5));

    expect(version1Rows(db)).toEqual(before);
    expect(prefixIndexes(db)).toMatch(/prefix = '2 3 4 5 6 7 8'/);
    expect(matches(db, 'pasteis')).toEqual(hitsBefore);
    expect(matches(db, '"manteig"*')).toEqual([rowidOf(db, 'a1')]);
    expect(matches(db, '"abou"*')).toEqual([]); // the streaming reply stays out
    db.prepare("INSERT INTO messages_search (messages_search, rank) VALUES ('integrity-check', 1)").run();

    // The 004 triggers keep the rebuilt index in step, and the vocabulary table sees its terms.
    db.prepare("UPDATE messages SET status = 'interrupted' WHERE id = 's'").run();
    expect(matches(db, '"abou"*')).toEqual([rowidOf(db, 's')]);
    const terms = db.prepare("SELECT term FROM messages_search_terms WHERE term >= 'mant' AND term < 'manu'").pluck().all();
    expect(terms).toEqual(['manteigaria']);
    db.prepare("INSERT INTO messages_search (messages_search, rank) VALUES ('integrity-check', 1)").run();
  });

  it('creates the same schema on an empty database', () => {
    const db = databaseAt(5);
    expect(prefixIndexes(db)).toMatch(/prefix = '2 3 4 5 6 7 8'/);
    expect(db.prepare("SELECT name FROM sqlite_schema WHERE name IN ('messages_by_created_at', 'messages_search_terms') ORDER BY name").pluck().all())
      .toEqual(['messages_by_created_at', 'messages_search_terms']);
  });

  it('answers a date range from the created_at index alone (query plan)', () => {
    const db = analyzedDatabase((file) => openDatabase(file));
    onCleanup(() => closeDatabase(db));
    expect(queryPlan(db, searchSql.dateRowids).join('\n')).toMatch(
      /SEARCH messages USING COVERING INDEX messages_by_created_at \(created_at>\? AND created_at<\?\)/,
    );
  });

  it('pins an FTS5 quirk the search works around: an equality with a bound rowid next to MATCH is ignored', () => {
    const db = databaseAt(5);
    db.prepare("INSERT INTO conversations (id, title, created_at, updated_at) VALUES ('c', 't', 0, 0)").run();
    const insert = db.prepare(
      "INSERT INTO messages (id, conversation_id, parent_id, seq, role, content, status, created_at) VALUES (?, 'c', NULL, ?, 'user', ?, 'complete', 0)",
    );
    for (let i = 1; i <= 3; i++) insert.run(`m${i}`, i, `tram ${i}`);
    const m2 = rowidOf(db, 'm2');
    const count = (where: string, ...params: number[]) =>
      db.prepare(`SELECT count(*) FROM messages_search WHERE messages_search MATCH '"tram"' AND ${where}`).pluck().get(...params);
    // If a newer SQLite honours it, searchMessages in search-sql.ts may make snippets per hit again.
    expect(count('rowid = ?', m2)).toBe(3); // a bound rowid; a literal one is honoured
    expect(count(`rowid = ${m2}`)).toBe(1);
    expect(count('rowid BETWEEN ? AND ?', m2, m2)).toBe(1);
  });
});
