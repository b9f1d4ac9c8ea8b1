import { RpcError, type HistoryProgressEvents } from '../../common/contract';
import { exportFileName } from '../../common/export-file-name';
import type { MethodParams } from '../../common/schemas';
import type { HistoryExportResult, HistoryImportResult, HistoryProgress } from '../../common/types';
import { AtomicFile } from '../history/atomic-file';
import { planExport, type ExportPlan, type ExportRequest } from '../history/export-plan';
import { writeExport } from '../history/export-writer';
import { importFiles } from '../history/import/importer';
import type { ImportFileRef } from '../history/import/import-sources';
import type { StagedFile, TransferArea } from '../history/transfers';
import type { HistoryStore } from '../store/history-store';

/** What a long call gets from the RPC layer: its cancel signal and its event stream. */
export interface HistoryCallContext {
  signal: AbortSignal;
  emit(event: HistoryProgressEvents): void;
}

/** The host's parts of export and import. */
export interface HistoryHostOptions {
  /**
   * The native save/open dialog (desktop app only): the path chosen (several for an import), or `null` when the user
   * cancelled. Without it `history.choosePath` fails with `NO_FILE_DIALOG`.
   */
  choosePath?: (request: MethodParams['history.choosePath']) => Promise<string | string[] | null>;
  /** The browser host's staging folder: exports to download, uploads to import. Without it, neither is offered. */
  transfers?: TransferArea;
}

export interface HistoryServiceOptions extends HistoryHostOptions {
  /** Written into every export. */
  appVersion: string;
  /** The clock, epoch ms (`exportedAt`). */
  now?: () => number;
  /** Told when an import added conversations. */
  onConversationsChanged?: () => void;
  /** The least time between two progress events; the first and last are always sent. */
  progressIntervalMs?: number;
  /** The most text one imported conversation may hold (tests); `MAX_CONVERSATION_CHARS` by default. */
  maxConversationChars?: number;
}

/**
 * Export and import of conversation history (`history.*`): the contract's side of `src-main/node/history/`. Exports
 * are streamed to a temporary file one conversation at a time and renamed into place at the end (or staged for a
 * download); imports are streamed from their files one conversation at a time, each in its own transaction. Both
 * yield to the event loop between conversations, so the app stays responsive and progress flows.
 */
export class HistoryService {
  readonly #history: HistoryStore;
  readonly #options: HistoryServiceOptions;

  constructor(stores: { history: HistoryStore }, options: HistoryServiceOptions) {
    this.#history = stores.history;
    this.#options = options;
  }

