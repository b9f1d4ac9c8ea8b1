import type { Database } from 'better-sqlite3';
import * as v from 'valibot';
import {
  APP_SETTING_KEYS,
  AppSettingsPatchSchema,
  AppSettingsSchema,
  DEFAULT_APP_SETTINGS,
  parseAppSetting,
  parseOrThrow,
} from './settings-schemas';
import type { AppSettingKey, AppSettings } from './settings-schemas';
import { StoreConnection } from './store-connection';
import type { Prepared } from './store-connection';

const sql = {
  all: `SELECT key, value_json FROM app_settings`,
  upsert: `
    INSERT INTO app_settings (key, value_json, updated_at) VALUES (@key, @valueJson, @now)
    ON CONFLICT (key) DO UPDATE SET value_json = excluded.value_json, updated_at = excluded.updated_at`,
  remove: `DELETE FROM app_settings WHERE key = @key`,
} as const;

/**
 * One setting read straight from `db` whatever its schema version: `null` where the settings table does not exist yet
 * (before version 3), where there is no valid value, or where it cannot be read. For the start-up, which loads the
 * chosen model while the database is still being updated, before the store exists.
 */
export function peekAppSetting<K extends AppSettingKey>(db: Database, key: K): AppSettings[K] | null {
  try {
    const row = db.prepare('SELECT value_json FROM app_settings WHERE key = ?').get(key) as { value_json: string } | undefined;
    if (!row) return null;
    const value: unknown = JSON.parse(row.value_json);
    return v.is(AppSettingsSchema.entries[key], value) ? (value as AppSettings[K]) : null;
  } catch {
    return null;
  }
}

/**
 * App-wide settings in SQLite (`app_settings`), typed by {@link AppSettingsSchema} and validated on every write.
 *
 * Reading never fails on content: a key with no row has its default, and a stored value that no longer passes its
 * schema (written by a newer app, or edited by hand) reads as the default too, so one bad value cannot lock the user
 * out of the app. Per-conversation settings live on the conversation (`ConversationStore.updateConversation`).
 */
export class SettingsStore {
  readonly #connection: StoreConnection;
  readonly #statements: Prepared<typeof sql>;

  /**
   * Use an open, migrated database; {@link close} does not close it.
   * @throws StoreError `DB_SCHEMA_MISMATCH`.
   */
  constructor(db: Database, options: { now?: () => number } = {}) {
    this.#connection = new StoreConnection(db, options.now);
    this.#statements = this.#connection.prepareAll(sql, 'settings store');
  }

  /** Every setting: the stored value where there is a valid one, the default otherwise. */
  getAppSettings(): AppSettings {
    return this.#connection.run('read the app settings', () => {
      const settings: Record<string, unknown> = { ...DEFAULT_APP_SETTINGS };
      for (const { key, value_json } of this.#statements.all.all({}) as Array<{ key: string; value_json: string }>) {
        if (!Object.hasOwn(AppSettingsSchema.entries, key)) continue; // a newer app's key: keep it, ignore it
        const schema = AppSettingsSchema.entries[key as AppSettingKey];
        const value: unknown = JSON.parse(value_json);
        if (v.is(schema, value)) settings[key] = value;
      }
      return settings as AppSettings;
    });
  }

  /** One setting. */
  getAppSetting<K extends AppSettingKey>(key: K): AppSettings[K] {
    return this.getAppSettings()[key];
  }

  /**
   * Change some settings, all or none (one transaction), and return them all.
   * @throws StoreError `INVALID_INPUT` naming each bad key and why (unknown key, wrong type, out of range).
   */
  updateAppSettings(patch: Partial<AppSettings>): AppSettings {
    this.#connection.run('change the app settings', () => {
      const valid = parseOrThrow(AppSettingsPatchSchema, patch, 'app settings');
      const now = this.#connection.now();
      this.#connection.write(() => {
        for (const [key, value] of Object.entries(valid)) {
          if (value === undefined) continue;
          this.#statements.upsert.run({ key, valueJson: JSON.stringify(value), now });
        }
      });
    });
    return this.getAppSettings();
  }

  /**
   * Set one setting.
   * @throws StoreError `INVALID_INPUT`.
   */
  setAppSetting<K extends AppSettingKey>(key: K, value: AppSettings[K]): void {
    this.#connection.run(`change the setting ${key}`, () => {
      const valid = parseAppSetting(key, value);
      this.#connection.write(() =>
        this.#statements.upsert.run({ key, valueJson: JSON.stringify(valid), now: this.#connection.now() }),
      );
    });
  }

  /** Put settings back to their defaults: the given keys, or every key. */
  resetAppSettings(keys: readonly AppSettingKey[] = APP_SETTING_KEYS): AppSettings {
    this.#connection.run('reset the app settings', () =>
      this.#connection.write(() => {
        for (const key of keys) this.#statements.remove.run({ key });
      }),
    );
    return this.getAppSettings();
  }

  /** Stop using the database: later calls fail with `DB_CLOSED`. Idempotent. */
  close(): void {
    this.#connection.close();
  }
}
