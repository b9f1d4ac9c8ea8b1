import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import Sqlite from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import { assertRegularFileSync } from '../files/regular-file';
import { backupOnWorker, type BackupThreadOptions } from './backup-thread';
import { MigrationJournal } from './migration-journal';
import { LATEST_SCHEMA_VERSION, readSchemaVersion } from './migrations';
import { SalvageJournal } from './salvage-journal';
import { StoreError, toStoreError } from './store-error';

/**
 * Backups of the database file, in a `backups/` folder beside it, one self-contained SQLite file each (no WAL),
 * named `<database name>.<UTC time>.v<schema version>.<reason>.sqlite` so a person can tell them apart too.
 *
 * Each is written under a temporary name and renamed into place, so a crash mid-backup never leaves a file that
 * looks like a good backup. Two ways to copy, both SQLite's own consistent snapshots of a live database:
 * - {@link backupDatabaseSync} uses `VACUUM INTO`, synchronous, for the backup before a migration (start-up is
 *   synchronous and must not migrate until the copy exists);
 * - {@link backupDatabase}, for the daily backup while the app is in use, copies on a worker thread of its own
 *   (backup-worker.ts: its own read-only connection, SQLite's online backup API), so a copy of a big file never holds
 *   up the thread that answers the windows; the online backup API in steps on the caller's connection when that
 *   thread cannot be started.
 * Both keep rowids, which the search index relies on.
 */

/** Why a backup was taken. */
export type BackupReason = 'pre-migration' | 'daily' | 'manual' | 'pre-restore';

const REASONS: ReadonlySet<string> = new Set<BackupReason>(['pre-migration', 'daily', 'manual', 'pre-restore']);

/** How many backups are kept unless the caller says otherwise. */
export const DEFAULT_BACKUPS_TO_KEEP = 7;

/** A backup file. */
export interface BackupInfo {
  /** Absolute path. */
  file: string;
  /** When it was taken, epoch ms (from its name). */
  createdAt: number;
  /** The schema version of the database it holds. */
  schemaVersion: number;
  reason: BackupReason;
  /** File size. */
  bytes: number;
}

/** Options of the backup functions. */
export interface BackupOptions {
  reason: BackupReason;
  /** Keep this many newest backups after this one is written (older ones are deleted). Default 7. */
  keep?: number;
  /** The clock; tests pass a fake. */
  now?: () => number;
  /**
   * Told, as the copy begins, which file is being written and about how large it will be, so a watcher can show its
   * progress by the file's size (`VACUUM INTO` says nothing while it runs).
   */
  onStart?: (file: string, bytes: number) => void;
}

/** The folder holding the backups of `databaseFile`. */
export function backupFolderFor(databaseFile: string): string {
  return join(dirname(databaseFile), 'backups');
}

/** Every backup of `databaseFile`, newest first. Files that do not follow the naming scheme are ignored. */
export function listBackups(databaseFile: string): BackupInfo[] {
  const folder = backupFolderFor(databaseFile);
  if (!existsSync(folder)) return [];
  const prefix = `${stem(databaseFile)}.`;
  const backups: BackupInfo[] = [];
  for (const name of readdirSync(folder)) {
    if (!name.startsWith(prefix)) continue;
    const parsed = parseName(name.slice(prefix.length));
    if (!parsed) continue;
    const file = join(folder, name);
    backups.push({ file, ...parsed, bytes: statSync(file).size });
  }
  return backups.sort((a, b) => b.createdAt - a.createdAt || b.file.localeCompare(a.file));
}

/**
 * Back up an open database now, synchronously, with `VACUUM INTO`. Must not be called inside a transaction.
 * @throws StoreError (`DB_FULL`, `DB_UNWRITABLE`, …) when the copy cannot be written; nothing is left behind then.
 */
export function backupDatabaseSync(db: Database, databaseFile: string, options: BackupOptions): BackupInfo {
  const plan = planBackup(db, databaseFile, options);
  try {
    options.onStart?.(plan.temporary, liveBytes(db));
    db.prepare('VACUUM INTO @file').run({ file: plan.temporary });
    return completeBackup(plan);
  } catch (error) {
    return abandonBackup(plan, error);
  }
}

/** The size of the database's pages in use (what `VACUUM INTO` writes, about): all pages but the free ones. */
function liveBytes(db: Database): number {
  const pages = (db.pragma('page_count', { simple: true }) as number) - (db.pragma('freelist_count', { simple: true }) as number);
  return pages * (db.pragma('page_size', { simple: true }) as number);
}

/** Options of {@link backupDatabase}: where its thread comes from, and who hears that it could not be had. */
export interface OnlineBackupOptions extends BackupOptions, BackupThreadOptions {
  /**
   * Told when the copy ran on the caller's thread after all because its worker could not be started (the backup
   * itself is taken all the same). Default: a Node process warning.
   */
  onWarning?: (message: string) => void;
}

