import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { BackupInfo } from './backups';

/** Beside the database while an update of its schema runs: `<file>.migrating`. */
export const MIGRATION_JOURNAL_SUFFIX = '.migrating';

/** What the journal holds: the update under way, and how far it got. */
export interface MigrationJournalEntry {
  /** The schema version before the update began (its first attempt). */
  from: number;
  /** The version it brings the database to. */
  to: number;
  /** The backup taken before the update began, or `null` when none was taken. */
  backup: BackupInfo | null;
  /** When the update began (its first attempt), epoch ms. */
  startedAt: number;
  /** The step under way when the journal was last written; `null` before the first. */
  step: { version: number; name: string } | null;
  /** How far that step was (0..1) when the journal was last written; `null` when it had not said. */
  fraction: number | null;
  /** When the journal was last written, epoch ms. */
  updatedAt: number;
}

/** An update that a previous start began and did not finish (the app was killed, or the machine stopped). */
export type InterruptedMigration = Pick<MigrationJournalEntry, 'from' | 'to' | 'step' | 'fraction' | 'startedAt' | 'updatedAt'>;

/** The journal is written at most this often while a step reports progress (it is a small file, rewritten whole). */
const PROGRESS_WRITE_INTERVAL_MS = 1000;

/**
 * The journal of a schema update, so that the start after an interrupted one can say what happened and carry on.
 *
 * Each step of an update is one transaction, so a kill leaves the database at the last step that committed: nothing
 * of the user's is lost, and the step that was under way is done again from its beginning. The journal records which
 * step that was and how far it had got, for the words the next start shows ("Phi Desk was stopped while it updated
 * the database…"), and the backup taken before the update began: that backup still holds everything (only schema
 * steps ran since), so the next attempt keeps it instead of taking another — which would take as long again and, after
 * a few interrupted attempts, push the user's older backups out.
 *
 * Written under a temporary name and renamed (a torn journal reads as none), best effort: a journal that cannot be
 * written costs only those words, never the update.
 */
export class MigrationJournal {
  readonly file: string;
  #entry: MigrationJournalEntry | null = null;
  #lastWrite = 0;

  constructor(databaseFile: string) {
    this.file = `${databaseFile}${MIGRATION_JOURNAL_SUFFIX}`;
  }

  /** The journal an earlier start left, or `null` (none, or unreadable). */
  read(): MigrationJournalEntry | null {
    if (!existsSync(this.file)) return null;
    try {
      const entry = JSON.parse(readFileSync(this.file, 'utf8')) as MigrationJournalEntry;
      return Number.isInteger(entry.from) && Number.isInteger(entry.to) && typeof entry.startedAt === 'number' ? entry : null;
    } catch {
      return null;
    }
  }

  /** An update begins (or begins again after an interruption). */
  begin(entry: Omit<MigrationJournalEntry, 'step' | 'fraction' | 'updatedAt'>, now: number): void {
    this.#entry = { ...entry, step: null, fraction: null, updatedAt: now };
    this.#write();
  }

  /** A step begins. */
  step(step: { version: number; name: string }, now: number): void {
    if (!this.#entry) return;
    this.#entry = { ...this.#entry, step: { version: step.version, name: step.name }, fraction: 0, updatedAt: now };
    this.#write();
  }

  /** The step under way is this far; written at most once a second. */
  progress(fraction: number, now: number): void {
    if (!this.#entry) return;
    this.#entry = { ...this.#entry, fraction, updatedAt: now };
    if (now - this.#lastWrite >= PROGRESS_WRITE_INTERVAL_MS) this.#write();
  }

  /** The update is done (or the database it described was replaced): forget it. */
  clear(): void {
    this.#entry = null;
    rmSync(this.file, { force: true });
  }

  #write(): void {
    if (!this.#entry) return;
    this.#lastWrite = this.#entry.updatedAt;
    const temporary = `${this.file}.partial`;
    try {
      writeFileSync(temporary, `${JSON.stringify(this.#entry)}\n`);
      renameSync(temporary, this.file);
    } catch {
      // Best effort (see the class comment).
    }
  }
}

/** What the journal of an interrupted update says, for the report. */
export function interruptedFrom(entry: MigrationJournalEntry): InterruptedMigration {
  const { from, to, step, fraction, startedAt, updatedAt } = entry;
  return { from, to, step, fraction, startedAt, updatedAt };
}
