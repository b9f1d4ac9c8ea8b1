import { copyFileSync, existsSync, renameSync, statSync } from 'node:fs';
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
import { MigrationJournal } from './migration-journal';
import { closeDatabase, openDatabase } from './open-database';
import type { MigrationReport, OpenDatabaseOptions } from './open-database';
import type { OpenProgress } from './open-progress';
import { salvage, type SalvageReport } from './salvage';
import { SalvageJournal } from './salvage-journal';
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

/** How often a check run to its end before the store opens tells its progress. */
const CHECK_SLICE_MS = 100;

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
  /**
   * Told as the long parts of opening go (a recovery, the backup before an update, each step of the update, a
   * salvage, the check before the store opens), for a start-up that shows them; see `OpenProgress`.
   */
  onProgress?: (progress: OpenProgress) => void;
  /**
   * Told what the app's log should have though the user need not know: a daily or manual backup that had to be copied
   * on this thread because its worker could not start (see `backupDatabase`). Default: a Node process warning.
   */
  onWarning?: (message: string) => void;
  /**
   * The file was already prepared — recovered, migrated, checked for the budget — by {@link prepareStore}, in a
   * process of its own so the app kept answering: open it as it is, with what that preparation found.
   */
  prepared?: PreparedStore;
}

/** What {@link prepareStore} did to the file and found in it, before the store's parts are made. */
export interface PreparedStore {
  recovery: RecoveryReport | null;
  migration: MigrationReport | null;
  /** Damage the check found before the store opened (the store opens read-only then). */
  damage: string | null;
  /**
   * The rest of the check, run elsewhere (by whoever prepared the file): its verdict when it ends. Damage it finds
   * makes the store read-only, as with the check's own background part. Absent: no check runs after the open.
   */
  checked?: Promise<IntegrityVerdict>;
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
  /** The migrations that ran, the backup taken before them, and an earlier attempt that was interrupted. */
  migration: MigrationReport | null;
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
   * Take a backup now (online, on a worker thread: see `backupDatabase`), then keep the newest `backupsToKeep` (an
   * app setting). Closing the store stops it (`DB_CLOSED`, nothing left behind).
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
  const { prepared } = options;
  if (prepared) {
    // Already recovered and migrated elsewhere: open it as it is (a migration left pending would still run here).
    const db = openDatabase(path, databaseOptionsFor(options, now, () => undefined));
    const { recovery, migration, damage } = prepared;
    const report: OpenReport = { file: path, recovery, migration, damage, interruptedReplies: 0 };
    if (prepared.damage !== null) StoreHealth.of(db).reportDamage(prepared.damage);
    return assemble(path, db, report, options, now, prepared.checked ?? null);
  }
  const { db, report, walk } = prepareStore(path, options);
  return assemble(path, db, { file: path, ...report, interruptedReplies: 0 }, options, now, walk);
}

/** The database options for opening `path` with `options` (the backup before an update, progress). */
function databaseOptionsFor(
  options: OpenStoreOptions,
  now: () => number,
  onMigrated: (result: MigrationReport) => void,
): OpenDatabaseOptions {
  return { ...options, backupBeforeMigration: { keep: options.backupsToKeep ?? DEFAULT_BACKUPS_TO_KEEP, now }, onMigrated };
}

/** An open, migrated database and what was done to it; the check for damage goes on in `walk` if it is not done. */
export interface PreparedFile {
  db: Database;
  report: Omit<PreparedStore, 'checked'>;
  walk: IntegrityWalk | null;
}

/**
 * Everything {@link openStore} does before it makes the store's parts: recover the file (from earlier damage, an
 * unreadable file, or a recovery cut short), bring its schema up to date (after a backup), and check it for the
 * budget. Synchronous and long on a big history: the app runs it in a process of its own (see the host's store
 * opener), tells the user how far it is from `onProgress`, and then opens the store with {@link OpenStoreOptions.prepared}.
 * On success the caller owns `db` and `walk` (stop the walk when done with it).
 */
