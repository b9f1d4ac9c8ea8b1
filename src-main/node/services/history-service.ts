import { setImmediate as yieldToEvents } from 'node:timers/promises';
import { RpcError, type HistoryProgressEvents } from '../../common/contract';
import type { MethodParams } from '../../common/schemas';
import type { HistoryExportResult, HistoryImportResult } from '../../common/types';
import type { ConversationStore } from '../store/conversation-store';
import { EXPORT_FORMAT, EXPORT_VERSION } from '../store/history-schema';
import type { HistoryStore } from '../store/history-store';
import { isStoreError } from '../store/store-error';
import { AtomicTextFile } from './history-file';
import { markdownHeader, markdownMessage } from './history-markdown';
import { MAX_IMPORT_BYTES, readExportFile } from './history-read';

/** What a long call gets from the RPC layer: its cancel signal and its event stream. */
export interface HistoryCallContext {
  signal: AbortSignal;
  emit(event: HistoryProgressEvents): void;
}

/** The host's parts of export and import. */
export interface HistoryHostOptions {
  /** The native save/open dialog (desktop app only); without it `history.choosePath` fails with `NO_FILE_DIALOG`. */
  choosePath?: (request: MethodParams['history.choosePath']) => Promise<string | null>;
}

export interface HistoryServiceOptions extends HistoryHostOptions {
  /** Written into every export. */
  appVersion: string;
  /** The clock, epoch ms (`exportedAt`). */
  now?: () => number;
  /** Told when an import added conversations. */
  onConversationsChanged?: () => void;
  /** The largest import file; {@link MAX_IMPORT_BYTES} by default. */
  maxImportBytes?: number;
  /** The least time between two progress events; the first and last are always sent. */
  progressIntervalMs?: number;
}

/**
 * Export and import of conversation history (`history.*`). Exports are streamed to a temporary file one conversation
 * at a time (never the whole history in memory) and renamed into place at the end; imports are checked in full
 * before the first conversation is added, then added one conversation per transaction, with new ids, skipping those
 * already here. Both yield to the event loop between conversations, so the app stays responsive and progress flows.
 */
export class HistoryService {
  readonly #history: HistoryStore;
  readonly #conversations: ConversationStore;
  readonly #options: HistoryServiceOptions;

  constructor(stores: { history: HistoryStore; conversations: ConversationStore }, options: HistoryServiceOptions) {
    this.#history = stores.history;
    this.#conversations = stores.conversations;
    this.#options = options;
  }

