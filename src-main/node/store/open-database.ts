import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Sqlite from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import { backupDatabaseSync, DEFAULT_BACKUPS_TO_KEEP } from './backups';
import type { BackupInfo } from './backups';
import { interruptedFrom, MigrationJournal, type InterruptedMigration } from './migration-journal';
import { assertNotTooNew, latestVersion, MIGRATIONS, readSchemaVersion, runMigrations } from './migrations';
import type { Migration, MigrationResult } from './migrations';
import type { OpenProgress } from './open-progress';
import { StoreError, toStoreError } from './store-error';

/**
 * How long a statement waits for another connection's lock before it fails with `DB_LOCKED`. With WAL, readers
 * never wait for writers, and our writes are short (one message or one delta batch), so a healthy lock is held for
 * milliseconds; two seconds rides out a checkpoint or a second process (the browser host) writing, and is still
 * short enough that a stuck lock becomes a clear error the UI can show instead of a frozen app.
 */
export const DEFAULT_BUSY_TIMEOUT_MS = 2000;

/** Options for {@link openDatabase}. */
export interface OpenDatabaseOptions {
  /** Milliseconds to wait for a lock before `DB_LOCKED`. Default {@link DEFAULT_BUSY_TIMEOUT_MS}. */
  busyTimeoutMs?: number;
  /** Migrations to run; defaults to the app's full list. Tests pass a prefix to stop at an older schema. */
  migrations?: readonly Migration[];
  /**
   * Path of a better-sqlite3 addon built for another ABI. The Electron app passes its Electron build here, while
   * node_modules keeps the Node build the tests and the browser host use.
   */
  nativeBinding?: string;
  /**
   * The backup taken before migrating an existing database (see backups.ts): how many backups to keep (default
   * 7), or `false` for none (tests of the migration runner).
   */
  backupBeforeMigration?: { keep?: number; now?: () => number } | false;
  /** Told what the migrations did, which backup was taken first (if any), and about an update interrupted earlier. */
  onMigrated?: (result: MigrationReport) => void;
  /** Told as the backup before an update is written and as each step of the update goes (see `OpenProgress`). */
  onProgress?: (progress: OpenProgress) => void;
}

/** What {@link openDatabase} did to the schema. */
export interface MigrationReport extends MigrationResult {
  /** The backup taken before the update, or the one an interrupted earlier attempt took and this one kept. */
  backup: BackupInfo | null;
  /**
   * Set when an earlier start began this update and was stopped (killed, or the machine went down): which step was
   * under way and how far. Nothing was lost — that step was undone and has been done again — but the user is told.
   */
  interrupted: InterruptedMigration | null;
}

/**
 * Open (creating if needed) the SQLite database at `file`, set it up and migrate it to the latest schema.
 *
 * Creates the file's folder. Pragmas, in order:
 * - `busy_timeout` (via better-sqlite3's `timeout`, so it is in force for the very first statement): a lock held by
 *   another connection fails with `DB_LOCKED` after this long rather than hanging.
 * - `foreign_keys = ON`: SQLite leaves it off per connection; our schema relies on cascades and checks.
 * - `journal_mode = WAL`: readers and the writer do not block each other, a commit is one sequential append, and a
 *   killed process loses nothing it committed. The mode is stored in the file, so it holds for every later opener.
 * - `synchronous = NORMAL` under WAL: commits are not fsynced one by one, only at checkpoints. A process crash (the
 *   case we test, SIGKILL) loses nothing committed; an OS crash or power cut may lose the last commits before the
 *   checkpoint, but never corrupts the file. FULL would fsync every streamed delta batch, which costs several ms each
 *   on laptop disks (far more with macOS F_FULLFSYNC) for little gain in a chat log. If the filesystem refuses WAL
 *   (some network shares), the file stays in rollback-journal mode, where NORMAL is not safe enough, so FULL is used.
 *
 * Before migrating a database that already holds a schema (version 1 or later), an online backup is written to
 * `backups/` beside it (`VACUUM INTO`), so an update can never cost the user their history: a failed or faulty
 * migration can be undone with `restoreBackup`. If the backup cannot be written the migration does not run.
 * While an update runs, a journal beside the file (`<file>.migrating`, see migration-journal.ts) says which step is
 * under way: a start after a kill mid-update says so, keeps the backup the first attempt took, and carries on from
 * the step that was interrupted (each step is one transaction, so that step starts again from its beginning).
 *
 * The checks happen before anything is written: a file that is not a database fails with `DB_CORRUPT`, and one from
 * a newer app version with `DB_TOO_NEW`, both untouched. The connection is closed on every failure.
 *
 * @throws StoreError `DB_UNWRITABLE`, `DB_CORRUPT`, `DB_TOO_NEW`, `DB_LOCKED`, `DB_FULL`, `DB_IO`.
 */
