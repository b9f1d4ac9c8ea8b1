import type { Database } from 'better-sqlite3';
import { StoreError } from '../store-error';
import { migration001Initial } from './001-initial';
import { migration002ConversationOptions } from './002-conversation-options';
import { migration003AppSettings } from './003-app-settings';
import { migration004SearchIndex } from './004-search-index';
import { migration005SearchSpeed } from './005-search-speed';
import { migration006Drafts } from './006-drafts';
import { migration007ConversationSource } from './007-conversation-source';
import { migration008DeletedConversations } from './008-deleted-conversations';
import { migration009ConversationEngine } from './009-conversation-engine';
import { migration010ConversationOrigin } from './010-conversation-origin';
import type { Migration, MigrationProgress } from './migration';

export type { Migration, MigrationProgress } from './migration';

/** Every migration, oldest first. Append only; never edit, reorder or remove a shipped entry. */
export const MIGRATIONS: readonly Migration[] = [
  migration001Initial,
  migration002ConversationOptions,
  migration003AppSettings,
  migration004SearchIndex,
  migration005SearchSpeed,
  migration006Drafts,
  migration007ConversationSource,
  migration008DeletedConversations,
  migration009ConversationEngine,
  migration010ConversationOrigin,
];

/** The schema version this build of the app reads and writes. */
export const LATEST_SCHEMA_VERSION: number = latestVersion(MIGRATIONS);

/** What {@link runMigrations} did. */
export interface MigrationResult {
  /** `user_version` before. */
  from: number;
  /** `user_version` after. */
  to: number;
  /** Versions this call applied, in order (empty when already current, or when another process got there first). */
  applied: number[];
}

/** What {@link runMigrations} tells as it goes, for a start-up that shows its progress. */
export interface MigrationObserver {
  /** A step is about to begin: the `index`-th (from 0) of `count` pending. */
  onStep?(migration: Migration, index: number, count: number): void;
  /** How far the step under way is (long steps only: those that touch every row). */
  onProgress?(migration: Migration, progress: MigrationProgress): void;
}

/** The database's schema version (`PRAGMA user_version`; 0 for a new, empty file). */
export function readSchemaVersion(db: Database): number {
  const version = db.pragma('user_version', { simple: true });
  if (typeof version !== 'number') throw new StoreError('DB_CORRUPT', `user_version is not a number: ${String(version)}`);
  return version;
}

/**
 * Throw `DB_TOO_NEW` when `db` was written by a newer schema than `migrations` reach. An older app must not touch a
 * newer database: it cannot know what the newer columns mean, and "migrating" it would damage it.
 */
export function assertNotTooNew(db: Database, migrations: readonly Migration[] = MIGRATIONS): void {
  const current = readSchemaVersion(db);
  const latest = latestVersion(migrations);
  if (current > latest) {
    throw new StoreError(
      'DB_TOO_NEW',
      `The database ${db.name} has schema version ${current}, newer than this app understands (${latest}). ` +
        'It was written by a newer version of the app; update the app to open it.',
    );
  }
}

/**
 * Bring `db` up to the last of `migrations`, one transaction per step.
 *
 * Each step runs in `BEGIN IMMEDIATE`, so it takes the write lock before reading anything, re-reads `user_version`
 * under that lock (another process may have migrated meanwhile, and must not be migrated twice), applies the step,
 * checks foreign keys and bumps `user_version` in the same transaction: a crash leaves the database at the previous
 * version, never half-way. Foreign-key enforcement is off while steps run (it cannot change inside a transaction),
 * as SQLite's procedure for rebuilding a table requires; `foreign_key_check` before each commit keeps that safe.
 *
 * @param migrations defaults to the app's list; tests pass a prefix to stop at an older version.
 * @param observer told when each step begins and how far a long one is.
 * @throws StoreError `DB_TOO_NEW` when the database is newer than the list; any error from a step rolls it back.
 */
export function runMigrations(
  db: Database,
  migrations: readonly Migration[] = MIGRATIONS,
  observer: MigrationObserver = {},
): MigrationResult {
  assertWellOrdered(migrations);
  assertNotTooNew(db, migrations);
  const from = readSchemaVersion(db);
  const pending = migrations.filter((migration) => migration.version > from);
  const applied: number[] = [];
  if (pending.length > 0) {
    const foreignKeysWereOn = db.pragma('foreign_keys', { simple: true }) === 1;
    db.pragma('foreign_keys = OFF');
    try {
      for (const [index, migration] of pending.entries()) {
        observer.onStep?.(migration, index, pending.length);
        if (applyStep(db, migration, (progress) => observer.onProgress?.(migration, progress))) applied.push(migration.version);
      }
    } finally {
      if (foreignKeysWereOn) db.pragma('foreign_keys = ON');
    }
  }
  // A newer app in another process may have moved the schema past us while we waited for its lock.
  assertNotTooNew(db, migrations);
  return { from, to: readSchemaVersion(db), applied };
}

/** Apply one migration unless it is already applied; true when this call applied it. */
function applyStep(db: Database, migration: Migration, progress: (progress: MigrationProgress) => void): boolean {
  const step = db.transaction((): boolean => {
    const current = readSchemaVersion(db);
    if (current >= migration.version) return false;
    if (current !== migration.version - 1) {
      throw new StoreError('DB_ERROR', `Migration ${describe(migration)} expected version ${migration.version - 1}, found ${current}`);
    }
    migration.up(db, progress);
    const violations = db.pragma('foreign_key_check') as unknown[];
    if (violations.length > 0) {
      throw new StoreError(
        'DB_ERROR',
        `Migration ${describe(migration)} left ${violations.length} foreign-key violation(s): ${JSON.stringify(violations.slice(0, 5))}`,
      );
    }
    // PRAGMA takes no bound parameters; the version is a checked integer from our own list, never user input.
    db.pragma(`user_version = ${migration.version}`);
    return true;
  });
  return step.immediate();
}

function describe(migration: Migration): string {
  return `${String(migration.version).padStart(3, '0')}-${migration.name}`;
}

/** The version the last of `migrations` brings a database to (0 for none). */
export function latestVersion(migrations: readonly Migration[]): number {
  return migrations.at(-1)?.version ?? 0;
}

/** A programming error, caught by the first test run: versions must be 1, 2, 3… in order. */
function assertWellOrdered(migrations: readonly Migration[]): void {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1 || !Number.isSafeInteger(migration.version)) {
      throw new Error(`Migration list out of order: position ${index} holds version ${migration.version} (${migration.name})`);
    }
  });
}