export function prepareStore(file: string, options: OpenStoreOptions = {}): PreparedFile {
  const path = resolve(file);
  const now = options.now ?? Date.now;
  const report: PreparedFile['report'] = { recovery: null, damage: null, migration: null };
  const databaseOptions = databaseOptionsFor(options, now, (result) => (report.migration = result));
  const journal = new SalvageJournal(path);
  // A recovery an earlier start began and did not finish: the database is the restored backup (or none yet, when no
  // backup was usable); the salvage is still to do.
  const unfinished = journal.read();
  const knownDamage = unfinished === null && options.knownDamage !== undefined && existsSync(path) ? options.knownDamage : null;

  let db: Database;
  try {
    db = openDatabase(path, databaseOptions);
    let walk: IntegrityWalk | null = null;
    try {
      if (unfinished !== null) {
        report.recovery = { ...unfinished, salvage: null };
        finishRecovery(report.recovery, db, journal, options);
        return { db, report, walk: null };
      }
      if (knownDamage !== null) throw new StoreError('DB_CORRUPT', knownDamage);
      if ((report.migration?.applied.length ?? 0) > 0) writeBackLog(db, options);
      walk = checkAtOpen(db, path, options, report);
      return { db, report, walk };
    } catch (error) {
      walk?.stop();
      closeDatabase(db);
      throw error;
    }
  } catch (error) {
    if (!isStoreError(error, 'DB_CORRUPT')) throw error;
    report.recovery = recover(path, error.message, now(), journal, options.onProgress);
    report.damage = null;
    db = openDatabase(path, databaseOptions);
    try {
      finishRecovery(report.recovery, db, journal, options);
    } catch (failure) {
      closeDatabase(db);
      throw failure;
    }
    return { db, report, walk: null };
  }
}

/** Salvage into the restored database what the damaged file (moved aside) still has; then the recovery is done. */
function finishRecovery(recovery: RecoveryReport, db: Database, journal: SalvageJournal, options: OpenStoreOptions): void {
  const damaged = recovery.movedAside.find((moved) => !moved.endsWith('-wal') && !moved.endsWith('-shm'));
  if (damaged !== undefined && existsSync(damaged)) recovery.salvage = salvageInto(damaged, db, options);
  writeBackLog(db, options);
  journal.clear();
}

/**
 * Move what an update or a salvage wrote from the log (WAL, hundreds of megabytes after an update of a big history)
 * into the file, and empty the log, before the store opens: otherwise a later commit in the app would be the one to do
 * it, holding the app up meanwhile. Failing to is no error (the log is moved back later).
 */
function writeBackLog(db: Database, options: OpenStoreOptions): void {
  options.onProgress?.({ step: 'write-back' });
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
  } catch {
    // Busy (a reader in another process): SQLite's own checkpoints do it later.
  }
}

/**
 * The check at open. Damage found before returning makes the store read-only ({@link OpenReport.damage}), or throws
 * `DB_CORRUPT` for `onDamage: 'recover'`; damage found by the rest of the walk, later, makes it read-only.
 * Returns the walk while it goes on in the background.
 */
function checkAtOpen(db: Database, path: string, options: OpenStoreOptions, report: PreparedFile['report']): IntegrityWalk | null {
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
  const budget = check === 'full' ? Number.POSITIVE_INFINITY : (options.checkBudgetMs ?? DEFAULT_CHECK_BUDGET_MS);
  const deadline = performance.now() + budget;
  let verdict: IntegrityVerdict | null = null;
  // In slices, so a watcher sees the progress of a long check (`full`, or a big budget).
  do {
    verdict = walk.runFor(Math.min(CHECK_SLICE_MS, Math.max(0, deadline - performance.now())));
    options.onProgress?.({ step: 'check', ...walk.progress });
  } while (verdict === null && performance.now() < deadline);
  if (verdict?.state === 'damaged') found(`The database ${path} is damaged: ${verdict.reason}`);
  return walk;
}

