import type { Migration } from './migration';

/**
 * App-wide settings, one row per key, the value as JSON.
 *
 * A key/value table rather than a one-row table with a column per setting: a new setting then needs no migration
 * (its default lives in code until first written), and an older app reading a newer database simply ignores keys it
 * does not know. The store validates each value with its valibot schema; the CHECK only rejects non-JSON.
 * WITHOUT ROWID: the key is the primary key and the rows are tiny, so one b-tree is enough.
 */
export const migration003AppSettings: Migration = {
  version: 3,
  name: 'app-settings',
  up(db) {
    db.exec(`
      CREATE TABLE app_settings (
        key        TEXT    NOT NULL PRIMARY KEY,
        value_json TEXT    NOT NULL CHECK (json_valid(value_json)),
        updated_at INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;
    `);
  },
};
