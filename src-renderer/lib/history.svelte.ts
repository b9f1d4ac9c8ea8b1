import { RpcError } from '../../src-main/common/contract';
import { exportFileName } from '../../src-main/common/export-file-name';
import { plural } from '../../src-main/common/plural';
import type { AppClient } from '../../src-main/common/app-rpc';
import type { MethodInput } from '../../src-main/common/schemas';
import type {
  AppInfo,
  HistoryExportResult,
  HistoryFormat,
  HistoryImportFailure,
  HistoryImportResult,
  HistoryProgress,
} from '../../src-main/common/types';
import { startDownload, uploadFile } from './history-upload';

/** Which conversations the dialog exports. */
export type ExportScope = NonNullable<MethodInput['history.export']['scope']>;

/** What the user chose in the dialog. */
export interface ExportChoice {
  format: HistoryFormat;
  scope: ExportScope;
  includeArchived: boolean;
  branches: 'shown' | 'all';
  /** One file per conversation, in a zip. */
  separate: boolean;
  /** The title of the one conversation exported, if one (for the file name). */
  title: string | null;
}

/** How the dialog was opened: on one conversation, on the selection, for everything, or to import dropped files. */
export type DialogStart =
  | { kind: 'export'; scope: ExportScope; title?: string | null }
  | { kind: 'import'; files?: File[] };

/** What is running now, and how far it is. */
export type TransferProgress =
  | { kind: 'export'; progress: HistoryProgress | null }
  | { kind: 'upload'; sent: number; total: number; file: string }
  | { kind: 'import'; progress: HistoryProgress | null };

/**
 * The window's side of export and import (`history.*`): the dialog's state, the running job with its progress, and
 * the outcome (or the failure) in words. The desktop app picks files with its native dialogs; the browser host
 * downloads exports and uploads files to import (a file input, or files dropped onto the window). One job at a time;
 * `cancel` stops it (an export leaves no file; an import keeps what it added).
 */
export class HistoryTransfer {
  /** `null` until `app.getInfo` has answered: the host (desktop or browser) and the data folder for a default path. */
  info = $state.raw<AppInfo | null>(null);
  /** The dialog is open, and how it was opened. */
  dialog = $state.raw<DialogStart | null>(null);
  running = $state.raw<TransferProgress | null>(null);
  /** The last job's outcome in words. */
  outcome = $state<string | null>(null);
  /** The conversations the last import could not add, with why. */
  failures = $state.raw<HistoryImportFailure[]>([]);
  /** The last job's failure in words. */
  error = $state<string | null>(null);
  /** The export failed because the file exists: the window offers to replace it. */
  fileExists = $state(false);

  readonly #client: AppClient;
  #abort: AbortController | null = null;

  constructor(client: AppClient) {
    this.#client = client;
  }

  /** Open the dialog (`start` says on what); files dropped onto the window are imported at once. */
  show(start: DialogStart): void {
    this.dialog = start;
    void this.load();
    if (start.kind === 'import' && start.files && start.files.length > 0) void this.importFiles(start.files);
  }

  close(): void {
    this.dialog = null;
  }

  /** Fetch the host facts once (the file dialog or downloads, and the default path). */
  async load(): Promise<void> {
    if (this.info) return;
    try {
      this.info = await this.#client.call('app.getInfo', {});
    } catch {
      // The dialog still works: the browser's way is assumed until it answers.
    }
  }

  /** True in the desktop app, which has native save and open dialogs; the browser host downloads and uploads. */
  get desktop(): boolean {
    return this.info?.host === 'electron';
  }

  /** The file name an export gets. */
  fileName(choice: ExportChoice): string {
    return exportFileName(choice.separate ? 'zip' : EXTENSIONS[choice.format], choice.title);
  }

  /** A default export path in the data folder, e.g. `<data>/phi-desk-history-2026-11-27.json`. */
  defaultExportPath(choice: ExportChoice): string {
    const folder = this.info?.dataDir ?? '';
    const separator = folder.includes('\\') && !folder.includes('/') ? '\\' : '/';
    return folder ? `${folder}${separator}${this.fileName(choice)}` : '';
  }

  /** The native save dialog's path, or `null` when cancelled (or failed: then `error` says why). */
  async chooseExportPath(choice: ExportChoice): Promise<string | null> {
    try {
      const format = choice.separate ? 'zip' : choice.format;
      const { path } = await this.#client.call('history.choosePath', { purpose: 'export', format, suggestedName: this.fileName(choice) });
      return path;
    } catch (error) {
      this.error = inWords(error);
      return null;
    }
  }