/**
 * Back up an open database while the app uses it, without holding up the caller's thread: a worker thread copies a
 * consistent snapshot of the file on a read-only connection of its own, renames it into place and prunes (see
 * backup-worker.ts); writes made meanwhile are not in the copy. The caller's thread only plans the names and waits.
 *
 * Where that cannot be, the copy is made here as before, with the online backup API on `db`, in steps between
 * event-loop turns (writes made meanwhile by this connection are included): when the worker cannot be started
 * (`onWarning` is told), and when the database is not in WAL mode (a filesystem that refuses WAL), where the
 * worker's long read would keep this connection from committing until the copy is done.
 * @throws StoreError as {@link backupDatabaseSync}; `DB_CLOSED` when `signal` stops it (nothing is left behind).
 */
export async function backupDatabase(db: Database, databaseFile: string, options: OnlineBackupOptions): Promise<BackupInfo> {
  const plan = planBackup(db, databaseFile, options);
  try {
    options.onStart?.(plan.temporary, fileBytes(db));
    if (db.pragma('journal_mode', { simple: true }) === 'wal') {
      const offThread = await backupOnWorker(plan, options);
      if ('done' in offThread) return offThread.done;
      warn(options, `The backup ${plan.file} is taken on the app's own thread: its worker could not start (${offThread.notStarted}).`);
    }
    await db.backup(plan.temporary);
    return completeBackup(plan);
  } catch (error) {
    return abandonBackup(plan, error);
  }
}

