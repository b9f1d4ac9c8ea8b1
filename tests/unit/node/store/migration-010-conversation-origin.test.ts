import { describe, expect, it } from 'vitest';
import { MIGRATIONS, runMigrations } from '../../../../src-main/node/store/migrations';
import { databaseAt, fillVersion1, version1Rows } from './migration-fixtures';
import { queryPlan } from './temp-store';

describe('migration 010: conversation origin', () => {
  it('adds the origin key, unset on every existing conversation, and keeps every row', () => {
    const db = databaseAt(1);
    fillVersion1(db);
    runMigrations(db, MIGRATIONS.slice(0, 9));
    const before = version1Rows(db);

    const result = runMigrations(db, MIGRATIONS.slice(0, 10));

    expect(result.applied).toEqual([10]);
    expect(version1Rows(db)).toEqual(before);
    expect(db.prepare('SELECT id, origin FROM conversations ORDER BY id').all()).toEqual([
      { id: 'c1', origin: null },
      { id: 'c2', origin: null },
    ]);
  });

  it('takes a key of 1 to 300 characters or NULL, nothing else', () => {
    const db = databaseAt(10);
    db.prepare("INSERT INTO conversations (id, title, created_at, updated_at) VALUES ('c', 't', 0, 0)").run();
    const set = db.prepare("UPDATE conversations SET origin = ? WHERE id = 'c'");
    set.run('chatgpt:67a0c3e1-0b2c-8000-9f4e-1d2c3b4a5f60');
    set.run(null);
    expect(() => set.run('')).toThrow(/CHECK/);
    expect(() => set.run('x'.repeat(301))).toThrow(/CHECK/);
  });

  it('finds a conversation by its origin from a partial index of imported conversations only', () => {
    const db = databaseAt(10);
    const insert = db.prepare('INSERT INTO conversations (id, title, created_at, updated_at, origin) VALUES (?, ?, 0, 0, ?)');
    for (let i = 0; i < 50; i++) insert.run(`own-${i}`, `own ${i}`, null);
    insert.run('imported', 'imported', 'chatgpt:abc');
    const sql = "SELECT id FROM conversations WHERE origin = 'chatgpt:abc'";
    expect(db.prepare(sql).pluck().all()).toEqual(['imported']);
    expect(queryPlan(db, sql).join('\n')).toMatch(/USING (COVERING )?INDEX conversations_by_origin/);
    expect(db.prepare("SELECT count(*) FROM pragma_index_info('conversations_by_origin')").pluck().get()).toBe(1);
  });
});
