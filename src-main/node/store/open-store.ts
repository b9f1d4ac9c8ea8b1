import { copyFileSync, existsSync, renameSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Database } from 'better-sqlite3';
import { backupDatabase, checkBackup, DEFAULT_BACKUPS_TO_KEEP, isBackupDue, listBackups, moveAside } from './backups';
import type { BackupInfo, BackupReason } from './backups';
import { ConversationStore } from './conversation-store';
import { DraftStore } from './draft-store';
import { HistoryStore } from './history-store';
import { MessageSearch } from './message-search';
import { MessageTree } from './message-tree';
import type { MigrationResult } from './migrations';
import { closeDatabase, openDatabase } from './open-database';
import type { OpenDatabaseOptions } from './open-database';
import { SettingsStore } from './settings-store';
import { isStoreError, StoreError, toStoreError } from './store-error';

/** When to run `PRAGMA quick_check` at open (it reads every page: about a second per few hundred MB). */
export type OpenCheck = 'always' | 'after-crash' | 'never';

/** Options for {@link openStore}. */
export interface OpenStoreOptions extends Omit<OpenDatabaseOptions, 'backupBeforeMigration' | 'onMigrated'> {
  /** The clock, epoch ms. */
  now?: () => number;
  /** Backups kept by the backup before a migration (default 7); later backups use the `backupsToKeep` setting. */
  backupsToKeep?: number;
  /**
   * `after-crash` (default): check the whole file only when the last session did not close cleanly (its `-wal`
   * file is still there); `always`; or `never`. A damaged file found here is recovered from a backup at once; damage
   * found later surfaces as `DB_CORRUPT` from the failing call.
   */
  check?: OpenCheck;
  /**
   * Mark replies left `streaming` as `interrupted` (default true). Only the process that generates replies may do
   * this; a second process (a browser host beside the app) passes false.
   */
  markInterrupted?: boolean;
}

/** How a corrupt database was recovered at open. */
export interface RecoveryReport {
  /** What was wrong, for the log and the message to the user. */
  reason: string;
  /** Where the damaged file (and its `-wal`/`-shm`) now are: kept for the user or a recovery tool, never deleted. */
  movedAside: string[];
  /** The backup that was restored, or `null` when none was usable and the app starts with an empty database. */
  restoredFrom: BackupInfo | null;
  /** Backups that were tried and found unusable, with why. */
  skipped: Array<{ file: string; reason: string }>;
}

/** What happened while opening, for the app to log and to tell the user about. */
export interface OpenReport {
  file: string;
  /** Set when the database was corrupt: the user must be told (see {@link RecoveryReport}). */
  recovery: RecoveryReport | null;
  /** The migrations that ran, and the backup taken before them. */
  migration: (MigrationResult & { backup: BackupInfo | null }) | null;
  /** Replies found `streaming` from a crash and marked `interrupted`. */
  interruptedReplies: number;
}

/** The whole store over one database: each part has its own job; {@link close} closes them and the database. */
export interface Store {
  readonly file: string;
  readonly conversations: ConversationStore;
  readonly tree: MessageTree;
  readonly search: MessageSearch;
  readonly settings: SettingsStore;
  /** The composer's unsent text per conversation. */
  readonly drafts: DraftStore;
  /** Whole conversations for export and import. */
  readonly history: HistoryStore;
  readonly report: OpenReport;
  /** Every backup of this database, newest first. */
  listBackups(): BackupInfo[];
  /** Take a backup now (online, in steps), then keep the newest `backupsToKeep` (an app setting). */
  backupNow(reason?: Extract<BackupReason, 'daily' | 'manual'>): Promise<BackupInfo>;
  /**
   * Take the daily backup if the newest backup is a day old (or there is none); `null` when not due or when the
   * `dailyBackups` setting is off. The app calls it at start and then, say, hourly.
   */
  backupIfDue(): Promise<BackupInfo | null>;
  /** Close every part and the database (`PRAGMA optimize` first). Idempotent. */
  close(): void;
}

