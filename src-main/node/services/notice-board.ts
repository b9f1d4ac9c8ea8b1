import type { AppNotice } from '../../common/types';
import type { InterruptedMigration } from '../store/migration-journal';
import type { OpenReport } from '../store/open-store';
import type { SalvageReport } from '../store/salvage';

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
    const salvaged = recovery.salvage ? describeSalvage(recovery.salvage) : 'Conversations from after that backup are missing.';
    notices.push(
      backup
        ? {
            id: 'database-recovered',
            level: 'warning',
            text:
              `The conversation database was damaged, so Phi Desk restored the backup taken ${formatTime(backup.createdAt)} ` +
              `(${backup.file}). ${salvaged} The damaged file was kept at ${kept}.`,
          }
        : {
            id: 'database-recovered',
            level: 'error',
            text:
              'The conversation database was damaged and no usable backup was found, so Phi Desk started a new one. ' +
              `${recovery.salvage ? describeSalvage(recovery.salvage) : ''} The damaged file was kept at ${kept}; a ` +
              'recovery tool may still get more out of it.',
          },
    );
  }
  const interrupted = report.migration?.interrupted;
  if (interrupted) {
    const backup = report.migration?.backup;
    notices.push({
      id: 'update-interrupted',
      level: 'info',
      text:
        `${interruptedUpdateStory(interrupted)} Nothing was lost: the update went on from that step, which started ` +
        `again from its beginning, and is now finished.${backup ? ` The backup taken before it is kept (${backup.file}).` : ''}`,
    });
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

/** What happened to an update an earlier start did not finish, in words: "Phi Desk was stopped … (step 005, …)". */
export function interruptedUpdateStory(interrupted: InterruptedMigration): string {
  const step = interrupted.step;
  const done = interrupted.fraction === null ? '' : `, ${Math.floor(interrupted.fraction * 100)}% done`;
  const where = step === null ? '' : ` (step ${String(step.version).padStart(3, '0')}, ${step.name.replaceAll('-', ' ')}${done})`;
  return `Phi Desk was stopped last time while it updated the conversation database${where}.`;
}

/**
 * What a salvage saved and what it could not, in words (the window's notice and the output of `npm run restore`).
 * `source` names the file it read.
 */
export function describeSalvage(salvage: SalvageReport, source = 'the damaged file'): string {
  if (salvage.failure !== null) return `Nothing could be copied from ${source} (${salvage.failure}).`;
  const savedCount = salvage.saved + salvage.partlySaved;
  const saved =
    savedCount === 0
      ? `Nothing in ${source} that could be read was newer than the backup or missing from it.`
      : `Saved from ${source}: ${count(savedCount, 'conversation')} written or changed after the backup ` +
        `(${count(salvage.messagesSaved, 'message')})${salvage.partlySaved > 0 ? `, ${salvage.partlySaved} of them only in part` : ''}.`;
  if (salvageLostNothing(salvage)) return saved;
  const lost = [
    salvage.lost > 0 ? count(salvage.lost, 'conversation') : null,
    salvage.messagesLost > 0 ? count(salvage.messagesLost, 'message') : null,
  ].filter((part) => part !== null);
  if (lost.length === 0) return saved;
  const verb = salvage.lost + salvage.messagesLost === 1 ? 'was' : 'were';
  return `${saved} ${lost.join(' and ')} could not be read from it and ${verb} not saved.`;
}

/** True when the salvage met nothing it could not read. */
function salvageLostNothing(salvage: SalvageReport): boolean {
  return salvage.failure === null && salvage.lost === 0 && salvage.partlySaved === 0 && salvage.messagesLost === 0;
}

function count(n: number, noun: string): string {
  return `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;
}

/**
 * The database is known to be damaged (found by the check at start, by the rest of it in the background, or by a read
 * that failed): the store is read-only for this session, and the next start recovers.
 */
export const DATABASE_DAMAGED_NOTICE: AppNotice = {
  id: 'database-damaged',
  level: 'error',
  text:
    'The conversation database is damaged, so Phi Desk is keeping it read-only: you can still read and export your ' +
    'conversations, but new messages and changes cannot be saved. Export what you need (Export all… in the sidebar), then ' +
    'quit and start Phi Desk again: it will restore the newest backup and copy into it every conversation that can ' +
    'still be read from the damaged file (which is kept).',
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