function assemble(
  path: string,
  db: Database,
  report: OpenReport,
  options: OpenStoreOptions,
  now: () => number,
  check: IntegrityWalk | Promise<IntegrityVerdict> | null,
): Store {
  const walk = check instanceof IntegrityWalk ? check : null;
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
    check === null
      ? Promise.resolve({ state: 'unknown', reason: 'the file was not checked at open' })
      : walk !== null
        ? finishInBackground(walk.finish(), path, health)
        : finishInBackground(check as Promise<IntegrityVerdict>, path, health);
  // Closing the store ends a backup under way on its worker (see backupDatabase), rather than leave it copying.
  const closing = new AbortController();
  const { nativeBinding, onWarning } = options;
  /** A backup copies pages as they are: one of a damaged file would be damaged too, and push a good one out. */
  const backup = async (reason: Extract<BackupReason, 'daily' | 'manual'>, keep: number): Promise<BackupInfo> => {
    health.assertWritable();
    try {
      return await backupDatabase(db, path, {
        reason,
        keep,
        now,
        signal: closing.signal,
        ...(nativeBinding ? { nativeBinding } : {}),
        ...(onWarning ? { onWarning } : {}),
      });
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
      closing.abort();
      for (const part of Object.values(parts)) part.close();
      closeDatabase(db);
    },
  };
}

/** The rest of the check (the walk between event-loop turns, or run elsewhere); damage it finds makes the store read-only. */
async function finishInBackground(rest: Promise<IntegrityVerdict>, path: string, health: StoreHealth): Promise<IntegrityVerdict> {
  const verdict = await rest.catch(
    (error: unknown): IntegrityVerdict => ({ state: 'unknown', reason: error instanceof Error ? error.message : String(error) }),
  );
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
  const { onProgress } = options;
  try {
    return salvage(damagedFile, db, {
      ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}),
      ...(onProgress ? { onProgress: (done: number, total: number | null) => onProgress({ step: 'salvage', done, total }) } : {}),
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { from: damagedFile, saved: 0, partlySaved: 0, lost: 0, messagesSaved: 0, messagesLost: 0, failure: reason };
  }
}

/**
 * Move the damaged database aside and put the newest usable backup in its place. The salvage journal records each
 * step first, so a start cut short here or in the salvage that follows is finished by the next one.
 */
function recover(
  path: string,
  reason: string,
  now: number,
  journal: SalvageJournal,
  onProgress: OpenStoreOptions['onProgress'],
): RecoveryReport {
  // The update an earlier start may have left half done was of the file going aside; the backup restored starts afresh.
  new MigrationJournal(path).clear();
  const movedAside = moveAside(path, 'corrupt', now);
  const skipped: RecoveryReport['skipped'] = [];
  journal.write({ reason, movedAside, restoredFrom: null, skipped });
  for (const backup of listBackups(path)) {
    onProgress?.({ step: 'check-backup', file: backup.file, bytes: backup.bytes });
    const check = checkBackup(backup.file);
    if (!check.ok) {
      skipped.push({ file: backup.file, reason: check.reason });
      continue;
    }
    try {
      const temporary = `${path}.restoring`;
      onProgress?.({ step: 'restore', file: temporary, bytes: statSync(backup.file).size });
      copyFileSync(backup.file, temporary);
      renameSync(temporary, path);
    } catch (error) {
      throw toStoreError(error, `restore ${backup.file} to ${path}`);
    }
    journal.write({ reason, movedAside, restoredFrom: backup, skipped });
    return { reason, movedAside, restoredFrom: backup, skipped, salvage: null };
  }
  journal.write({ reason, movedAside, restoredFrom: null, skipped });
  return { reason, movedAside, restoredFrom: null, skipped, salvage: null };
}
