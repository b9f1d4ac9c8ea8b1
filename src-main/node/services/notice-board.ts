import type { AppNotice } from '../../common/types';
import type { OpenReport } from '../store/open-store';

/**
 * Things the user must be told once: kept until a window dismisses them, and pushed to every window as they arrive.
 * Notices live for the running session only; each comes from something that happened in it (opening the database,
 * a failed backup).
 */
export class NoticeBoard {
  readonly #notices = new Map<string, AppNotice>();
  readonly #onNotice: (notice: AppNotice) => void;

  constructor(onNotice: (notice: AppNotice) => void = () => {}) {
    this.#onNotice = onNotice;
  }

  /** Every notice not yet dismissed, oldest first. */
  list(): AppNotice[] {
    return [...this.#notices.values()];
  }

  /** Add (or replace, by id) a notice and tell every window. */
  add(notice: AppNotice): void {
    this.#notices.delete(notice.id);
    this.#notices.set(notice.id, notice);
    this.#onNotice(notice);
  }

  /** Forget a notice. Dismissing one that is already gone (another window did) is not an error. */
  dismiss(id: string): null {
    this.#notices.delete(id);
    return null;
  }
}

/** The notices the store's open report calls for: a recovered database, and replies cut short by a crash. */
export function noticesFromOpenReport(report: OpenReport): AppNotice[] {
  const notices: AppNotice[] = [];
  const { recovery } = report;
  if (recovery) {
    const kept = recovery.movedAside[0] ?? `${report.file}.corrupt-…`;
    const backup = recovery.restoredFrom;
    notices.push(
      backup
        ? {
            id: 'database-recovered',
            level: 'warning',
            text:
              `The conversation database was damaged, so Phi Desk restored the backup taken ${formatTime(backup.createdAt)} ` +
              `(${backup.file}). Conversations from after that backup are missing. The damaged file was kept at ${kept}.`,
          }
        : {
            id: 'database-recovered',
            level: 'error',
            text:
              'The conversation database was damaged and no usable backup was found, so Phi Desk started with an empty ' +
              `one. The damaged file was kept at ${kept}; a recovery tool may still get conversations out of it.`,
          },
    );
  }
  if (report.interruptedReplies > 0) {
    const n = report.interruptedReplies;
    notices.push({
      id: 'replies-interrupted',
      level: 'info',
      text: `${n === 1 ? '1 reply was' : `${n} replies were`} interrupted when Phi Desk last stopped unexpectedly; ${
        n === 1 ? 'it keeps' : 'they keep'
      } the text written before that.`,
    });
  }
  return notices;
}

/** Damage found while the app runs (a `DB_CORRUPT` from a call): what to do about it. */
export const DATABASE_DAMAGED_NOTICE: AppNotice = {
  id: 'database-damaged',
  level: 'error',
  text:
    'The conversation database is damaged. Quit and start Phi Desk again: it will check the file and, if needed, ' +
    'restore the newest backup (the damaged file is kept).',
};

/** The daily backup failed (disk full, folder not writable); the next check tries again. */
export function backupFailedNotice(error: unknown): AppNotice {
  const reason = error instanceof Error ? error.message : String(error);
  return { id: 'backup-failed', level: 'warning', text: `The daily backup of your conversations failed: ${reason}` };
}

/** `2025-05-01 12:00 UTC`: unambiguous, and the same in every locale. */
export function formatTime(epochMs: number): string {
  return `${new Date(epochMs).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
