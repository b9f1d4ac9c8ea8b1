import type { IntegrityVerdict } from '../../store/integrity-walk';
import type { OpenProgress } from '../../store/open-progress';
import type { OpenStoreOptions, PreparedFile } from '../../store/open-store';

/**
 * What the app and the process that opens its store (store-process.ts) say to each other. The request goes as the
 * process's one argument (JSON, base64url: nothing in it needs quoting on any platform); the process answers with one
 * JSON message a line on its standard output, written synchronously, so each is out even while SQLite works.
 */

/** The store options that cross to the process (the clock and the callbacks stay here). */
export type StoreProcessOptions = Pick<
  OpenStoreOptions,
  'busyTimeoutMs' | 'check' | 'checkBudgetMs' | 'knownDamage' | 'backupsToKeep' | 'nativeBinding' | 'onDamage'
>;

export interface StoreProcessRequest {
  /** The database file (absolute). */
  file: string;
  options: StoreProcessOptions;
}

/** A message from the process, in the order they come. */
export type StoreProcessMessage =
  /**
   * First, before any long work: what the app can use at once. `modelPath`: the model chosen last time (it loads
   * while the store opens). `afterUnexpectedStop`: the database's log was left behind, so the last process to use
   * it did not close it (a crash, a kill, a power cut).
   */
  | { t: 'facts'; modelPath: string | null; afterUnexpectedStop: boolean }
  /** How far the work is (a few times a second at most). */
  | { t: 'progress'; progress: OpenProgress }
  /**
   * The file is recovered, up to date and checked for the budget: the app opens the store now. `check`: `none` (no
   * check: a recovered or unchecked file), `done` (it ended within the budget), `running` (it goes on here); with
   * `done` and `running` a `verdict` follows.
   */
  | { t: 'prepared'; report: PreparedFile['report']; check: 'none' | 'done' | 'running' }
  /** The check's verdict (after `prepared` with `check` `done` or `running`). */
  | { t: 'verdict'; verdict: IntegrityVerdict }
  /** The store cannot be opened: the store's error code (`DB_LOCKED`, `DB_TOO_NEW`…) and its message. */
  | { t: 'failed'; code: string | null; message: string };

export function encodeRequest(request: StoreProcessRequest): string {
  return Buffer.from(JSON.stringify(request)).toString('base64url');
}

export function decodeRequest(argument: string): StoreProcessRequest {
  return JSON.parse(Buffer.from(argument, 'base64url').toString('utf8')) as StoreProcessRequest;
}
