import { copyFileSync, existsSync, renameSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Database } from 'better-sqlite3';
import { backupDatabase, checkBackup, DEFAULT_BACKUPS_TO_KEEP, isBackupDue, listBackups, moveAside } from './backups';
import type { BackupInfo, BackupReason } from './backups';
import { ConversationStore } from './conversation-store';
import { DraftStore } from './draft-store';
import { HistoryStore } from './history-store';
import { IntegrityWalk, type IntegrityVerdict } from './integrity-walk';
import { MessageSearch } from './message-search';
import { MessageTree } from './message-tree';
import type { MigrationResult } from './migrations';
import { closeDatabase, openDatabase } from './open-database';
import type { OpenDatabaseOptions } from './open-database';
import { salvage, type SalvageReport } from './salvage';
import { SettingsStore } from './settings-store';
import { isStoreError, StoreError, toStoreError } from './store-error';
import { StoreHealth } from './store-health';

/**
 * How to look for damage at open:
 * - `walk` (default): read every row and index entry (see `integrity-walk.ts`) on a connection of its own, for up to
 *   {@link OpenStoreOptions.checkBudgetMs} before `openStore` returns and the rest between event-loop turns;
 * - `full`: `PRAGMA quick_check` and then the walk, both to the end, before returning (21 s at a million messages);
 * - `never`.
 */
export type OpenCheck = 'walk' | 'full' | 'never';

/**
 * How long the `walk` check may hold up the open. Measured here: a 156 MB file of 100,000 messages is read in
 * 0.3 s, so files up to a few tens of thousands of messages are checked before the window opens; the rest of a
 * bigger file is checked in the background within seconds (steps of a few ms, so the app stays responsive).
 */
export const DEFAULT_CHECK_BUDGET_MS = 200;

/** Options for {@link openStore}. */
export interface OpenStoreOptions extends Omit<OpenDatabaseOptions, 'backupBeforeMigration' | 'onMigrated'> {
  /** The clock, epoch ms. */
  now?: () => number;
  /** Backups kept by the backup before a migration (default 7); later backups use the `backupsToKeep` setting. */
  backupsToKeep?: number;
  /** How to look for damage at open (default `walk`): see {@link OpenCheck}. */
  check?: OpenCheck;
  /** How long the `walk` check may hold up the open, ms (default {@link DEFAULT_CHECK_BUDGET_MS}); 0: all later. */
  checkBudgetMs?: number;
  /**
   * What damage found by the check at open leads to: `read-only` (default) opens the store read-only
   * ({@link OpenReport.damage} says why; the user can read and export, and the next start recovers); `recover`
   * restores the newest good backup and salvages into it what the damaged file still has. Damage found later (by
   * the rest of the check, or by any failing read) always makes the store read-only: see {@link Store.health}.
   */
  onDamage?: 'read-only' | 'recover';
  /**
   * The file was found damaged in an earlier session (the reason, from the damage marker): recover at once, without
   * checking again — restore the newest good backup and salvage into it what can be read. Ignored when the file is
   * gone.
   */
  knownDamage?: string;
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
  /**
   * What was copied from the damaged file into the restored database (conversations newer than the backup or
   * missing from it) and what could not be; `null` when the damaged file was not kept (it did not exist).
   */
  salvage: SalvageReport | null;
}

/** What happened while opening, for the app to log and to tell the user about. */
export interface OpenReport {
  file: string;
  /** Set when the database was corrupt and was recovered: the user must be told (see {@link RecoveryReport}). */
  recovery: RecoveryReport | null;
  /**
   * Set when the check at open found the file damaged and the store was opened read-only (`onDamage: 'read-only'`):
   * what is wrong. The user must be told; {@link Store.health} has it too.
   */
  damage: string | null;
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
  /**
   * Whether the database is known to be damaged. Once it is (found at open, by the rest of the check, or by any read
   * failing with `SQLITE_CORRUPT`), every part of the store refuses writes with `DB_READ_ONLY`; `onDamage` tells.
   */
  readonly health: StoreHealth;
  /** The check's verdict once it has read everything (`unknown` when there was none, or it was stopped). */
  readonly checked: Promise<IntegrityVerdict>;
  /** Every backup of this database, newest first. */
  listBackups(): BackupInfo[];
  /**
   * Take a backup now (online, in steps), then keep the newest `backupsToKeep` (an app setting).
   * @throws StoreError `DB_READ_ONLY` when the database is known to be damaged (the copy would be damaged too, and
   * would push a good backup out).
   */
  backupNow(reason?: Extract<BackupReason, 'daily' | 'manual'>): Promise<BackupInfo>;
  /**
   * Take the daily backup if the newest backup is a day old (or there is none); `null` when not due, when the
   * `dailyBackups` setting is off, or when the database is damaged. Waits for the check of the file first. The app
   * calls it at start and then, say, hourly.
   */
  backupIfDue(): Promise<BackupInfo | null>;
  /** Close every part and the database (`PRAGMA optimize` first). Idempotent. */
  close(): void;
}

