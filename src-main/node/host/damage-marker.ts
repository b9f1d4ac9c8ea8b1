import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { isStoreError } from '../store/store-error';

/** Beside the database, written when damage is found while the app runs: the next start checks the whole file. */
export const CHECK_MARKER_SUFFIX = '.check-needed';

/**
 * Remembers, across a restart, that the database was found damaged while the app ran. The store checks the whole file
 * at open only after a crash (it is slow on a large file); damage found later would otherwise go unnoticed at the next
 * start. With the marker present, the next start checks the file (`check: 'always'`) and recovers from a backup.
 */
export class DamageMarker {
  readonly file: string;

  constructor(databaseFile: string) {
    this.file = `${databaseFile}${CHECK_MARKER_SUFFIX}`;
  }

  /** True when the last session found damage: open with a full check. */
  get pending(): boolean {
    return existsSync(this.file);
  }

  /** The check ran: forget the marker. */
  clear(): void {
    rmSync(this.file, { force: true });
  }

  /** Records a `DB_CORRUPT` failure; true the first time (tell the user then), false for anything else or again. */
  record(error: unknown): boolean {
    if (!isStoreError(error, 'DB_CORRUPT') || this.pending) return false;
    try {
      writeFileSync(this.file, `${new Date().toISOString()} ${error.message}\n`);
    } catch {
      // Best effort: the user is still told, and can restore a backup with `npm run restore`.
    }
    return true;
  }
}