  /** `history.export`: see the contract. */
  async export(params: MethodParams['history.export'], context: HistoryCallContext): Promise<HistoryExportResult> {
    const request = exportRequest(params);
    const transfers = params.download ? this.#options.transfers : undefined;
    if (params.download && !transfers) {
      throw new RpcError('BAD_REQUEST', 'This window cannot download files; give the path of the file to write.', {
        reason: 'NO_DOWNLOAD',
      });
    }
    const plan = planExport(this.#history, request);
    const fileName = fileNameFor(plan, this.#now());
    const path = transfers ? transfers.downloadPath(fileName) : params.path!;
    let file: AtomicFile;
    try {
      file = await AtomicFile.create(path, { overwrite: params.overwrite ?? false });
    } catch (error) {
      if (transfers) await transfers.discardDownload(path);
      throw error;
    }
    try {
      const progress = this.#progress(context, plan.totalMessages, 'messages');
      const counts = await writeExport(this.#history, plan, file, {
        info: { exportedAt: this.#now(), appVersion: this.#options.appVersion, branches: request.branches },
        signal: context.signal,
        onProgress: (done, conversations, messages) => progress(done, conversations, messages),
      });
      const bytes = await file.commit();
      progress(plan.totalMessages, counts.conversations, counts.messages, true);
      const mediaType = request.separate ? 'application/zip' : plan.format.mediaType;
      const download = transfers ? { url: `/history/download/${transfers.publish(path, mediaType)}`, fileName } : null;
      return {
        path: transfers ? null : path,
        download,
        fileName,
        format: params.format,
        zipped: request.separate,
        ...counts,
        bytes,
      };
    } catch (error) {
      await file.discard();
      if (transfers) await transfers.discardDownload(path);
      throw error;
    }
  }

  /** The name an export with `params` gets (`Trip plans.md`, `phi-desk-history-2026-11-27.zip`), for the CLI. */
  suggestedFileName(params: Omit<MethodParams['history.export'], 'path' | 'download'>): string {
    return fileNameFor(planExport(this.#history, exportRequest(params)), this.#now());
  }

  /** `history.import`: see the contract. */
  async import(params: MethodParams['history.import'], context: HistoryCallContext): Promise<HistoryImportResult> {
    const staged: StagedFile[] = [];
    const transfers = this.#options.transfers;
    let imported = 0;
    try {
      let files: ImportFileRef[];
      if (params.uploads) {
        for (const id of params.uploads) {
          const upload = transfers?.takeUpload(id);
          if (!upload) {
            throw new RpcError('BAD_REQUEST', 'The uploaded file is no longer here (uploads are kept for an hour). Upload it again.', {
              reason: 'NOT_FOUND',
            });
          }
          staged.push(upload);
        }
        files = staged.map((upload) => ({ path: upload.path, label: upload.name }));
      } else {
        files = (params.paths ?? []).map((path) => ({ path }));
      }
      let progress: ((done: number, conversations: number, messages: number, force?: boolean) => void) | null = null;
      const result = await importFiles(
        this.#history,
        files,
        {
          signal: context.signal,
          now: this.#options.now ?? Date.now,
          onProgress: (done, total, conversations, messages) => {
            progress ??= this.#progress(context, total, 'bytes');
            imported = conversations;
            progress(done, conversations, messages, done === total);
          },
        },
        this.#options.maxConversationChars === undefined ? {} : { maxConversationChars: this.#options.maxConversationChars },
      );
      imported = result.imported;
      return result;
    } finally {
      if (imported > 0) this.#options.onConversationsChanged?.();
      for (const upload of staged) await transfers?.release(upload);
    }
  }

  #now(): number {
    return (this.#options.now ?? Date.now)();
  }

  /** `history.choosePath`: the native dialog's answer, or `BAD_REQUEST` (`NO_FILE_DIALOG`) where there is none. */
  async choosePath(params: MethodParams['history.choosePath']): Promise<{ path: string | null; paths: string[] }> {
    if (!this.#options.choosePath) {
      throw new RpcError('BAD_REQUEST', 'This window cannot show a file dialog.', { reason: 'NO_FILE_DIALOG' });
    }
    const chosen = await this.#options.choosePath(params);
    const paths = chosen === null ? [] : Array.isArray(chosen) ? chosen : [chosen];
    return { path: paths[0] ?? null, paths };
  }

  /**
   * A progress reporter: `{ done: 0, total }` at once, then at most one event per interval; `force` sends the last.
   * An event repeats only when something moved.
   */
  #progress(
    context: HistoryCallContext,
    total: number,
    unit: HistoryProgress['unit'],
  ): (done: number, conversations: number, messages: number, force?: boolean) => void {
    const interval = this.#options.progressIntervalMs ?? 100;
    let last = Date.now();
    let sent = { done: 0, conversations: 0, messages: 0 };
    context.emit({ type: 'onProgress', done: 0, total, unit, conversations: 0, messages: 0 });
    return (done, conversations, messages, force = false) => {
      const now = Date.now();
      const moved = done !== sent.done || conversations !== sent.conversations || messages !== sent.messages;
      if (!moved || (!force && now - last < interval)) return;
      last = now;
      sent = { done, conversations, messages };
      context.emit({ type: 'onProgress', done, total, unit, conversations, messages });
    };
  }
}

function exportRequest(params: Omit<MethodParams['history.export'], 'path' | 'download'>): ExportRequest {
  return {
    format: params.format,
    selection: params.scope ?? { kind: 'all' },
    includeArchived: params.includeArchived ?? true,
    branches: params.branches ?? 'shown',
    separate: params.layout === 'separate',
  };
}

/** A conversation's title for an export of the one named, else a dated name; `.zip` for one file per conversation. */
function fileNameFor(plan: ExportPlan, now: number): string {
  const named = plan.request.selection.kind === 'conversations' && plan.entries.length === 1;
  const only = named ? (plan.entries[0]?.title ?? null) : null;
  return exportFileName(plan.request.separate ? 'zip' : plan.format.extension, only, now);
}
