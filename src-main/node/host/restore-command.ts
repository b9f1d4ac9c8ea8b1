import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { formatBytes } from '../../common/byte-format';
import { describeSalvage, formatTime } from '../services/notice-board';
import { backupFolderFor, listBackups, restoreBackup, type BackupInfo } from '../store/backups';
import { IntegrityWalk } from '../store/integrity-walk';
import { closeDatabase, openDatabase } from '../store/open-database';
import { openStore } from '../store/open-store';
import { salvage } from '../store/salvage';
import { isStoreError } from '../store/store-error';
import { DATABASE_FILE } from './compose';
import { DamageMarker } from './damage-marker';
import { acquireInstanceLock } from './instance-lock';

/** What a run of the restore command printed, and its exit code. */
export interface CommandOutput {
  code: number;
  stdout: string[];
  stderr: string[];
}

export function restoreUsage(defaultData: string): string {
  return `Usage: npm run restore -- [--data <dir>] [--backup <file>|latest [--salvage|--no-salvage] | --rebuild-search]

Lists the backups of Phi Desk's conversation database, or puts one back in place of the database.
  --data <dir>       the data folder (default: ${defaultData})
  --backup <file>    the backup to restore: its path, its file name in the backups folder, or "latest"
  --salvage          also copy into the restored backup what the database it replaces has beyond it (done by
                     itself when that database is damaged)
  --no-salvage       restore the backup as it is, even over a damaged database
  --rebuild-search   rebuild the full-text search index from the messages and titles (if search misses things)
Without --backup the backups are listed, newest first. Phi Desk must not be running while a backup is restored;
the database it replaces is kept beside it (*.replaced-<time>), never deleted.`;
}

/**
 * The restore command (`npm run restore`), as a function of its arguments so it can be tested without a process:
 * list the backups, or restore one while holding the data folder's instance lock (so the app cannot be running).
 * Restoring over a damaged database (the app found it damaged, or the check finds it now) salvages: what the damaged
 * file still has beyond the backup is copied into it (see `salvage.ts`), and the output says how much.
 * Exit codes: 0 done, 1 failed (the message says why), 2 bad arguments.
 */
export function runRestoreCommand(argv: string[], defaultData: string): CommandOutput {
  const out: CommandOutput = { code: 0, stdout: [], stderr: [] };
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        data: { type: 'string' },
        backup: { type: 'string' },
        salvage: { type: 'boolean' },
        'no-salvage': { type: 'boolean' },
        'rebuild-search': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    return { ...out, code: 2, stderr: [`phi-desk restore: ${(error as Error).message}`, '', restoreUsage(defaultData)] };
  }
  if (values.help) return { ...out, stdout: [restoreUsage(defaultData)] };
  const dataDir = path.resolve(values.data ?? defaultData);
  const databaseFile = path.join(dataDir, DATABASE_FILE);
  if (values['rebuild-search']) {
    if (values.backup !== undefined) {
      return { ...out, code: 2, stderr: ['phi-desk restore: use --backup or --rebuild-search, not both', '', restoreUsage(defaultData)] };
    }
    return rebuildSearch(dataDir, databaseFile);
  }
  if (values.salvage && values['no-salvage']) {
    return { ...out, code: 2, stderr: ['phi-desk restore: use --salvage or --no-salvage, not both', '', restoreUsage(defaultData)] };
  }
  const backups = listBackups(databaseFile);

  if (values.backup === undefined) {
    if (backups.length === 0) {
      out.stdout.push(`There are no backups in ${backupFolderFor(databaseFile)}.`);
      return out;
    }
    out.stdout.push(`Backups of ${databaseFile}, newest first:`);
    for (const backup of backups) out.stdout.push(`  ${describeBackup(backup)}`);
    out.stdout.push('', `Restore one with: npm run restore -- --data "${dataDir}" --backup <file>|latest`);
    return out;
  }

  const chosen = chooseBackup(values.backup, backups, databaseFile);
  if (typeof chosen === 'string') return { ...out, code: 1, stderr: [`phi-desk restore: ${chosen}`] };
  let lock;
  try {
    lock = acquireInstanceLock(dataDir);
  } catch (error) {
    return { ...out, code: 1, stderr: [`phi-desk restore: ${(error as Error).message}`] };
  }
  try {
    const marker = new DamageMarker(databaseFile);
    const damage = existsSync(databaseFile) ? (marker.reason ?? damageFoundIn(databaseFile)) : null;
    const salvaging = values['no-salvage'] ? false : (values.salvage ?? false) || damage !== null;
    const report = restoreBackup(databaseFile, chosen.file);
    out.stdout.push(`Restored the backup taken ${formatTime(chosen.createdAt)} (${chosen.file}).`);
    const replaced = report.movedAside[0];
    if (replaced !== undefined) out.stdout.push(`The database it replaced was kept at ${replaced}.`);
    if (damage !== null) out.stdout.push(`That database was damaged: ${damage}`);
    if (salvaging && replaced !== undefined) out.stdout.push(salvageInto(databaseFile, replaced, damage !== null));
    // The damaged file is gone from its place: the next start has nothing to recover from.
    marker.clear();
    out.stdout.push('Start Phi Desk again to use it.');
    return out;
  } catch (error) {
    const message = isStoreError(error) || error instanceof Error ? error.message : String(error);
    return { ...out, code: 1, stderr: [`phi-desk restore: ${message}`] };
  } finally {
    lock.release();
  }
}

