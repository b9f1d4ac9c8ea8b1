import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

/** Beside the database, written when damage is found while the app runs: the next start recovers. */
export const CHECK_MARKER_SUFFIX = '.check-needed';

/**
 * Remembers, across a restart, that the database was found damaged while the app ran (by the check at start, by the
 * rest of it in the background, or by a read that failed). That session keeps the file read-only; the next start
 * sees the marker and recovers at once (`openStore`'s `knownDamage`): it restores the newest backup and salvages
 * into it what the damaged file still has.
 */
export class DamageMarker {
  readonly file: string;

  constructor(databaseFile: string) {
    this.file = `${databaseFile}${CHECK_MARKER_SUFFIX}`;
  }

  /** True when a session found damage that has not been recovered from yet. */
  get pending(): boolean {
    return existsSync(this.file);
  }

  /** What was found, as recorded (`null` when not pending). */
  get reason(): string | null {
    try {
      const [, ...reason] = readFileSync(this.file, 'utf8').trimEnd().split(' ');
      return reason.join(' ') || 'the database was found damaged in an earlier session';
    } catch {
      return null;
    }
  }

  /** The damage was recovered from (or the file replaced): forget it. */
  clear(): void {
    rmSync(this.file, { force: true });
  }

  /** Records damage found now; true the first time (tell the user then), false when already recorded. */
  record(reason: string): boolean {
    if (this.pending) return false;
    try {
      writeFileSync(this.file, `${new Date().toISOString()} ${reason}\n`);
    } catch {
      // Best effort: the user is still told, and can restore a backup with `npm run restore`.
    }
    return true;
  }
}