/**
 * Open the database at `file` with everything the app needs: migrations (after a backup), a check for damage (see
 * {@link OpenStoreOptions.check}), and crashed replies marked interrupted.
 *
 * Damage:
 * - found by the check at open: the store opens read-only and {@link OpenReport.damage} says why (or, with
 *   `onDamage: 'recover'`, it is recovered as below);
 * - found later (the rest of the check, a failing read): the store becomes read-only, {@link Store.health} tells;
 * - a file that cannot be opened at all, or one known damaged from an earlier session (`knownDamage`): recovered at
 *   once. It is moved aside as `<file>.corrupt-<time>` (with its `-wal` and `-shm`), the newest backup that passes
 *   `quick_check` is restored (and migrated if older), and what the damaged file still has beyond the backup is
 *   salvaged into it (see `salvage.ts`). {@link OpenReport.recovery} says so: the app must tell the user. With no
 *   usable backup the salvage goes into an empty database. The moved-aside file is kept.
 *
 * Restoring a backup chosen by the user: `close()` the store, `restoreBackup(file, backup)`, open again.
 * @throws StoreError `DB_LOCKED` (another running copy holds the database), `DB_TOO_NEW`, `DB_UNWRITABLE`, …
 */
export function openStore(file: string, options: OpenStoreOptions = {}): Store {
  const path = resolve(file);
  const now = options.now ?? Date.now;
  const keep = options.backupsToKeep ?? DEFAULT_BACKUPS_TO_KEEP;
  const report: OpenReport = { file: path, recovery: null, damage: null, migration: null, interruptedReplies: 0 };
  const databaseOptions: OpenDatabaseOptions = {
    ...options,
    backupBeforeMigration: { keep, now },
    onMigrated: (result) => (report.migration = result),
  };
  const knownDamage = options.knownDamage !== undefined && existsSync(path) ? options.knownDamage : null;

  let db: Database;
  try {
    db = openDatabase(path, databaseOptions);
    let walk: IntegrityWalk | null = null;
    try {
      if (knownDamage !== null) throw new StoreError('DB_CORRUPT', knownDamage);
      walk = checkAtOpen(db, path, options, report);
      return assemble(path, db, report, options, now, walk);
    } catch (error) {
      walk?.stop();
      closeDatabase(db);
      throw error;
    }
  } catch (error) {
    if (!isStoreError(error, 'DB_CORRUPT')) throw error;
    const recovery = recover(path, error.message, now());
    report.recovery = recovery;
    report.damage = null;
    db = openDatabase(path, databaseOptions);
    const damaged = recovery.movedAside.find((moved) => !moved.endsWith('-wal') && !moved.endsWith('-shm'));
    if (damaged !== undefined) recovery.salvage = salvageInto(damaged, db, options);
    return assemble(path, db, report, options, now, null);
  }
}

/**
 * The check at open. Damage found before returning makes the store read-only ({@link OpenReport.damage}), or throws
 * `DB_CORRUPT` for `onDamage: 'recover'`; damage found by the rest of the walk, later, makes it read-only.
 * Returns the walk while it goes on in the background.
 */