/** The size of the database's pages, free ones included (what the online backup API writes). */
function fileBytes(db: Database): number {
  return (db.pragma('page_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number);
}

function warn(options: OnlineBackupOptions, message: string): void {
  if (options.onWarning) options.onWarning(message);
  else process.emitWarning(message, { code: 'PHI_DESK_BACKUP_ON_MAIN_THREAD' });
}

/**
 * The newest backup when it is older than `intervalMs` (default a day) or there is none; `null` when none is due.
 * The app calls it at start and on a timer, and then {@link backupDatabase} with reason `daily` when it returns.
 */
export function isBackupDue(databaseFile: string, now: number, intervalMs = 24 * 60 * 60 * 1000): boolean {
  const newest = listBackups(databaseFile)[0];
  return newest === undefined || now - newest.createdAt >= intervalMs || newest.createdAt > now;
}

/** Delete all but the newest `keep` backups; returns the deleted files. */
function pruneBackups(databaseFile: string, keep: number): string[] {
  const doomed = listBackups(databaseFile).slice(Math.max(1, keep));
  for (const backup of doomed) rmSync(backup.file, { force: true });
  return doomed.map((backup) => backup.file);
}

/** What {@link checkBackup} found. */
export type BackupCheck = { ok: true; schemaVersion: number } | { ok: false; reason: string };

/**
 * Whether `file` is a usable backup: an SQLite database that passes `PRAGMA quick_check`, with a schema this app
 * can open. Opened read-only, so checking changes nothing.
 */
export function checkBackup(file: string): BackupCheck {
  let db: Database | undefined;
  try {
    // SQLite opens by path with a blocking open: a named pipe would hang it. Refuse anything but a regular file first.
    assertRegularFileSync(file);
    db = new Sqlite(file, { readonly: true, fileMustExist: true });
    const result = db.pragma('quick_check', { simple: true });
    if (result !== 'ok') return { ok: false, reason: `quick_check: ${String(result)}` };
    const schemaVersion = readSchemaVersion(db);
    if (schemaVersion < 1 || schemaVersion > LATEST_SCHEMA_VERSION) {
      return { ok: false, reason: `schema version ${schemaVersion} cannot be restored by this app` };
    }
    return { ok: true, schemaVersion };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  } finally {
    db?.close();
  }
}

/**
 * Rename the database file and its `-wal` and `-shm` files to `<file>.<label>-<UTC time>` (the WAL and SHM keep
 * their suffix, so SQLite opening the moved file still finds its WAL). Returns the new paths of the files that
 * existed. The database must not be open.
 */
export function moveAside(databaseFile: string, label: string, now: number): string[] {
  const target = `${databaseFile}.${label}-${timestamp(now)}`;
  const moved: string[] = [];
  for (const suffix of ['', '-wal', '-shm']) {
    if (!existsSync(databaseFile + suffix)) continue;
    renameSync(databaseFile + suffix, target + suffix);
    moved.push(target + suffix);
  }
  return moved;
}

/** What {@link restoreBackup} did. */
export interface RestoreReport {
  restoredFrom: string;
  /** Where the replaced database went (empty when there was none). */
  movedAside: string[];
}

/**
 * Replace the database at `databaseFile` with the backup `backupFile`. The database must be closed (every
 * connection, in every process). The current file is not deleted but moved aside (`*.replaced-<time>`); the backup
 * is copied, not moved, so it stays in the list. The next open migrates it if it is from an older version.
 * @throws StoreError `NOT_FOUND` for a missing backup, `DB_CORRUPT` when it fails {@link checkBackup} (nothing is
 * changed then), or an I/O failure.
 */
export function restoreBackup(databaseFile: string, backupFile: string, options: { now?: () => number } = {}): RestoreReport {
  const now = (options.now ?? Date.now)();
  if (!existsSync(backupFile)) throw new StoreError('NOT_FOUND', `No backup ${backupFile}`);
  const check = checkBackup(backupFile);
  if (!check.ok) throw new StoreError('DB_CORRUPT', `The backup ${backupFile} cannot be restored: ${check.reason}`);
  try {
    const temporary = `${databaseFile}.restoring`;
    copyFileSync(backupFile, temporary);
    const movedAside = moveAside(databaseFile, 'replaced', now);
    renameSync(temporary, databaseFile);
    // Whatever an earlier start left half done (an update, a recovery) was of the file just replaced.
    new MigrationJournal(databaseFile).clear();
    new SalvageJournal(databaseFile).clear();
    return { restoredFrom: backupFile, movedAside };
  } catch (error) {
    throw toStoreError(error, `restore ${backupFile} to ${databaseFile}`);
  }
}

/** A backup about to be written: the database, where the copy goes (and under which name first), and what it is. */
export interface BackupPlan {
  databaseFile: string;
  file: string;
  temporary: string;
  createdAt: number;
  schemaVersion: number;
  reason: BackupReason;
  keep: number;
}

function planBackup(db: Database, databaseFile: string, options: BackupOptions): BackupPlan {
  const { reason, keep = DEFAULT_BACKUPS_TO_KEEP, now = Date.now } = options;
  const createdAt = now();
  const schemaVersion = readSchemaVersion(db);
  const folder = backupFolderFor(databaseFile);
  const file = uniquePath(join(folder, `${stem(databaseFile)}.${timestamp(createdAt)}.v${schemaVersion}.${reason}.sqlite`));
  const plan = { databaseFile, file, temporary: `${file}.partial`, createdAt, schemaVersion, reason, keep };
  try {
    mkdirSync(folder, { recursive: true });
    rmSync(plan.temporary, { force: true });
  } catch (error) {
    return abandonBackup(plan, error);
  }
  return plan;
}

/** Rename the finished copy into place (atomic), then apply the retention. Also run by the backup's worker. */
export function completeBackup(plan: BackupPlan): BackupInfo {
  renameSync(plan.temporary, plan.file);
  pruneBackups(plan.databaseFile, plan.keep);
  const { file, createdAt, schemaVersion, reason } = plan;
  return { file, createdAt, schemaVersion, reason, bytes: statSync(file).size };
}

function abandonBackup(plan: BackupPlan, error: unknown): never {
  throw discardBackup(plan, error);
}

/** Remove what the copy wrote so far; returns the error as a StoreError naming the backup. Also run by the worker. */
export function discardBackup(plan: BackupPlan, error: unknown): StoreError {
  try {
    rmSync(plan.temporary, { force: true });
  } catch {
    // The path cannot even be looked at (a file where the backups folder should be: ENOTDIR), so nothing was written
    // there; the failure to report is the backup's own.
  }
  return toStoreError(error, `back up ${plan.databaseFile} to ${plan.file}`);
}

/** The database file name without its extension: `conversations` for `conversations.sqlite`. */
function stem(databaseFile: string): string {
  const name = basename(databaseFile);
  return name.slice(0, name.length - extname(name).length) || name;
}

/** A sortable UTC time that is a valid file name everywhere (no colons): `2025-01-31T09-05-00-123Z`. */
function timestamp(epochMs: number): string {
  return new Date(epochMs).toISOString().replaceAll(':', '-').replace('.', '-');
}

const NAME = /^(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})-(\d{3})Z(?:-\d+)?\.v(\d+)\.([a-z-]+)\.sqlite$/;

function parseName(rest: string): Omit<BackupInfo, 'file' | 'bytes'> | null {
  const match = NAME.exec(rest);
  if (!match) return null;
  const [, date, hours, minutes, seconds, millis, version, reason] = match;
  const createdAt = Date.parse(`${date}T${hours}:${minutes}:${seconds}.${millis}Z`);
  if (!Number.isFinite(createdAt) || reason === undefined || !REASONS.has(reason)) return null;
  return { createdAt, schemaVersion: Number(version), reason: reason as BackupReason };
}

/** `path`, or `path` with `-2`, `-3`… before the version when a backup was already taken in the same millisecond. */
function uniquePath(path: string): string {
  if (!existsSync(path)) return path;
  for (let n = 2; ; n++) {
    const candidate = path.replace(/Z\.v/, `Z-${n}.v`);
    if (!existsSync(candidate)) return candidate;
  }
}
