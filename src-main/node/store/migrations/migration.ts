import type { Database } from 'better-sqlite3';

/**
 * One step of the schema's history. A shipped migration is never edited: a later change is a new, higher-numbered
 * file, so every user's database walks the same path whatever version it starts from.
 */
export interface Migration {
  /** The schema version (`PRAGMA user_version`) after this step. Versions run 1, 2, 3… with no gaps. */
  readonly version: number;
  /** A short kebab-case name, the same as the file name after its number. */
  readonly name: string;
  /**
   * Apply the change. The runner calls it inside a `BEGIN IMMEDIATE` transaction with foreign-key enforcement off
   * (so a table can be rebuilt, SQLite's 12-step ALTER), then runs `foreign_key_check` and sets `user_version`.
   * It must not begin or commit a transaction itself, and must be deterministic: no clocks, no random ids.
   */
  up(db: Database): void;
}