  /** The native open dialog's files (several may be chosen), or none when cancelled. */
  async chooseImportPaths(): Promise<string[]> {
    try {
      return (await this.#client.call('history.choosePath', { purpose: 'import' })).paths;
    } catch (error) {
      this.error = inWords(error);
      return [];
    }
  }

  /** Export to `path` (desktop), or as a browser download (`path` null); the outcome lands in `outcome` / `error`. */
  async exportAs(choice: ExportChoice, path: string | null, overwrite = false): Promise<void> {
    const params = {
      format: choice.format,
      scope: choice.scope,
      includeArchived: choice.includeArchived,
      branches: choice.branches,
      layout: choice.separate ? ('separate' as const) : ('combined' as const),
      ...(path === null ? { download: true as const } : { path, overwrite }),
    };
    const result = await this.#run({ kind: 'export', progress: null }, (signal) =>
      this.#client.call('history.export', params, {
        signal,
        onEvent: (progress) => (this.running = { kind: 'export', progress }),
      }),
    );
    if (!result) return;
    if (result.download) startDownload(result.download.url, result.download.fileName);
    this.outcome = exportOutcome(result);
  }

  /** Upload `files` to the browser host, then import them. */
  async importFiles(files: readonly File[]): Promise<void> {
    const result = await this.#run({ kind: 'upload', sent: 0, total: 0, file: files[0]?.name ?? '' }, async (signal) => {
      const total = files.reduce((sum, file) => sum + file.size, 0);
      const uploads: string[] = [];
      let before = 0;
      for (const file of files) {
        const uploaded = await uploadFile(file, (sent) => (this.running = { kind: 'upload', sent: before + sent, total, file: file.name }), signal);
        uploads.push(uploaded.id);
        before += file.size;
      }
      return this.#importCall({ uploads }, signal);
    });
    if (result) this.#importDone(result);
  }

  /** Import files on this computer (desktop, or a typed path). */
  async importPaths(paths: string[]): Promise<void> {
    const result = await this.#run({ kind: 'import', progress: null }, (signal) => this.#importCall({ paths }, signal));
    if (result) this.#importDone(result);
  }

  /** Stop the running job. */
  cancel(): void {
    this.#abort?.abort();
  }

  #importCall(params: MethodInput['history.import'], signal: AbortSignal): Promise<HistoryImportResult> {
    this.running = { kind: 'import', progress: null };
    return this.#client.call('history.import', params, { signal, onEvent: (progress) => (this.running = { kind: 'import', progress }) });
  }

  #importDone(result: HistoryImportResult): void {
    this.outcome = importOutcome(result);
    this.failures = result.failed;
  }

  async #run<T>(start: TransferProgress, call: (signal: AbortSignal) => Promise<T>): Promise<T | null> {
    if (this.running) return null;
    this.running = start;
    this.outcome = null;
    this.error = null;
    this.failures = [];
    this.fileExists = false;
    const abort = (this.#abort = new AbortController());
    try {
      return await call(abort.signal);
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

const EXTENSIONS: Record<HistoryFormat, 'json' | 'md' | 'html'> = { json: 'json', markdown: 'md', html: 'html' };

function exportOutcome(result: HistoryExportResult): string {
  const what = `${plural(result.conversations, 'conversation')} (${plural(result.messages, 'message')})`;
  const where = result.path === null ? `as ${result.fileName}: your browser saves it in its downloads` : `to ${result.path}`;
  const done = `Exported ${what} ${where}.`;
  const left = result.unreadable;
  if (left.length === 0) return done;
  // A rescue export from a damaged database: say which conversations are not in the file.
  const names = left.map(({ id, title }) => (title === null ? `one whose title cannot be read either (id ${id})` : `“${title}”`));
  return `${done} ${plural(left.length, 'conversation')} could not be read from the damaged database and ${
    left.length === 1 ? 'was' : 'were'
  } left out: ${names.join(', ')}.`;
}

function importOutcome(result: HistoryImportResult): string {
  const parts = [`Imported ${plural(result.imported, 'conversation')} (${plural(result.messages, 'message')})`];
  if (result.skipped > 0) parts.push(`${plural(result.skipped, 'conversation')} already here ${result.skipped === 1 ? 'was' : 'were'} skipped`);
  if (result.failed.length > 0) parts.push(`${plural(result.failed.length, 'conversation')} could not be imported (below)`);
  const omitted =
    result.omitted > 0
      ? ` ${plural(result.omitted, 'picture or file', 'pictures or files')} could not be brought over: the messages say “[image omitted]” where they were.`
      : '';
  return `${parts.join('; ')}.${omitted}`;
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
  if (error instanceof DOMException && error.name === 'AbortError') return 'Cancelled; nothing was imported.';
  return error instanceof Error ? error.message : String(error);
}
