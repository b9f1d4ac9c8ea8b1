import { accessSync, constants, mkdirSync } from 'node:fs';
import path from 'node:path';
import Sqlite from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import { StoreError, toStoreError } from '../store/store-error';

/** The lock file inside the data folder; an empty SQLite file whose only use is its lock. */
export const INSTANCE_LOCK_FILE = 'phi-desk.lock';

/** A held lock on a data folder. */
export interface InstanceLock {
  readonly file: string;
  /** Let another copy use the folder. Idempotent. */
  release(): void;
}

/**
 * Claims the data folder for this process, so two running copies (the desktop app and a `npm run serve`, or two
 * serves) never share one database: both would mark the other's live replies as interrupted. The lock is SQLite's
 * own file lock, held by an open `BEGIN EXCLUSIVE` on an empty file; the operating system drops it when the process
 * ends, however it ends, so a crash never leaves a stale lock behind.
 * @throws StoreError `DB_LOCKED` naming the folder when another copy holds it; `DB_UNWRITABLE` when the folder cannot
 * be created.
 */
export function acquireInstanceLock(dataDir: string, options: { nativeBinding?: string } = {}): InstanceLock {
  const folder = path.resolve(dataDir);
  const file = path.join(folder, INSTANCE_LOCK_FILE);
  try {
    mkdirSync(folder, { recursive: true });
    accessSync(folder, constants.W_OK);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new StoreError('DB_UNWRITABLE', `The folder ${folder} cannot be created or written (${reason})`, { cause: error });
  }
  let db: Database | undefined;
  try {
    db = new Sqlite(file, options.nativeBinding ? { timeout: 0, nativeBinding: options.nativeBinding } : { timeout: 0 });
    db.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    db?.close();
    const failure = toStoreError(error, `lock the data folder ${folder}`);
    if (failure.code !== 'DB_LOCKED') throw failure;
    throw new StoreError(
      'DB_LOCKED',
      `Another copy of Phi Desk is already running with the data folder ${folder} (the desktop app or npm run serve). ` +
        'Close it first, or use another data folder.',
      { cause: error },
    );
  }
  const held = db;
  return {
    file,
    release() {
      if (!held.open) return;
      try {
        held.exec('ROLLBACK');
      } finally {
        held.close();
      }
    },
  };
}
