/**
 * A backup taken while the app runs, on a worker thread of its own (started by backup-thread.ts; bundled for the
 * desktop app to dist/electron/backup-worker.js): the copy, then the rename into place and the pruning, as
 * `backupDatabase` does them, while the host's thread goes on answering the windows.
 *
 * The copy is SQLite's online backup API on a read-only connection of this thread's, inside one read transaction
 * held from the first step to the last. That transaction is the snapshot: in WAL mode the host goes on writing (each
 * write is after the snapshot and not in the copy), and the copy never restarts. Without it, every commit of the
 * host's connection — another connection, to SQLite — would restart the copy from its first page, and a copy of a
 * big file made while a reply streams might never finish. Steps of {@link STEP_BYTES} let the thread be ended between
 * them (the app quitting) without waiting for the whole file, and each commits the copy so far.
 *
 * It tells the host, in order: `copying` once the snapshot is held (before that, nothing is written: the host may
 * copy on its own thread instead, told `unavailable`), then `done` with the backup or `failed` with the StoreError
 * (the temporary file removed), and ends.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Sqlite from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import { completeBackup, discardBackup } from './backups';
import type { BackupInfo, BackupPlan } from './backups';
import type { StoreErrorCode } from './store-error';

/** What the host asks for: the backup planned on its thread (names, schema version, how many to keep). */
export interface BackupWorkerRequest {
  plan: BackupPlan;
  /** The better-sqlite3 addon the host loads (Electron's build in the desktop app). */
  nativeBinding?: string;
}

/** What the worker tells the host. */
export type BackupWorkerMessage =
  | { t: 'copying' }
  | { t: 'unavailable'; reason: string }
  | { t: 'done'; backup: BackupInfo }
  | { t: 'failed'; code: StoreErrorCode; message: string };

/** How much each step of the copy writes (and commits). */
const STEP_BYTES = 16 * 1024 * 1024;

const port = parentPort;
if (!port) throw new Error('backup-worker runs on a worker thread started by backup-thread.ts');
const send = (message: BackupWorkerMessage): void => port.postMessage(message);

await takeBackup(workerData as BackupWorkerRequest);

async function takeBackup({ plan, nativeBinding }: BackupWorkerRequest): Promise<void> {
  let db: Database;
  try {
    db = openSnapshot(plan.databaseFile, nativeBinding);
  } catch (error) {
    send({ t: 'unavailable', reason: error instanceof Error ? error.message : String(error) });
    return;
  }
  send({ t: 'copying' });
  try {
    await copyInSteps(db, plan.temporary);
    db.close();
    send({ t: 'done', backup: completeBackup(plan) });
  } catch (error) {
    if (db.open) db.close();
    const failure = discardBackup(plan, error);
    send({ t: 'failed', code: failure.code, message: failure.message });
  }
}

/** A read-only connection to `file` with a read transaction begun: the snapshot the backup holds. */
function openSnapshot(file: string, nativeBinding: string | undefined): Database {
  const db = new Sqlite(file, { readonly: true, fileMustExist: true, ...(nativeBinding ? { nativeBinding } : {}) });
  try {
    db.exec('BEGIN');
    // BEGIN is deferred: the first read takes the snapshot.
    db.prepare('SELECT count(*) FROM sqlite_schema').get();
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

async function copyInSteps(db: Database, target: string): Promise<void> {
  const pages = Math.max(1, Math.floor(STEP_BYTES / (db.pragma('page_size', { simple: true }) as number)));
  await db.backup(target, { progress: () => pages });
}
