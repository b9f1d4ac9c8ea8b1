import { RpcError } from '../../src-main/common/contract';
import { plural } from '../../src-main/common/plural';
import type { AppClient } from '../../src-main/common/app-rpc';
import type { AppInfo, HistoryExportResult, HistoryImportResult, HistoryProgress } from '../../src-main/common/types';
import { suggestedFileName, type ExportChoice } from './export-file-name';

/**
 * The window's side of export and import (`history.*`): the running job with its progress, and the outcome (or the
 * failure) in words. One job at a time; `cancel` stops it.
 */
export class HistoryTransfer {
  /** `null` until `app.getInfo` has answered: the host (desktop or browser) and the data folder for a default path. */
  info = $state.raw<AppInfo | null>(null);
  /** The job running now. */
  running = $state<'export' | 'import' | null>(null);
  progress = $state.raw<HistoryProgress | null>(null);
  /** The last job's outcome in words. */
  outcome = $state<string | null>(null);
  /** The last job's failure in words. */
  error = $state<string | null>(null);
  /** The export failed because the file exists: the window offers to replace it. */
  fileExists = $state(false);

  readonly #client: AppClient;
  #abort: AbortController | null = null;

  constructor(client: AppClient) {
    this.#client = client;
  }

  /** Fetch the host facts once (for the file dialog and the default path). */
  async load(): Promise<void> {
    if (this.info) return;
    try {
      this.info = await this.#client.call('app.getInfo', {});
    } catch {
      // The dialog still works with typed paths.
    }
  }

  /** True in the desktop app, which has native save and open dialogs. */
  get hasFileDialog(): boolean {
    return this.info?.host === 'electron';
  }

  /** A default export path in the data folder, e.g. `<data>/phi-desk-history-2026-11-27.json`. */
  defaultExportPath(choice: ExportChoice, title: string | null): string {
    const folder = this.info?.dataDir ?? '';
    const separator = folder.includes('\\') && !folder.includes('/') ? '\\' : '/';
    return folder ? `${folder}${separator}${suggestedFileName(choice, title)}` : '';
  }

  /** The native dialog's path, or `null` when cancelled or unavailable (then the typed path is used). */
  async choosePath(purpose: 'export' | 'import', choice: ExportChoice, title: string | null): Promise<string | null> {
    try {
      const format = choice === 'markdown' ? 'markdown' : 'json';
      const suggestedName = suggestedFileName(choice, title);
      const { path } = await this.#client.call(
        'history.choosePath',
        purpose === 'export' ? { purpose, format, suggestedName } : { purpose },
      );
      return path;
    } catch (error) {
      this.error = inWords(error);
      return null;
    }
  }

  /** Run `history.export`; the outcome or error lands in `outcome` / `error`. */
  async exportTo(path: string, choice: ExportChoice, conversationId: string | null, overwrite: boolean): Promise<void> {
    const one = choice !== 'all' && conversationId !== null ? { conversationId } : {};
    const format = choice === 'markdown' ? 'markdown' : 'json';
    const result = await this.#run('export', (onEvent, signal) =>
      this.#client.call('history.export', { path, format, overwrite, ...one }, { onEvent, signal }),
    );
    if (result) this.outcome = exportOutcome(result);
  }

  /** Run `history.import`; the outcome or error lands in `outcome` / `error`. */
  async importFrom(path: string): Promise<void> {
    const result = await this.#run('import', (onEvent, signal) =>
      this.#client.call('history.import', { path }, { onEvent, signal }),
    );
    if (result) this.outcome = importOutcome(result);
  }

  /** Stop the running job (an export leaves no file; an import keeps the conversations already added). */
  cancel(): void {
    this.#abort?.abort();
  }

  async #run<T>(
    kind: 'export' | 'import',
    call: (onEvent: (event: { done: number; total: number }) => void, signal: AbortSignal) => Promise<T>,
  ): Promise<T | null> {
    if (this.running) return null;
    this.running = kind;
    this.progress = null;
    this.outcome = null;
    this.error = null;
    this.fileExists = false;
    const abort = (this.#abort = new AbortController());
    try {
      return await call(({ done, total }) => (this.progress = { done, total }), abort.signal);
    } catch (error) {
      this.error = inWords(error);
      this.fileExists = error instanceof RpcError && reasonOf(error) === 'EXISTS';
      return null;
    } finally {
      this.running = null;
      this.#abort = null;
    }
  }
}

function exportOutcome(result: HistoryExportResult): string {
  const what = result.format === 'markdown' ? 'the conversation' : plural(result.conversations, 'conversation');
  const done = `Exported ${what} (${plural(result.messages, 'message')}) to ${result.path}.`;
  const left = result.unreadable;
  if (left.length === 0) return done;
  // A rescue export from a damaged database: say which conversations are not in the file.
  const names = left.map(({ id, title }) => (title === null ? `one whose title cannot be read either (id ${id})` : `“${title}”`));
  return `${done} ${plural(left.length, 'conversation')} could not be read from the damaged database and ${
    left.length === 1 ? 'was' : 'were'
  } left out: ${names.join(', ')}.`;
}

function importOutcome(result: HistoryImportResult): string {
  const added = `Imported ${plural(result.imported, 'conversation')} (${plural(result.messages, 'message')})`;
  const skipped = result.skipped > 0 ? `; ${plural(result.skipped, 'conversation')} already here ${result.skipped === 1 ? 'was' : 'were'} skipped` : '';
  return `${added}${skipped}.`;
}

function reasonOf(error: RpcError): unknown {
  const details = error.details;
  return typeof details === 'object' && details !== null && 'reason' in details ? details.reason : undefined;
}

/** A failure as a sentence: the service's own message, or the schema's issues for a refused path. */
function inWords(error: unknown): string {
  if (error instanceof RpcError) {
    if (error.code === 'BAD_REQUEST' && Array.isArray(error.details)) {
      return `That path cannot be used: it ${error.details.map((issue) => String(issue).replace(/^path: /, '')).join('; it ')}.`;
    }
    return error.message || 'Cancelled.';
  }
  return error instanceof Error ? error.message : String(error);
}
