import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { BackupWorkerMessage, BackupWorkerRequest } from './backup-worker';
import type { BackupInfo, BackupPlan } from './backups';
import { StoreError } from './store-error';

/**
 * The host's side of a backup taken on a worker thread (backup-worker.ts): start the worker with the plan, wait for
 * its word, and make of it the same result or StoreError as a copy made here. The host's thread does nothing else
 * meanwhile: made here, in steps between event-loop turns, the copy of a big history held it up for 150–630 ms at a
 * time (the start-up benchmark's 1.5 GB file), and every window's requests with it.
 *
 * The worker is the TypeScript file from source (tests, `npm run serve`; started through worker-from-source.mjs,
 * which gives the thread tsx's loader), and `backup-worker.js` beside this module's bundle otherwise (the desktop
 * app's dist/electron/, the benchmark's bundles: see `bundleBackupWorker` in scripts/engine-worker-bundle.ts).
 */

export interface BackupThreadOptions {
  /** A better-sqlite3 addon built for this runtime's ABI (the desktop app's Electron build), for the worker too. */
  nativeBinding?: string;
  /** Stops the backup: the worker is ended (at its next step) and the backup fails with `DB_CLOSED`. */
  signal?: AbortSignal;
  /** The worker's script (a path); tests pass stand-ins. Default: backup-worker beside this module. */
  workerEntry?: string;
}

/** What became of a backup handed to a worker: taken, or not begun because the worker could not start (and why). */
export type WorkerBackup = { done: BackupInfo } | { notStarted: string };

// Paths, not `new URL('./…', import.meta.url)`: Vite rewrites that form into an asset's address in the tests that
// run in a browser-like environment (jsdom), where the worker could not be found.
const here = dirname(fileURLToPath(import.meta.url));
const DEFAULT_ENTRY = join(here, `backup-worker.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`);
const FROM_SOURCE = join(here, 'worker-from-source.mjs');

/**
 * Take the backup `plan` describes on a worker thread. Settles only once the worker has ended, so nothing is still
 * writing when the caller removes what it left. A worker that ends before it has read the database (it could not be
 * loaded, its addon or the file could not be opened) has written nothing: `notStarted`, and the caller copies here.
 * @throws StoreError what the worker's copy, rename or pruning failed with (its temporary file removed), `DB_ERROR`
 * when the worker died while copying, `DB_CLOSED` when `signal` stopped it.
 */
export function backupOnWorker(plan: BackupPlan, options: BackupThreadOptions = {}): Promise<WorkerBackup> {
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(closedWhileBackingUp(plan));
  const request: BackupWorkerRequest = { plan, ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}) };
  let worker: Worker;
  try {
    worker = startWorker(options.workerEntry ?? DEFAULT_ENTRY, request);
  } catch (error) {
    return Promise.resolve({ notStarted: errorText(error) });
  }
  return new Promise((resolve, reject) => {
    let copying = false;
    let result: BackupWorkerMessage | null = null;
    let crash: unknown = null;
    const stop = (): void => void worker.terminate();
    signal?.addEventListener('abort', stop, { once: true });
    worker.on('message', (message: BackupWorkerMessage) => {
      if (message.t === 'copying') copying = true;
      else result = message;
    });
    worker.on('error', (error) => (crash ??= error));
    worker.once('exit', (code) => {
      signal?.removeEventListener('abort', stop);
      const outcome = settle(plan, { copying, result, crash, code, stopped: signal?.aborted ?? false });
      if (outcome instanceof StoreError) reject(outcome);
      else resolve(outcome);
    });
  });
}

/** The worker, its request as `workerData`. It inherits no Node flags: the host's (vitest's, tsx's) are not its own. */
function startWorker(entry: string, request: BackupWorkerRequest): Worker {
  const options = { workerData: request, execArgv: [] };
  return entry.endsWith('.ts') ? new Worker(FROM_SOURCE, { ...options, argv: [pathToFileURL(entry).href] }) : new Worker(entry, options);
}

/** How a worker that has ended leaves the backup. */
function settle(
  plan: BackupPlan,
  ended: { copying: boolean; result: BackupWorkerMessage | null; crash: unknown; code: number; stopped: boolean },
): WorkerBackup | StoreError {
  const { result } = ended;
  if (result?.t === 'done') return { done: result.backup };
  if (result?.t === 'failed') return new StoreError(result.code, result.message);
  if (ended.stopped) return closedWhileBackingUp(plan);
  const why = result?.t === 'unavailable' ? result.reason : ended.crash !== null ? errorText(ended.crash) : `the thread exited with code ${ended.code}`;
  if (!ended.copying) return { notStarted: why };
  return new StoreError('DB_ERROR', `Could not back up ${plan.databaseFile} to ${plan.file}: its thread stopped (${why})`);
}

function closedWhileBackingUp(plan: BackupPlan): StoreError {
  return new StoreError('DB_CLOSED', `The store was closed while backing up ${plan.databaseFile} to ${plan.file}`);
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