  /** `history.export`: see the contract. */
  async export(params: MethodParams['history.export'], context: HistoryCallContext): Promise<HistoryExportResult> {
    const { path, format, conversationId } = params;
    if (conversationId !== undefined && !this.#conversations.getConversation(conversationId)) {
      throw new RpcError('NOT_FOUND', `No conversation ${conversationId} to export.`);
    }
    const file = await AtomicTextFile.create(path, { overwrite: params.overwrite ?? false });
    try {
      const counts =
        format === 'markdown' && conversationId !== undefined
          ? { ...(await this.#writeMarkdown(file, conversationId, context)), unreadable: [] }
          : await this.#writeJson(file, conversationId, context);
      const bytes = await file.commit();
      return { path, format, ...counts, bytes };
    } catch (error) {
      await file.discard();
      throw error;
    }
  }

  /** `history.import`: see the contract. */
  async import(params: MethodParams['history.import'], context: HistoryCallContext): Promise<HistoryImportResult> {
    const data = await readExportFile(params.path, this.#options.maxImportBytes ?? MAX_IMPORT_BYTES);
    const total = data.conversations.reduce((sum, conversation) => sum + conversation.messages.length, 0);
    const progress = this.#progress(context, total);
    const result: HistoryImportResult = { imported: 0, skipped: 0, messages: 0, conversationIds: [] };
    let done = 0;
    try {
      for (const conversation of data.conversations) {
        if (context.signal.aborted) {
          throw new RpcError(
            'ABORTED',
            `Import cancelled: ${result.imported} conversation${result.imported === 1 ? ' was' : 's were'} added before it stopped.`,
          );
        }
        if (this.#history.findDuplicate(conversation) !== null) {
          result.skipped += 1;
        } else {
          const added = this.#history.importConversation(conversation);
          result.imported += 1;
          result.messages += added.messages;
          result.conversationIds.push(added.id);
        }
        done += conversation.messages.length;
        progress(done);
        await yieldToEvents();
      }
    } finally {
      if (result.imported > 0) this.#options.onConversationsChanged?.();
    }
    progress(total, true);
    return result;
  }

  /** `history.choosePath`: the native dialog's answer, or `BAD_REQUEST` (`NO_FILE_DIALOG`) where there is none. */
  async choosePath(params: MethodParams['history.choosePath']): Promise<{ path: string | null }> {
    if (!this.#options.choosePath) {
      throw new RpcError('BAD_REQUEST', 'This window cannot show a file dialog; type the full path of the file instead.', {
        reason: 'NO_FILE_DIALOG',
      });
    }
    return { path: await this.#options.choosePath(params) };
  }

  /**
   * Every conversation (or one) with every branch, as the versioned JSON document, one conversation at a time. On a
   * damaged database it is a rescue: a conversation that cannot be read is left out and listed, and the rest go on.
   */
  async #writeJson(
    file: AtomicTextFile,
    conversationId: string | undefined,
    context: HistoryCallContext,
  ): Promise<{ conversations: number; messages: number; unreadable: HistoryExportResult['unreadable'] }> {
    const listed = conversationId === undefined ? this.#history.listForExport() : { ids: [conversationId], unreadable: [] };
    const ids = listed.ids;
    const unreadable: HistoryExportResult['unreadable'] = [];
    const progress = this.#progress(context, this.#history.countMessages(conversationId));
    const exportedAt = (this.#options.now ?? Date.now)();
    const header = { format: EXPORT_FORMAT, version: EXPORT_VERSION, exportedAt, app: { name: 'Phi Desk', version: this.#options.appVersion } };
    await file.write(`${JSON.stringify(header).slice(0, -1)},"conversations":[`);
    let conversations = 0;
    let messages = 0;
    for (const id of ids) {
      throwIfCancelled(context.signal, 'Export');
      let conversation;
      try {
        conversation = this.#history.readConversation(id);
      } catch (error) {
        if (isStoreError(error, 'NOT_FOUND')) continue; // deleted since the list was read
        // Stored on a damaged page: read in one transaction, so nothing of it was written; listed instead.
        if (isStoreError(error, 'DB_CORRUPT') && conversationId === undefined) {
          unreadable.push({ id, title: this.#history.titleOf(id) });
          continue;
        }
        throw error;
      }
      const { messages: tree, ...options } = conversation;
      await file.write(`${conversations > 0 ? ',' : ''}\n${JSON.stringify(options).slice(0, -1)},"messages":[`);
      for (const [index, message] of tree.entries()) {
        await file.write(`${index > 0 ? ',' : ''}\n${JSON.stringify(message)}`);
        messages += 1;
        progress(messages);
      }
      await file.write(']}');
      conversations += 1;
      await yieldToEvents();
    }
    await file.write('\n]}\n');
    progress(messages, true);
    for (const id of listed.unreadable) unreadable.push({ id, title: null });
    return { conversations, messages, unreadable };
  }

  /** One conversation's current branch, for reading. */
  async #writeMarkdown(
    file: AtomicTextFile,
    conversationId: string,
    context: HistoryCallContext,
  ): Promise<{ conversations: number; messages: number }> {
    const conversation = this.#conversations.getConversation(conversationId);
    if (!conversation) throw new RpcError('NOT_FOUND', `No conversation ${conversationId} to export.`);
    const branch = this.#conversations.listMessages(conversationId);
    const progress = this.#progress(context, branch.length);
    await file.write(markdownHeader(conversation, branch.length, (this.#options.now ?? Date.now)()));
    for (const [index, message] of branch.entries()) {
      throwIfCancelled(context.signal, 'Export');
      await file.write(markdownMessage(message));
      progress(index + 1);
    }
    progress(branch.length, true);
    return { conversations: 1, messages: branch.length };
  }

  /** A progress reporter: `{ done: 0, total }` at once, then at most one event per interval; `force` sends the last. */
  #progress(context: HistoryCallContext, total: number): (done: number, force?: boolean) => void {
    const interval = this.#options.progressIntervalMs ?? 100;
    let last = Date.now();
    let sent = 0;
    context.emit({ type: 'onProgress', done: 0, total });
    return (done, force = false) => {
      const now = Date.now();
      if (done === sent || (!force && now - last < interval)) return;
      last = now;
      sent = done;
      context.emit({ type: 'onProgress', done, total });
    };
  }
}

function throwIfCancelled(signal: AbortSignal, what: string): void {
  if (signal.aborted) throw new RpcError('ABORTED', `${what} cancelled; no file was written.`);
}
