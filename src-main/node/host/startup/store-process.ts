/**
 * The process that opens the store while the app starts (see store-opener.ts): recovery, the backup before an
 * update, the update's steps, a salvage, the check for damage. Each can run for minutes on a big history, in SQLite
 * statements that cannot be split or stopped; here they cannot keep the app from answering, and stopping the app
 * stops them at once (a kill: each step is one transaction, so it is undone and the next start does it again).
 *
 * Started by the app (`child_process` from the browser host and the tests, an Electron utility process in the desktop
 * app, bundled to dist/electron/store-process.js) with its request as the one argument. It reports on stdout (see
 * store-process-protocol.ts), closes the database once it is ready for the app, goes on with the check for damage in
 * the background on a read-only connection of its own, reports its verdict and exits.
 *
 * If the app dies, this process finishes the step under way (it cannot be interrupted), and leaves at its next report.
 */
import { existsSync, statSync, writeSync } from 'node:fs';
import Sqlite from 'better-sqlite3';
import { closeDatabase } from '../../store/open-database';
import type { OpenProgress } from '../../store/open-progress';
import { prepareStore } from '../../store/open-store';
import { peekAppSetting } from '../../store/settings-store';
import { isStoreError } from '../../store/store-error';
import { decodeRequest, type StoreProcessMessage } from './store-process-protocol';

/** Progress goes out at most this often; a new step at once. */
const PROGRESS_INTERVAL_MS = 100;

/** The background check reports after each slice of this long. */
const CHECK_SLICE_MS = 100;

/** One message, written synchronously (a pipe write that waits for nothing but the pipe). Throws once the app is gone. */
function send(message: StoreProcessMessage): void {
  writeSync(1, `${JSON.stringify(message)}\n`);
}

// Ctrl+C in a terminal signals the whole process group: the app decides when this process ends.
process.on('SIGINT', () => undefined);

const { file, options } = decodeRequest(process.argv[2] ?? '');
let lastProgress = 0;
let lastStep = '';
const report = (progress: OpenProgress): void => {
  const step = progress.step === 'migrate' ? `migrate:${progress.version}` : progress.step;
  const now = performance.now();
  if (step === lastStep && now - lastProgress < PROGRESS_INTERVAL_MS) return;
  lastStep = step;
  lastProgress = now;
  send({ t: 'progress', progress });
};

try {
  sendEarlyFacts(file, options.nativeBinding);
  const prepared = prepareStore(file, { ...options, markInterrupted: false, onProgress: report });
  closeDatabase(prepared.db);
  const { walk } = prepared;
  send({ t: 'prepared', report: prepared.report, check: walk === null ? 'none' : walk.verdict === null ? 'running' : 'done' });
  if (walk) {
    let verdict = walk.verdict;
    while (verdict === null) {
      verdict = walk.runFor(CHECK_SLICE_MS);
      send({ t: 'progress', progress: { step: 'check', ...walk.progress } });
    }
    send({ t: 'verdict', verdict });
  }
  process.exit(0);
} catch (error) {
  try {
    send({ t: 'failed', code: isStoreError(error) ? error.code : null, message: error instanceof Error ? error.message : String(error) });
  } catch {
    // The app is gone.
  }
  process.exit(1);
}

/**
 * Send what the app can use before any long work: the model chosen last time, and whether the database's log was
 * left behind (the last process to use it did not close it). Read on a connection of its own, closed only after the
 * message is out (closing may have a log to write back). A file that cannot be read yet gives nothing: no file yet
 * (first run), or one the preparation recovers.
 */
function sendEarlyFacts(path: string, nativeBinding: string | undefined): void {
  const wal = `${path}-wal`;
  const afterUnexpectedStop = existsSync(wal) && statSync(wal).size > 0;
  let db: Sqlite.Database | null = null;
  try {
    db = new Sqlite(path, { fileMustExist: true, ...(nativeBinding ? { nativeBinding } : {}) });
  } catch {
    db = null;
  }
  send({ t: 'facts', modelPath: db === null ? null : peekAppSetting(db, 'modelPath'), afterUnexpectedStop });
  try {
    db?.close();
  } catch {
    // The preparation opens the file again and says what is wrong with it.
  }
}
