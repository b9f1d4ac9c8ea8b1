import type { InterruptedMigration } from './migration-journal';
import type { MigrationProgress } from './migrations';

/**
 * What opening the store is doing, told as it goes, for a start-up that shows it (`OpenStoreOptions.onProgress`).
 * The store says what it does and how far; the host puts it in words for the user.
 */
export type OpenProgress =
  /**
   * A file is being written by one long SQLite statement that says nothing meanwhile (`VACUUM INTO` for the backup
   * before an update; the copy of a backup being restored): how far it is can be seen by the file's size growing
   * towards `bytes`. A watcher may read the size of `file` until the next event.
   */
  | { step: 'backup' | 'restore'; file: string; bytes: number }
  /** A backup is being checked (`quick_check`) before it is restored after damage: one statement, no progress. */
  | { step: 'check-backup'; file: string; bytes: number }
  /**
   * A step of a schema update begins (`progress: null`) or goes on. `interrupted`: a previous start began this
   * update and was stopped; the step under way then is done again from its beginning.
   */
  | {
      step: 'migrate';
      version: number;
      name: string;
      /** This step's place among the pending ones, from 0, and how many there are. */
      index: number;
      count: number;
      progress: MigrationProgress | null;
      interrupted: InterruptedMigration | null;
    }
  /**
   * What an update or a salvage wrote is being moved from the database's log (its WAL) into the file itself: one
   * statement, no progress (as long as writing that much takes).
   */
  | { step: 'write-back' }
  /** Copying from a damaged file what it still has into the restored database: messages read so far of about `total`. */
  | { step: 'salvage'; done: number; total: number | null }
  /** The check for damage (see integrity-walk.ts): bytes read of about `total`. */
  | { step: 'check'; done: number; total: number };
