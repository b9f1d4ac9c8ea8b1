import { describe, expect, it } from 'vitest';
import { MIGRATIONS, runMigrations } from '../../../../src-main/node/store/migrations';
import { databaseAt, fillVersion1, version1Rows } from './migration-fixtures';
import { queryPlan } from './temp-store';

describe('migration 006: drafts', () => {
  it('adds an empty drafts table and keeps every earlier row', () => {
    const db = databaseAt(1);
    fillVersion1(db);
    runMigrations(db, MIGRATIONS.slice(0, 5));
    const before = version1Rows(db);

    runMigrations(db, MIGRATIONS.slice(0, 6));

    expect(version1Rows(db)).toEqual(before);
    expect(db.prepare('SELECT count(*) FROM drafts').pluck().get()).toBe(0);
  });

  it('holds one draft per conversation and one for the new chat, deleted with their conversation', () => {
    const db = databaseAt(6);
    fillVersion1(db);
    const insert = db.prepare('INSERT INTO drafts (conversation_id, text, full_length, updated_at) VALUES (?, ?, ?, 0)');
    insert.run('c1', 'half a thought', null);
    insert.run(null, 'a new chat', null);
    expect(() => insert.run('c1', 'again', null)).toThrow(/UNIQUE/);
    expect(() => insert.run(null, 'a second new chat', null)).toThrow(/UNIQUE/);
    expect(() => insert.run('nowhere', 'orphan', null)).toThrow(/FOREIGN KEY/);
    expect(() => insert.run('c2', 'abc', 3)).toThrow(/CHECK/); // a full length must be longer than what is kept
    insert.run('c2', 'abc', 10);

    db.prepare("DELETE FROM conversations WHERE id = 'c1'").run();
    expect(db.prepare('SELECT conversation_id FROM drafts ORDER BY conversation_id').pluck().all()).toEqual([null, 'c2']);
    // The cascade finds a conversation's draft through the UNIQUE index, not by reading every draft.
    expect(queryPlan(db, 'SELECT text FROM drafts WHERE conversation_id = @id').join('\n')).toMatch(/USING INDEX/);
  });
});