/** The damage the check at start would find in `file`, or `null` when it reads whole. */
function damageFoundIn(file: string): string | null {
  const verdict = new IntegrityWalk(file).runFor(Number.POSITIVE_INFINITY);
  return verdict?.state === 'damaged' ? verdict.reason : null;
}

/** Copy what the replaced database has beyond the restored backup into it (migrated first); the outcome in words. */
function salvageInto(databaseFile: string, replaced: string, damaged: boolean): string {
  const db = openDatabase(databaseFile);
  try {
    return describeSalvage(salvage(replaced, db), damaged ? 'the damaged database' : 'the replaced database');
  } finally {
    closeDatabase(db);
  }
}

/** `--rebuild-search`: rebuild both FTS5 indexes, holding the instance lock (the app must not be running). */
function rebuildSearch(dataDir: string, databaseFile: string): CommandOutput {
  if (!existsSync(databaseFile)) return { code: 1, stdout: [], stderr: [`phi-desk restore: There is no database at ${databaseFile}.`] };
  let lock;
  try {
    lock = acquireInstanceLock(dataDir);
  } catch (error) {
    return { code: 1, stdout: [], stderr: [`phi-desk restore: ${(error as Error).message}`] };
  }
  try {
    const store = openStore(databaseFile, { markInterrupted: false });
    try {
      const wasInStep = store.search.verifySearchIndex();
      store.search.rebuildSearchIndex();
      if (!store.search.verifySearchIndex()) throw new Error('the rebuilt search index still does not match the messages');
      return {
        code: 0,
        stdout: [
          wasInStep
            ? 'The search index was in step with the messages; rebuilt it anyway.'
            : 'The search index was out of step with the messages; rebuilt it.',
        ],
        stderr: [],
      };
    } finally {
      store.close();
    }
  } catch (error) {
    const message = isStoreError(error) || error instanceof Error ? error.message : String(error);
    return { code: 1, stdout: [], stderr: [`phi-desk restore: ${message}`] };
  } finally {
    lock.release();
  }
}

/** The backup named by `--backup`, or why there is none. */
function chooseBackup(name: string, backups: BackupInfo[], databaseFile: string): BackupInfo | string {
  if (name === 'latest') return backups[0] ?? `There are no backups in ${backupFolderFor(databaseFile)}.`;
  const wanted = path.resolve(backupFolderFor(databaseFile), name);
  const found = backups.find((backup) => backup.file === wanted);
  if (found) return found;
  if (existsSync(wanted)) {
    return `${wanted} is not a backup of this database (backups are in ${backupFolderFor(databaseFile)}).`;
  }
  return `There is no backup ${wanted}. List them with: npm run restore -- --data "${path.dirname(databaseFile)}"`;
}

function describeBackup(backup: BackupInfo): string {
  return `${formatTime(backup.createdAt)}  ${backup.reason.padEnd(13)} ${formatBytes(backup.bytes).padStart(9)}  ${backup.file}`;
}
