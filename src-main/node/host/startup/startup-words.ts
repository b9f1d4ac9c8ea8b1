import type { StartupStep } from '../../../common/types';
import { interruptedUpdateStory } from '../../services/notice-board';
import type { InterruptedMigration } from '../../store/migration-journal';
import type { OpenProgress } from '../../store/open-progress';

/**
 * What the start-up panel says for each piece of work the store reports (see `OpenProgress`): plain words, counts
 * with thousands separators, and what the user should know about an earlier start that was cut short.
 */

/** The step before the store has said anything (the process that opens it is starting, or the file is being read). */
export const OPENING_TEXT = 'Opening your conversations…';

/** What the words of the check say, with or without the unexpected stop that left the database's log behind. */
export function checkText(afterUnexpectedStop: boolean): string {
  return afterUnexpectedStop
    ? 'Checking your conversation database after an unexpected stop…'
    : 'Checking your conversation database for damage…';
}

/** The kind and words of a reported piece of work (the fraction is worked out by the tracker). */
export function describeProgress(progress: OpenProgress, afterUnexpectedStop: boolean): Pick<StartupStep, 'kind' | 'text'> {
  switch (progress.step) {
    case 'backup':
      return { kind: 'backup', text: 'Backing up your conversations before the update…' };
    case 'check-backup':
      return { kind: 'recover', text: 'Checking the newest backup before restoring it…' };
    case 'restore':
      return { kind: 'recover', text: 'Restoring the newest good backup…' };
    case 'migrate': {
      const count = progress.progress?.count;
      if (count) return { kind: 'migrate', text: `Updating the database: ${number(count.done)} of ${number(count.total)} messages` };
      const activity = progress.progress?.activity;
      if (activity) return { kind: 'migrate', text: `Updating the database: ${activity}…` };
      return { kind: 'migrate', text: `Updating the database (step ${progress.index + 1} of ${progress.count})…` };
    }
    case 'write-back':
      return { kind: 'open', text: 'Saving the changes into the database…' };
    case 'salvage':
      return {
        kind: 'salvage',
        text:
          progress.total === null
            ? `Copying what can still be read from the damaged database: ${number(progress.done)} messages`
            : `Copying what can still be read from the damaged database: ${number(progress.done)} of about ${number(progress.total)} messages`,
      };
    case 'check':
      return { kind: 'check', text: checkText(afterUnexpectedStop) };
  }
}

/** The note for an update an earlier start began and did not finish (shown while it goes on). */
export function interruptedUpdateNote(interrupted: InterruptedMigration): string {
  return (
    `${interruptedUpdateStory(interrupted)} Nothing was lost: the steps finished then are kept, and the one under ` +
    'way starts again from its beginning.'
  );
}

/** The note for a start that recovers from damage found last time (or finishes a recovery cut short). */
export const RECOVERY_NOTE =
  'The conversation database was found damaged. Phi Desk is restoring the newest good backup and copying into it ' +
  'everything the damaged file still has; the damaged file is kept.';

function number(n: number): string {
  return n.toLocaleString('en-US');
}
