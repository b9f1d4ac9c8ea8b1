import { readFileSync } from 'node:fs';
import Sqlite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../../src-main/node/store/open-database';
import {
  LATEST_SCHEMA_VERSION,
  MIGRATIONS,
  readSchemaVersion,
  runMigrations,
} from '../../../../src-main/node/store/migrations';
import type { Migration } from '../../../../src-main/node/store/migrations';
import { isStoreError } from '../../../../src-main/node/store/store-error';
import { onCleanup, tempDbPath } from './temp-store';

/** A plain connection on a fresh file, no pragmas and no migrations: the runner alone is under test. */
function rawDatabase(file = tempDbPath()): Sqlite.Database {
  const db = new Sqlite(file);
  onCleanup(() => db.close());
  return db;
}

function tableNames(db: Sqlite.Database): string[] {
  return (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all() as string[]);
}

const step = (version: number, up: Migration['up']): Migration => ({ version, name: `test-${version}`, up });

describe('migrations runner', () => {
  it('takes an empty database to the latest version, applying every step in order', () => {
    const db = rawDatabase();
    expect(readSchemaVersion(db)).toBe(0);

    const result = runMigrations(db);

    expect(result).toEqual({ from: 0, to: LATEST_SCHEMA_VERSION, applied: MIGRATIONS.map((m) => m.version) });
    expect(readSchemaVersion(db)).toBe(LATEST_SCHEMA_VERSION);
    expect(tableNames(db)).toEqual(expect.arrayContaining(['conversations', 'messages']));
  });

  it('does nothing on a database that is already current', () => {
    const db = rawDatabase();
    runMigrations(db);
    const schemaBefore = db.prepare('SELECT sql FROM sqlite_schema ORDER BY name').pluck().all();

    expect(runMigrations(db)).toEqual({ from: LATEST_SCHEMA_VERSION, to: LATEST_SCHEMA_VERSION, applied: [] });
    expect(db.prepare('SELECT sql FROM sqlite_schema ORDER BY name').pluck().all()).toEqual(schemaBefore);
  });

  it('migrates a database left at any earlier version to the latest', () => {
    for (let version = 0; version < LATEST_SCHEMA_VERSION; version++) {
      const db = rawDatabase();
      runMigrations(db, MIGRATIONS.slice(0, version));
      expect(readSchemaVersion(db)).toBe(version);

      const result = runMigrations(db);

      expect(result.applied).toEqual(MIGRATIONS.slice(version).map((m) => m.version));
      expect(readSchemaVersion(db)).toBe(LATEST_SCHEMA_VERSION);
    }
  });

  it('runs each step in its own transaction: a failing step is rolled back and earlier steps stay committed', () => {
    const db = rawDatabase();
    const list = [
      step(1, (d) => d.exec('CREATE TABLE first (x INTEGER)')),
      step(2, (d) => {
        d.exec('CREATE TABLE second (x INTEGER)');
        throw new Error('step 2 failed half-way');
      }),
    ];

    expect(() => runMigrations(db, list)).toThrow('step 2 failed half-way');

    expect(readSchemaVersion(db)).toBe(1);
    expect(tableNames(db)).toEqual(['first']);
    expect(db.inTransaction).toBe(false);
  });

  it('rejects a step that leaves a foreign key dangling, even though enforcement is off while it runs', () => {
    const db = rawDatabase();
    db.pragma('foreign_keys = ON');
    const list = [
      ...MIGRATIONS.slice(0, 1),
      step(2, (d) =>
        d.exec(`INSERT INTO messages (id, conversation_id, seq, role, content, status, created_at)
                VALUES ('m', 'no-such-conversation', 1, 'user', 'hi', 'complete', 0)`),
      ),
    ];

    expect(() => runMigrations(db, list)).toThrow(/foreign-key violation/);

    expect(readSchemaVersion(db)).toBe(1);
    expect(db.prepare('SELECT count(*) FROM messages').pluck().get()).toBe(0);
    // Enforcement is restored for the connection afterwards.
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
  });

  it('lets a step rebuild a table that other tables reference (foreign keys are off during steps)', () => {
    const db = rawDatabase();
    db.pragma('foreign_keys = ON');
    const list = [
      step(1, (d) =>
        d.exec(`CREATE TABLE parent (id TEXT PRIMARY KEY);
                CREATE TABLE child (parent_id TEXT REFERENCES parent (id) ON DELETE CASCADE);
                INSERT INTO parent VALUES ('p'); INSERT INTO child VALUES ('p');`),
      ),
      // SQLite's 12-step ALTER: with enforcement on, DROP TABLE parent would cascade-delete every child row.
      step(2, (d) =>
        d.exec(`CREATE TABLE parent_new (id TEXT PRIMARY KEY, extra TEXT);
                INSERT INTO parent_new (id) SELECT id FROM parent;
                DROP TABLE parent;
                ALTER TABLE parent_new RENAME TO parent;`),
      ),
    ];

    runMigrations(db, list);

    expect(db.prepare('SELECT count(*) FROM child').pluck().get()).toBe(1);
  });

  it('refuses a database written by a newer version, and leaves it untouched', () => {
    const file = tempDbPath();
    const setup = new Sqlite(file);
    setup.exec('CREATE TABLE from_the_future (x INTEGER)');
    setup.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
    setup.close();
    const bytesBefore = readFileSync(file);

    let caught: unknown;
    try {
      openDatabase(file);
    } catch (error) {
      caught = error;
    }

    expect(isStoreError(caught, 'DB_TOO_NEW')).toBe(true);
    expect((caught as Error).message).toContain(`schema version ${LATEST_SCHEMA_VERSION + 1}`);
    expect(readFileSync(file).equals(bytesBefore)).toBe(true);

    // The runner alone refuses it too, whoever calls it.
    const db = rawDatabase(file);
    expect(() => runMigrations(db)).toThrow(expect.objectContaining({ code: 'DB_TOO_NEW' }));
    expect(readSchemaVersion(db)).toBe(LATEST_SCHEMA_VERSION + 1);
  });

  it('rejects a migration list with a gap or out of order', () => {
    const db = rawDatabase();
    expect(() => runMigrations(db, [step(1, () => {}), step(3, () => {})])).toThrow(/out of order/);
    expect(() => runMigrations(db, [step(2, () => {})])).toThrow(/out of order/);
    expect(readSchemaVersion(db)).toBe(0);
  });

  it('numbers the shipped migrations 1, 2, 3… and names each after its file', () => {
    MIGRATIONS.forEach((migration, index) => {
      expect(migration.version).toBe(index + 1);
      expect(migration.name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    });
  });
});