function checkAtOpen(db: Database, path: string, options: OpenStoreOptions, report: OpenReport): IntegrityWalk | null {
  const check = options.check ?? 'walk';
  if (check === 'never') return null;
  const health = StoreHealth.of(db);
  const found = (reason: string): void => {
    if (options.onDamage === 'recover') throw new StoreError('DB_CORRUPT', reason);
    report.damage = reason;
    health.reportDamage(reason);
  };
  if (check === 'full') {
    const result = quickCheck(db);
    if (result !== null) {
      found(result);
      return null;
    }
  }
  const walk = new IntegrityWalk(path, options.nativeBinding ? { nativeBinding: options.nativeBinding } : {});
  const verdict = walk.runFor(check === 'full' ? Number.POSITIVE_INFINITY : (options.checkBudgetMs ?? DEFAULT_CHECK_BUDGET_MS));
  if (verdict?.state === 'damaged') found(`The database ${path} is damaged: ${verdict.reason}`);
  return walk;
}

function assemble(
  path: string,
  db: Database,
  report: OpenReport,
  options: OpenStoreOptions,
  now: () => number,
  walk: IntegrityWalk | null,
): Store {
  const clock = { now };
  const health = StoreHealth.of(db);
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
    // A read-only (damaged) file keeps its streaming rows as they are: the salvage at the next start marks them.
    if ((options.markInterrupted ?? true) && health.damage === null) {
      report.interruptedReplies = parts.conversations.markStreamingAsInterrupted();
    }
  } catch (error) {
    closeDatabase(db);
    throw error;
  }
  const checked: Promise<IntegrityVerdict> =
    walk === null
      ? Promise.resolve({ state: 'unknown', reason: 'the file was not checked at open' })
      : finishInBackground(walk, path, health);
  /** A backup copies pages as they are: one of a damaged file would be damaged too, and push a good one out. */
  const backup = async (reason: Extract<BackupReason, 'daily' | 'manual'>, keep: number): Promise<BackupInfo> => {
    health.assertWritable();
    try {
      return await backupDatabase(db, path, { reason, keep, now });
    } catch (error) {
      if (isStoreError(error, 'DB_CORRUPT')) health.reportDamage(error.message);
      throw error;
    }
  };
  return {
    file: path,
    ...parts,
    report,
    health,
    checked,
    listBackups: () => listBackups(path),
    backupNow: (reason = 'manual') => backup(reason, parts.settings.getAppSetting('backupsToKeep')),
    backupIfDue: async () => {
      await checked;
      if (health.damage !== null || !db.open) return null;
      const { dailyBackups, backupsToKeep } = parts.settings.getAppSettings();
      if (!dailyBackups || !isBackupDue(path, now())) return null;
      return backup('daily', backupsToKeep);
    },
    close: () => {
      walk?.stop();
      for (const part of Object.values(parts)) part.close();
      closeDatabase(db);
    },
  };
}

/** The rest of the walk, between event-loop turns; damage it finds makes the store read-only. */
async function finishInBackground(walk: IntegrityWalk, path: string, health: StoreHealth): Promise<IntegrityVerdict> {
  const verdict = await walk.finish();
  if (verdict.state === 'damaged') health.reportDamage(`The database ${path} is damaged: ${verdict.reason}`);
  return verdict;
}

/** `PRAGMA quick_check`: `null` when it passes, else what it found. */
function quickCheck(db: Database): string | null {
  let result: unknown;
  try {
    result = db.pragma('quick_check', { simple: true });
  } catch (error) {
    const failure = toStoreError(error, `check the database ${db.name}`);
    if (failure.code === 'DB_CORRUPT') return failure.message;
    throw failure;
  }
  return result === 'ok' ? null : `The database ${db.name} is damaged: ${String(result)}`;
}

/** Copy into the restored database what the damaged file has beyond it; a failure is reported, not thrown. */
function salvageInto(damagedFile: string, db: Database, options: OpenStoreOptions): SalvageReport {
  try {
    return salvage(damagedFile, db, options.nativeBinding ? { nativeBinding: options.nativeBinding } : {});
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { from: damagedFile, saved: 0, partlySaved: 0, lost: 0, messagesSaved: 0, messagesLost: 0, failure: reason };
  }
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
    return { reason, movedAside, restoredFrom: backup, skipped, salvage: null };
  }
  return { reason, movedAside, restoredFrom: null, skipped, salvage: null };
}
