import { setImmediate as yieldToEvents } from 'node:timers/promises';
import { DELETE_UNDO_WINDOW_MS, RpcError, type ResultOf } from '../../common/contract';
import type { MethodParams } from '../../common/schemas';
import type { BranchPosition, Conversation, ConversationDetail, Message, SearchResults } from '../../common/types';
import type { ConversationStore } from '../store/conversation-store';
import type { MessageSearch } from '../store/message-search';
import type { MessageTree } from '../store/message-tree';
import { isStoreError } from '../store/store-error';
import type { ConversationListCursor, ConversationPatch } from '../store/store-types';
import { DeletionPurge } from './deletion-purge';
import { requireConversation, requireMessage } from './rpc-errors';

/** How many messages `conversations.get` (and every view that returns a `ConversationDetail`) shows at first. */
export const NEWEST_PAGE_SIZE = 200;
/** `messages.page` without a `limit`. */
export const DEFAULT_OLDER_PAGE_SIZE = 100;
/** Messages shown before a search hit that is not in the newest page (`search.reveal`). */
export const REVEAL_BEFORE = 50;
/** Messages shown after such a hit; the rest load as the reader scrolls down. */
export const REVEAL_AFTER = 100;
/**
 * Conversations read per page of `conversations.list`: ~1 ms each from a warm cache; at start, from a cold 1.5 GB
 * database, pages of 2,000 took up to ~100 ms each (the start-up bench's profile), which the host could not answer in.
 */
export const LIST_PAGE_SIZE = 500;
/** Conversations per `conversations.listPage` answer unless the window asks for another count. */
export const DEFAULT_LIST_PAGE = 1_000;

export interface ConversationStores {
  conversations: ConversationStore;
  tree: MessageTree;
  search: MessageSearch;
}

export interface ConversationServiceOptions {
  /** Told when the list changes (created, renamed, updated, deleted, a message removed). */
  onConversationsChanged?: () => void;
  /** Messages in the newest page of a view; {@link NEWEST_PAGE_SIZE} by default. */
  pageSize?: number;
  /** True while a reply is being written in the conversation: its tree must not change under it. */
  isBusy?: (conversationId: string) => boolean;
  /** How long a deleted conversation can be restored; {@link DELETE_UNDO_WINDOW_MS} by default. */
  undoWindowMs?: number;
  /** The store's clock (epoch ms), which marks deletions; `Date.now` by default. */
  now?: () => number;
  /** Told when purging deleted conversations fails (it is tried again later). */
  onPurgeFailed?: (error: unknown) => void;
  /**
   * Where conversations' replies come from (issue 15): the app's default for a new conversation, and a check that a
   * chosen remote server exists. Without it every conversation uses the local model.
   */
  engines?: {
    defaultEngine(): string | null;
    /** @throws RpcError `BAD_REQUEST` for an unknown server. */
    requireKnown(engineId: string | null): string | null;
  };
}

/**
 * Conversations, their message trees and search, as the contract shows them: every view of a conversation is its
 * newest page of the current branch, the "‹ 2/3 ›" positions of the messages that have alternatives, and a cursor
 * for older messages.
 */
export class ConversationService {
  readonly #stores: ConversationStores;
  readonly #changed: () => void;
  readonly #pageSize: number;
  readonly #isBusy: (conversationId: string) => boolean;
  readonly #purge: DeletionPurge;
  readonly #engines: ConversationServiceOptions['engines'];

