import { describe, expect, it } from 'vitest';
import { MIGRATIONS, runMigrations } from '../../../../src-main/node/store/migrations';
import { databaseAt, fillVersion1, version1Rows } from './migration-fixtures';
import { queryPlan } from './temp-store';

const searchTitles = (db: ReturnType<typeof databaseAt>, query: string) =>
  db.prepare('SELECT rowid FROM conversations_search WHERE conversations_search MATCH ?').pluck().all(query);

describe('migration 008: deleted conversations', () => {
  it('adds the deletion mark, unset on every existing conversation, and keeps every row and index entry', () => {
    const db = databaseAt(1);
    fillVersion1(db);
    runMigrations(db, MIGRATIONS.slice(0, 7));
    db.prepare("UPDATE conversations SET pinned = 1, system_prompt = 'Be brief.' WHERE id = 'c2'").run();
    const before = version1Rows(db);
    const optionsBefore = db.prepare('SELECT id, pinned, archived, system_prompt, generation_json, model FROM conversations ORDER BY id').all();
    const titleHits = searchTitles(db, 'lisbon');

    const result = runMigrations(db, MIGRATIONS.slice(0, 8));

    expect(result.applied).toEqual([8]);
    expect(version1Rows(db)).toEqual(before);
    expect(db.prepare('SELECT id, pinned, archived, system_prompt, generation_json, model FROM conversations ORDER BY id').all())
      .toEqual(optionsBefore);
    expect(db.prepare('SELECT id, deleted_at FROM conversations ORDER BY id').all()).toEqual([
      { id: 'c1', deleted_at: null },
      { id: 'c2', deleted_at: null },
    ]);
    expect(searchTitles(db, 'lisbon')).toEqual(titleHits);
    db.prepare("INSERT INTO messages_search (messages_search, rank) VALUES ('integrity-check', 1)").run();
    db.prepare("INSERT INTO conversations_search (conversations_search, rank) VALUES ('integrity-check', 1)").run();
  });

  it('accepts a time or NULL as the mark, nothing else (STRICT, CHECK)', () => {
    const db = databaseAt(8);
    db.prepare("INSERT INTO conversations (id, title, created_at, updated_at) VALUES ('c', 't', 0, 0)").run();
    const mark = db.prepare("UPDATE conversations SET deleted_at = ? WHERE id = 'c'");
    mark.run(1_700_000_000_000);
    mark.run(null);
    expect(() => mark.run(-1)).toThrow(/CHECK/);
    expect(() => mark.run('yesterday')).toThrow(/cannot store TEXT value in INTEGER column/);
  });

  it('finds the marked conversations from a partial index holding only them, oldest mark first, without a sort', () => {
    const db = databaseAt(8);
    const insert = db.prepare('INSERT INTO conversations (id, title, created_at, updated_at, deleted_at) VALUES (?, ?, 0, 0, ?)');
    for (let i = 0; i < 50; i++) insert.run(`kept-${i}`, `kept ${i}`, null);
    insert.run('late', 'late', 300);
    insert.run('early', 'early', 100);

    const sql = 'SELECT id, deleted_at FROM conversations WHERE deleted_at IS NOT NULL ORDER BY deleted_at';
    const plan = queryPlan(db, sql).join('\n');
    expect(plan).toMatch(/SEARCH conversations USING (COVERING )?INDEX conversations_deleted \(deleted_at>\?\)/);
    expect(plan).not.toContain('TEMP B-TREE');
    expect(db.prepare(sql).all()).toEqual([
      { id: 'early', deleted_at: 100 },
      { id: 'late', deleted_at: 300 },
    ]);
    // The partial index holds the two marked rows only.
    expect(db.prepare("SELECT count(*) FROM conversations INDEXED BY conversations_deleted WHERE deleted_at IS NOT NULL").pluck().get()).toBe(2);
  });

  it('leaves the list on its index: "not deleted" is checked on the rows it reads, still without a sort', () => {
    const db = databaseAt(8);
    const plan = queryPlan(
      db,
      `SELECT id FROM conversations WHERE archived = @a AND deleted_at IS NULL
       ORDER BY pinned DESC, updated_at DESC, created_at DESC, id DESC`,
    ).join('\n');
    expect(plan).toMatch(/SEARCH conversations USING INDEX conversations_by_list \(archived=\?\)/);
    expect(plan).not.toContain('TEMP B-TREE');
  });
});
