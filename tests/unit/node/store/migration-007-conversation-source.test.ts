import { describe, expect, it } from 'vitest';
import { MIGRATIONS, runMigrations } from '../../../../src-main/node/store/migrations';
import { databaseAt, fillVersion1, version1Rows } from './migration-fixtures';

describe('migration 007: conversation source', () => {
  it('marks every existing conversation as started in the chat window and keeps every earlier row', () => {
    const db = databaseAt(1);
    fillVersion1(db);
    runMigrations(db, MIGRATIONS.slice(0, 6));
    const before = version1Rows(db);

    runMigrations(db, MIGRATIONS.slice(0, 7));

    expect(version1Rows(db)).toEqual(before);
    expect(db.prepare('SELECT id, source FROM conversations ORDER BY id').all()).toEqual([
      { id: 'c1', source: 'chat' },
      { id: 'c2', source: 'chat' },
    ]);
  });

  it('accepts only the sources the app knows', () => {
    const db = databaseAt(7);
    const insert = db.prepare("INSERT INTO conversations (id, title, created_at, updated_at, source) VALUES (?, 't', 0, 0, ?)");
    insert.run('q', 'quick');
    insert.run('c', 'chat');
    expect(() => insert.run('x', 'spotlight')).toThrow(/CHECK/);
    expect(db.prepare("SELECT count(*) FROM conversations WHERE source = 'quick'").pluck().get()).toBe(1);
  });
});
