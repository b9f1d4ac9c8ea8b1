import { describe, expect, it } from 'vitest';
import { MIGRATIONS, runMigrations } from '../../../../src-main/node/store/migrations';
import { databaseAt, fillVersion1, version1Rows } from './migration-fixtures';
import { queryPlan } from './temp-store';

describe('migration 002: conversation options', () => {
  it('adds pinned, archived, system prompt, generation overrides and model, keeping every row', () => {
    const db = databaseAt(1);
    fillVersion1(db);
    const before = version1Rows(db);

    runMigrations(db, MIGRATIONS.slice(0, 2));

    expect(version1Rows(db)).toEqual(before);
    expect(db.prepare('SELECT id, pinned, archived, system_prompt, generation_json, model FROM conversations ORDER BY id').all()).toEqual([
      { id: 'c1', pinned: 0, archived: 0, system_prompt: null, generation_json: '{}', model: null },
      { id: 'c2', pinned: 0, archived: 0, system_prompt: null, generation_json: '{}', model: null },
    ]);
  });

  it('replaces the recency index with one that serves "archived or not, pinned first, then recent" without sorting', () => {
    const db = databaseAt(2);
    const indexes = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'conversations' AND sql IS NOT NULL").pluck().all();
    expect(indexes).toEqual(['conversations_by_list']);

    const plan = queryPlan(
      db,
      'SELECT id FROM conversations WHERE archived = @a ORDER BY pinned DESC, updated_at DESC, created_at DESC, id DESC',
    ).join('\n');
    expect(plan).toMatch(/SEARCH conversations USING (COVERING )?INDEX conversations_by_list \(archived=\?\)/);
    expect(plan).not.toContain('TEMP B-TREE');
  });

  it('rejects flags other than 0 and 1, and generation settings that are not a JSON object', () => {
    const db = databaseAt(2);
    db.prepare("INSERT INTO conversations (id, title, created_at, updated_at) VALUES ('c', 't', 0, 0)").run();
    expect(() => db.prepare("UPDATE conversations SET pinned = 2 WHERE id = 'c'").run()).toThrow(/CHECK/);
    expect(() => db.prepare("UPDATE conversations SET archived = -1 WHERE id = 'c'").run()).toThrow(/CHECK/);
    expect(() => db.prepare("UPDATE conversations SET generation_json = '[1]' WHERE id = 'c'").run()).toThrow(/CHECK/);
    expect(() => db.prepare("UPDATE conversations SET generation_json = '{oops' WHERE id = 'c'").run()).toThrow(/CHECK|JSON/);
    db.prepare(`UPDATE conversations SET generation_json = '{"temperature":0.2}', pinned = 1 WHERE id = 'c'`).run();
  });
});
