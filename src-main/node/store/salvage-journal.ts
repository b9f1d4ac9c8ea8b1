import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { BackupInfo } from './backups';

/** Beside the database from the moment a damaged file is moved aside until the salvage from it is done. */
export const SALVAGE_JOURNAL_SUFFIX = '.salvaging';

/** A recovery under way: why, where the damaged file went, and which backup took its place. */
export interface SalvageJournalEntry {
  reason: string;
  movedAside: string[];
  restoredFrom: BackupInfo | null;
  skipped: Array<{ file: string; reason: string }>;
}

/**
 * The journal of a recovery from damage (see `openStore`): the damaged file is moved aside, a backup restored in its
 * place, and what the damaged file still has salvaged into it, which on a big file takes a while. A start that is
 * stopped in between (killed, or the machine went down) leaves the restored backup as the database and the damaged
 * file beside it; without this journal the next start would know neither that the salvage is still to do nor which
 * file to salvage from. With it, the next start salvages from the right file and says what happened, once.
 *
 * Written under a temporary name and renamed, so a torn journal reads as none.
 */
export class SalvageJournal {
  readonly file: string;

  constructor(databaseFile: string) {
    this.file = `${databaseFile}${SALVAGE_JOURNAL_SUFFIX}`;
  }

  /** The recovery an earlier start left unfinished, or `null`. */
  read(): SalvageJournalEntry | null {
    if (!existsSync(this.file)) return null;
    try {
      const entry = JSON.parse(readFileSync(this.file, 'utf8')) as SalvageJournalEntry;
      return typeof entry.reason === 'string' && Array.isArray(entry.movedAside) ? entry : null;
    } catch {
      return null;
    }
  }

  /**
   * Record the recovery so far. Not best effort: a recovery that could not remember where the damaged file went must
   * not go on (the caller's error stops the start, and the damaged file stays where the user can find it).
   */
  write(entry: SalvageJournalEntry): void {
    const temporary = `${this.file}.partial`;
    writeFileSync(temporary, `${JSON.stringify(entry)}\n`);
    renameSync(temporary, this.file);
  }

  clear(): void {
    rmSync(this.file, { force: true });
  }
}
