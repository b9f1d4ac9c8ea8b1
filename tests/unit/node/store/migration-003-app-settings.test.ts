import { describe, expect, it } from 'vitest';
import { MIGRATIONS, runMigrations } from '../../../../src-main/node/store/migrations';
import { databaseAt, fillVersion1, version1Rows } from './migration-fixtures';
import { queryPlan } from './temp-store';

describe('migration 003: app settings', () => {
  it('adds an empty settings table and keeps every earlier row', () => {
    const db = databaseAt(1);
    fillVersion1(db);
    runMigrations(db, MIGRATIONS.slice(0, 2));
    const before = version1Rows(db);

    runMigrations(db, MIGRATIONS.slice(0, 3));

    expect(version1Rows(db)).toEqual(before);
    expect(db.prepare('SELECT count(*) FROM app_settings').pluck().get()).toBe(0);
  });

  it('stores one JSON value per key and reads a key through its primary key', () => {
    const db = databaseAt(3);
    const insert = db.prepare('INSERT INTO app_settings (key, value_json, updated_at) VALUES (?, ?, 0)');
    insert.run('theme', '"dark"');
    expect(() => insert.run('theme', '"light"')).toThrow(/UNIQUE|PRIMARY KEY/);
    expect(() => insert.run('broken', '{not json')).toThrow(/CHECK/);

    expect(queryPlan(db, 'SELECT value_json FROM app_settings WHERE key = @key').join('\n')).toMatch(
      /SEARCH app_settings USING PRIMARY KEY \(key=\?\)/,
    );
  });
});