  constructor(stores: ConversationStores, options: ConversationServiceOptions = {}) {
    this.#stores = stores;
    this.#changed = options.onConversationsChanged ?? (() => {});
    this.#pageSize = options.pageSize ?? NEWEST_PAGE_SIZE;
    this.#isBusy = options.isBusy ?? (() => false);
    this.#engines = options.engines;
    this.#purge = new DeletionPurge(stores.conversations, {
      undoWindowMs: options.undoWindowMs ?? DELETE_UNDO_WINDOW_MS,
      ...(options.now ? { now: options.now } : {}),
      ...(options.onPurgeFailed ? { onError: options.onPurgeFailed } : {}),
    });
  }

  /**
   * At start-up, before serving: delete for good the conversations left marked deleted by the last run (its undo
   * toasts are gone with it). Returns how many.
   */
  purgeLeftoverDeletions(): number {
    return this.#purge.purgeLeftovers().length;
  }

  /** Stop the purge timer (at shutdown); conversations still marked deleted are purged at the next start. */
  dispose(): void {
    this.#purge.dispose();
  }

  /**
   * The conversation list, read a page at a time with a turn of the event loop between pages, so that a long one
   * (100,000 conversations take about half a second to read) never keeps the app from answering others meanwhile. A
   * conversation that changes place between two pages (a reply written in another window) may be met twice, the second
   * time dropped, or missed — but that change is pushed (`onConversationsChanged`), and the window asks again.
   */
  async list({ archived }: MethodParams['conversations.list']): Promise<Conversation[]> {
    const list: Conversation[] = [];
    const seen = new Set<string>();
    let after: ConversationListCursor | null = null;
    do {
      const page = this.#stores.conversations.listConversationsPage({
        ...(archived === undefined ? {} : { archived }),
        after,
        limit: LIST_PAGE_SIZE,
      });
      for (const conversation of page.conversations) {
        if (seen.has(conversation.id)) continue;
        seen.add(conversation.id);
        list.push(conversation);
      }
      after = page.next;
      if (after) await yieldToEvents();
    } while (after);
    return list;
  }

  /** One page of the list (see `conversations.listPage`). */
  listPage({ archived, after, limit }: MethodParams['conversations.listPage']): { conversations: Conversation[]; next: ConversationListCursor | null } {
    const page = this.#stores.conversations.listConversationsPage({
      ...(archived === undefined ? {} : { archived }),
      after: after ?? null,
      limit: limit ?? DEFAULT_LIST_PAGE,
    });
    return { conversations: page.conversations, next: page.next };
  }

  create({ title, source, engine }: MethodParams['conversations.create']): Conversation {
    const engines = this.#engines;
    const chosen = engines ? engines.requireKnown(engine === undefined ? engines.defaultEngine() : engine) : null;
    const conversation = this.#stores.conversations.createConversation({
      ...(title === undefined ? {} : { title }),
      ...(source === undefined ? {} : { source }),
      engine: chosen,
    });
    this.#changed();
    return conversation;
  }

  get({ id }: MethodParams['conversations.get']): ConversationDetail {
    return this.detail(id);
  }

  rename({ id, title }: MethodParams['conversations.rename']): Conversation {
    this.#require(id);
    const conversation = this.#stores.conversations.renameConversation(id, title);
    this.#changed();
    return conversation;
  }

  update({ id, ...fields }: MethodParams['conversations.update']): Conversation {
    this.#require(id);
    const patch: ConversationPatch = {};
    if (fields.pinned !== undefined) patch.pinned = fields.pinned;
    if (fields.archived !== undefined) patch.archived = fields.archived;
    if (fields.systemPrompt !== undefined) patch.systemPrompt = fields.systemPrompt;
    if (fields.generation !== undefined) patch.generation = withoutUndefined(fields.generation);
    if (fields.engine !== undefined) patch.engine = this.#engines ? this.#engines.requireKnown(fields.engine) : null;
    const conversation = this.#stores.conversations.updateConversation(id, patch);
    this.#changed();
    return conversation;
  }

  /** Mark the conversation deleted (undoable) and have it purged once the undo window has passed. */
  delete({ id }: MethodParams['conversations.delete']): null {
    this.#require(id);
    if (this.#isBusy(id)) throw busy();
    const deletedAt = this.#stores.conversations.markDeleted(id);
    if (deletedAt !== null) this.#purge.deleted(deletedAt);
    this.#changed();
    return null;
  }

  restore({ id }: MethodParams['conversations.restore']): Conversation {
    let conversation: Conversation;
    try {
      conversation = this.#stores.conversations.restoreConversation(id);
    } catch (error) {
      if (isStoreError(error, 'NOT_FOUND')) {
        throw new RpcError('NOT_FOUND', 'That conversation was deleted for good; it can no longer be restored.');
      }
      throw error;
    }
    this.#changed();
    return conversation;
  }

  page({ conversationId, beforeSeq, afterSeq, limit }: MethodParams['messages.page']): ResultOf<'messages.page'> {
    this.#require(conversationId);
    const size = limit ?? DEFAULT_OLDER_PAGE_SIZE;
    if (afterSeq !== undefined) {
      const page = this.#stores.tree.listMessagesAfter(conversationId, { afterSeq, limit: size });
      return { messages: page.messages, branches: this.#switchers(page.messages), olderBefore: null, newerAfter: page.afterSeq };
    }
    const page = this.#stores.tree.listMessagesPage(conversationId, { beforeSeq, limit: size });
    return { messages: page.messages, branches: this.#switchers(page.messages), olderBefore: page.beforeSeq, newerAfter: null };
  }

  /** Branch positions of the messages that have alternatives. */
  #switchers(messages: readonly Message[]): BranchPosition[] {
    return this.#stores.tree
      .getBranchPositions(messages.map((message) => message.id))
      .filter((position) => position.count > 1);
  }

  switchBranch({ messageId }: MethodParams['messages.switchBranch']): ConversationDetail {
    const message = this.#message(messageId);
    if (this.#isBusy(message.conversationId)) throw busy();
    this.#stores.tree.switchBranch(messageId);
    return this.detail(message.conversationId);
  }

  deleteSubtree({ messageId }: MethodParams['messages.deleteSubtree']): ConversationDetail {
    const message = this.#message(messageId);
    if (this.#isBusy(message.conversationId)) throw busy();
    const { tree } = this.#stores;
    const [position] = tree.getBranchPositions([messageId]);
    const sibling = position?.previousId ?? position?.nextId ?? null;
    const shown = this.#stores.conversations.listMessages(message.conversationId).some((m) => m.id === messageId);
    tree.deleteSubtree(messageId);
    // The store moves the view up to the parent; show the neighbouring alternative instead, as the "‹ 2/3 ›" does.
    if (shown && sibling !== null) tree.switchBranch(sibling);
    this.#changed();
    return this.detail(message.conversationId);
  }

  search({ query, ...options }: MethodParams['search.query']): SearchResults {
    return this.#stores.search.search(query, options);
  }

  reveal({ messageId }: MethodParams['search.reveal']): ConversationDetail & { messageId: string } {
    const message = this.#message(messageId);
    if (this.#isBusy(message.conversationId)) {
      // Switching branch mid-reply would move the leaf under the reply being written: show it only if it is shown.
      const onBranch = this.#stores.conversations.listMessages(message.conversationId).some((m) => m.id === messageId);
      if (!onBranch) throw busy();
    } else {
      this.#stores.tree.revealMessage(messageId);
    }
    return { ...this.#detailAround(message.conversationId, message), messageId };
  }

  /** The view of a conversation: its newest page, the branch switchers on it, and the cursor for older messages. */
  detail(conversationId: string): ConversationDetail {
    const conversation = this.#require(conversationId);
    const page = this.#stores.tree.listMessagesPage(conversationId, { limit: this.#pageSize });
    return {
      conversation,
      messages: page.messages,
      branches: this.#switchers(page.messages),
      olderBefore: page.beforeSeq,
      newerAfter: null,
    };
  }

  /**
   * The view of a conversation that shows `target` (on the current branch): the newest page when it holds it;
   * otherwise a window of messages around it — {@link REVEAL_BEFORE} older, {@link REVEAL_AFTER} newer — with a cursor
   * each way, so a search hit far up a long conversation opens at once, whatever its length.
   */
  #detailAround(conversationId: string, target: Message): ConversationDetail {
    const view = this.detail(conversationId);
    if (view.messages.some((m) => m.id === target.id)) return view;
    const around = this.#stores.tree.listMessagesAround(target.id, { before: REVEAL_BEFORE, after: REVEAL_AFTER });
    const { messages } = around;
    return {
      conversation: view.conversation,
      messages,
      branches: this.#switchers(messages),
      olderBefore: around.beforeSeq,
      newerAfter: around.afterSeq,
    };
  }

  #require(id: string): Conversation {
    return requireConversation(this.#stores.conversations, id);
  }

  #message(id: string): Message {
    return requireMessage(this.#stores.conversations, id);
  }
}

function busy(): RpcError {
  return new RpcError('BUSY', 'A reply is being written in this conversation; wait for it or press Stop first.');
}

/** `{ a: 1, b: undefined }` → `{ a: 1 }`: the store takes only the fields that are set. */
function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Partial<T>;
}
