import type { Database } from 'better-sqlite3';

/**
 * How far a long migration step is, told as it goes (see {@link Migration.up}): the start-up panel shows it
 * ("Updating the database: 312,000 of 1,000,000 messages") with a bar and an estimate.
 */
export interface MigrationProgress {
  /** The share of the whole step done, 0..1. */
  fraction: number;
  /** What is being counted, when the step counts something the user knows: messages indexed so far of `total`. */
  count?: { done: number; total: number; unit: 'messages' };
  /** What the step is doing, when it is not counting: merging the search index it built into one piece. */
  activity?: 'merging the search index';
}

/**
 * One step of the schema's history. A shipped migration is never edited: a later change is a new, higher-numbered
 * file, so every user's database walks the same path whatever version it starts from. (How a step does its work may
 * change where the result stays the same, as when the index rebuilds of 004 and 005 were made to work in batches.)
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
   *
   * A step that touches every row works in batches and tells `progress` how far it is between them (a few times a
   * second at most matters; more is fine). The whole step is still one transaction: a kill in the middle undoes it.
   */
  up(db: Database, progress: (progress: MigrationProgress) => void): void;
}