/**
 * Open the database at `file` with everything the app needs: migrations (after a backup), a check for damage
 * (see {@link OpenStoreOptions.check}) and recovery from it, and crashed replies marked interrupted.
 *
 * A corrupt database (`DB_CORRUPT` while opening, migrating or checking) is moved aside as
 * `<file>.corrupt-<time>` (with its `-wal` and `-shm`), the newest backup that passes `quick_check` is restored
 * (and migrated if older), and {@link OpenReport.recovery} says so: the app must tell the user. With no usable
 * backup the app starts empty, and the moved-aside file is still there.
 *
 * Restoring a backup chosen by the user: `close()` the store, `restoreBackup(file, backup)`, open again.
 * @throws StoreError `DB_LOCKED` (another running copy holds the database), `DB_TOO_NEW`, `DB_UNWRITABLE`, …
 */
export function openStore(file: string, options: OpenStoreOptions = {}): Store {
  const path = resolve(file);
  const now = options.now ?? Date.now;
  const keep = options.backupsToKeep ?? DEFAULT_BACKUPS_TO_KEEP;
  const report: OpenReport = { file: path, recovery: null, migration: null, interruptedReplies: 0 };
  const databaseOptions: OpenDatabaseOptions = {
    ...options,
    backupBeforeMigration: { keep, now },
    onMigrated: (result) => (report.migration = result),
  };
  const crashed = existsSync(`${path}-wal`);
  const check = options.check ?? 'after-crash';

  let db: Database;
  try {
    db = openDatabase(path, databaseOptions);
    try {
      if (check === 'always' || (check === 'after-crash' && crashed)) assertIntact(db);
    } catch (error) {
      closeDatabase(db);
      throw error;
    }
  } catch (error) {
    if (!isStoreError(error, 'DB_CORRUPT')) throw error;
    report.recovery = recover(path, error.message, now());
    db = openDatabase(path, databaseOptions);
  }
  return assemble(path, db, report, options, now);
}

function assemble(path: string, db: Database, report: OpenReport, options: OpenStoreOptions, now: () => number): Store {
  const clock = { now };
  let parts: {
    conversations: ConversationStore;
    tree: MessageTree;
    search: MessageSearch;
    settings: SettingsStore;
    drafts: DraftStore;
    history: HistoryStore;
  };
  try {
    parts = {
      conversations: new ConversationStore(db, clock),
      tree: new MessageTree(db),
      search: new MessageSearch(db),
      settings: new SettingsStore(db, clock),
      drafts: new DraftStore(db, clock),
      history: new HistoryStore(db, clock),
    };
    if (options.markInterrupted ?? true) report.interruptedReplies = parts.conversations.markStreamingAsInterrupted();
  } catch (error) {
    closeDatabase(db);
    throw error;
  }
  return {
    file: path,
    ...parts,
    report,
    listBackups: () => listBackups(path),
    backupNow: (reason = 'manual') =>
      backupDatabase(db, path, { reason, keep: parts.settings.getAppSetting('backupsToKeep'), now }),
    backupIfDue: async () => {
      const { dailyBackups, backupsToKeep } = parts.settings.getAppSettings();
      if (!dailyBackups || !isBackupDue(path, now())) return null;
      return backupDatabase(db, path, { reason: 'daily', keep: backupsToKeep, now });
    },
    close: () => {
      for (const part of Object.values(parts)) part.close();
      closeDatabase(db);
    },
  };
}

/** @throws StoreError `DB_CORRUPT` when `PRAGMA quick_check` finds damage. */
function assertIntact(db: Database): void {
  let result: unknown;
  try {
    result = db.pragma('quick_check', { simple: true });
  } catch (error) {
    throw toStoreError(error, `check the database ${db.name}`);
  }
  if (result !== 'ok') throw new StoreError('DB_CORRUPT', `The database ${db.name} is damaged: ${String(result)}`);
}

/** Move the damaged database aside and put the newest usable backup in its place. */
function recover(path: string, reason: string, now: number): RecoveryReport {
  const movedAside = moveAside(path, 'corrupt', now);
  const skipped: RecoveryReport['skipped'] = [];
  for (const backup of listBackups(path)) {
    const check = checkBackup(backup.file);
    if (!check.ok) {
      skipped.push({ file: backup.file, reason: check.reason });
      continue;
    }
    try {
      const temporary = `${path}.restoring`;
      copyFileSync(backup.file, temporary);
      renameSync(temporary, path);
    } catch (error) {
      throw toStoreError(error, `restore ${backup.file} to ${path}`);
    }
    return { reason, movedAside, restoredFrom: backup, skipped };
  }
  return { reason, movedAside, restoredFrom: null, skipped };
}