export function openDatabase(file: string, options: OpenDatabaseOptions = {}): Database {
  const path = resolve(file);
  const { busyTimeoutMs = DEFAULT_BUSY_TIMEOUT_MS, migrations = MIGRATIONS, nativeBinding } = options;
  prepareLocation(path);

  let db: Database;
  try {
    db = new Sqlite(path, nativeBinding ? { timeout: busyTimeoutMs, nativeBinding } : { timeout: busyTimeoutMs });
  } catch (error) {
    throw toStoreError(error, `open the database ${path}`);
  }
  try {
    db.pragma('foreign_keys = ON');
    // The first read of the file: it fails with SQLITE_NOTADB if the header is not SQLite's.
    assertNotTooNew(db, migrations);
    const journalMode = db.pragma('journal_mode = WAL', { simple: true });
    db.pragma(journalMode === 'wal' ? 'synchronous = NORMAL' : 'synchronous = FULL');
    const migrated = migrate(db, path, migrations, options);
    options.onMigrated?.(migrated);
    return db;
  } catch (error) {
    db.close();
    throw toStoreError(error, `open the database ${path}`);
  }
}

/**
 * Bring `db` (at `path`) to the last of `migrations`: the backup first (or the one an interrupted attempt took), the
 * journal while the steps run, progress as they go.
 */
function migrate(db: Database, path: string, migrations: readonly Migration[], options: OpenDatabaseOptions): MigrationReport {
  const { backupBeforeMigration = {}, onProgress } = options;
  const now = (backupBeforeMigration === false ? undefined : backupBeforeMigration.now) ?? Date.now;
  const version = readSchemaVersion(db);
  const journal = new MigrationJournal(path);
  const earlier = journal.read();
  if (version >= latestVersion(migrations) || version === 0) {
    // Nothing to update (an interrupted update that had in fact committed its last step), or a new, empty file.
    if (earlier) journal.clear();
    return { ...runMigrations(db, migrations), backup: null, interrupted: null };
  }
  const interrupted = earlier && earlier.from <= version ? interruptedFrom(earlier) : null;
  // The first attempt's backup holds everything still: only schema steps have run since it was taken.
  const kept = interrupted && earlier?.backup && existsSync(earlier.backup.file) ? earlier.backup : null;
  const backup =
    kept ??
    (backupBeforeMigration === false
      ? null
      : backupDatabaseSync(db, path, {
          reason: 'pre-migration',
          keep: backupBeforeMigration.keep ?? DEFAULT_BACKUPS_TO_KEEP,
          now,
          ...(onProgress ? { onStart: (file: string, bytes: number) => onProgress({ step: 'backup', file, bytes }) } : {}),
        }));
  journal.begin({ from: interrupted?.from ?? version, to: latestVersion(migrations), backup, startedAt: interrupted?.startedAt ?? now() }, now());
  let place = { index: 0, count: 0 };
  const result = runMigrations(db, migrations, {
    onStep(migration, index, count) {
      place = { index, count };
      journal.step(migration, now());
      onProgress?.({ step: 'migrate', version: migration.version, name: migration.name, ...place, progress: null, interrupted });
    },
    onProgress(migration, progress) {
      journal.progress(progress.fraction, now());
      onProgress?.({ step: 'migrate', version: migration.version, name: migration.name, ...place, progress, interrupted });
    },
  });
  journal.clear();
  return { ...result, backup, interrupted };
}

/**
 * Create the database's folder and check that it, and the file if it exists, are writable. SQLite needs to create
 * the `-wal` and `-shm` files beside the database, so a read-only folder fails later in a confusing way; and SQLite
 * silently opens a read-only file read-only, so the app would start and fail on the first message. This names the
 * folder or file up front instead.
 */
function prepareLocation(file: string): void {
  const folder = dirname(file);
  try {
    mkdirSync(folder, { recursive: true });
    accessSync(folder, constants.W_OK);
  } catch (error) {
    throw unwritable(`The folder ${folder} cannot be created or written`, error);
  }
  if (!existsSync(file)) return;
  try {
    accessSync(file, constants.W_OK);
  } catch (error) {
    throw unwritable(`The database file ${file} cannot be written`, error);
  }
}

function unwritable(what: string, error: unknown): StoreError {
  const reason = error instanceof Error ? error.message : String(error);
  return new StoreError('DB_UNWRITABLE', `${what} (${reason})`, { cause: error });
}

/**
 * Close `db` after letting SQLite refresh its query-planner statistics (`PRAGMA optimize`, which SQLite recommends
 * before closing a long-lived connection and which usually does nothing). Safe to call twice.
 */
export function closeDatabase(db: Database): void {
  if (!db.open) return;
  try {
    db.pragma('optimize');
  } catch {
    // Best effort: statistics are an optimisation, and a busy or read-only database must still close.
  }
  db.close();
}
