import { randomUUID } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import type { ConversationSource, Message, MessageRole, MessageStatus, ReplyStats } from '../../common/types';
import { toConversation, toMessage } from './conversation-rows';
import type { ConversationRow, MessageRow } from './conversation-rows';
import { conversationSql as sql } from './conversation-sql';
import { assertWithinLimit, checkedText, TEXT_LIMITS } from './input-limits';
import { closeDatabase, openDatabase } from './open-database';
import type { OpenDatabaseOptions } from './open-database';
import { ConversationPatchSchema, GenerationOverridesSchema, parseOrThrow } from './settings-schemas';
import type { GenerationOverrides } from './settings-schemas';
import { notFound, StoreConnection } from './store-connection';
import type { Prepared } from './store-connection';
import { StoreError } from './store-error';
import type { ConversationListCursor, ConversationPatch, ConversationRecord, ListConversationsOptions } from './store-types';
import { splitTrailingHighSurrogate, toWellFormedText } from './well-formed-text';

/** The title of a conversation created without one. */
export const DEFAULT_CONVERSATION_TITLE = 'New conversation';

/** Options for {@link ConversationStore}. */
export interface ConversationStoreOptions {
  /** The clock, in Unix epoch milliseconds. Default `Date.now`; tests pass a fake for exact ordering. */
  now?: () => number;
}

/** A conversation to start with {@link ConversationStore.createConversation}; every field is optional. */
export interface NewConversation {
  title?: string;
  systemPrompt?: string | null;
  generation?: GenerationOverrides;
  model?: string | null;
  /** Where it is started; `chat` by default. */
  source?: ConversationSource;
  /** Where its replies come from: `null` (default) the local model, else a remote server's id. */
  engine?: string | null;
}

/** A message to add with {@link ConversationStore.appendMessage}. */
export interface NewMessage {
  conversationId: string;
  /** The message this one follows, in the same conversation; `null` for a first message (a root). */
  parentId: string | null;
  role: MessageRole;
  content: string;
  /** Usually `complete` for a user message and `streaming` for a reply about to be generated. */
  status: MessageStatus;
}

/** An alternative to an existing message, for {@link ConversationStore.createSibling}. */
export interface NewSibling {
  content: string;
  /** Default: `complete` for a user message (edit and resend), `streaming` for a reply (regenerate). */
  status?: MessageStatus;
}

/** How a streaming message ended, for {@link ConversationStore.finishMessage}. */
export interface MessageOutcome {
  status: Exclude<MessageStatus, 'streaming'>;
  /** Engine figures for the reply, when generation ran. */
  stats?: ReplyStats | null;
  /** Why generation failed; meaningful with status `error`. Cut to 10,000 characters rather than refused. */
  error?: string | null;
}

/**
 * Conversations and their messages in one SQLite database.
 *
 * Messages form a tree (each names its parent) and each conversation points at its current leaf; the messages shown
 * are the branch from the root to that leaf. Adding a message after any message (or {@link createSibling}) makes it
 * the current leaf; the other branches stay. Navigating and pruning the tree is {@link MessageTree}'s job.
 *
 * Every write is one `BEGIN IMMEDIATE` transaction, and every failure is a {@link StoreError}. Texts are made
 * well-formed and checked against their limits (`TOO_LARGE`). Statements are prepared once, in the constructor. Not
 * safe to share across threads (no SQLite connection is); one store per process, on the main thread.
 */
export class ConversationStore {
  readonly #connection: StoreConnection;
  readonly #statements: Prepared<typeof sql>;
  /** Set only by {@link ConversationStore.open}: a store given a database by its caller never closes it. */
  #ownsDatabase = false;
  /** A high surrogate held back from the last delta of a streaming message; see {@link splitTrailingHighSurrogate}. */
  readonly #carry = new Map<string, string>();

  /**
   * Wrap an open, migrated database. The store does not close a database it was given; {@link close} only ends
   * the store's use of it. Use {@link ConversationStore.open} or `openStore` to have the database owned for you.
   * @throws StoreError `DB_SCHEMA_MISMATCH` when `db` is not at the schema version this build expects.
   */
  constructor(db: Database, options: ConversationStoreOptions = {}) {
    this.#connection = new StoreConnection(db, options.now);
    this.#statements = this.#connection.prepareAll(sql, 'conversation store');
  }

  /**
   * Open (creating and migrating as needed) the database at `file` and return a store that owns it: {@link close}
   * closes the database too.
   * @throws StoreError see {@link openDatabase}.
   */
  static open(file: string, options: OpenDatabaseOptions & ConversationStoreOptions = {}): ConversationStore {
    const db = openDatabase(file, options);
    try {
      const store = new ConversationStore(db, options);
      store.#ownsDatabase = true;
      return store;
    } catch (error) {
      closeDatabase(db);
      throw error;
    }
  }

  /**
   * Start a new, empty conversation. A missing or blank title becomes {@link DEFAULT_CONVERSATION_TITLE}.
   * @throws StoreError `TOO_LARGE` (title, system prompt), `INVALID_INPUT` (generation overrides).
   */
  createConversation(input: NewConversation = {}): ConversationRecord {
    return this.#connection.run('create a conversation', () => {
      const generation = parseOrThrow(GenerationOverridesSchema, input.generation ?? {}, 'generation settings');
      const row = this.#connection.write(
        () =>
          this.#statements.insertConversation.get({
            id: randomUUID(),
            title: checkedText(input.title?.trim() || DEFAULT_CONVERSATION_TITLE, 'title'),
            now: this.#connection.now(),
            systemPrompt: nullableText(input.systemPrompt, 'systemPrompt'),
            generationJson: JSON.stringify(generation),
            model: nullableText(input.model, 'model'),
            source: input.source ?? 'chat',
            engine: input.engine ?? null,
          }) as ConversationRow,
      );
      return toConversation(row);
    });
  }

  /**
   * The conversation list: not archived (default) or only archived; pinned first, then most recently updated. Never
   * a conversation marked deleted.
   */
  listConversations(options: ListConversationsOptions = {}): ConversationRecord[] {
    return this.#connection.run('list conversations', () =>
      (this.#statements.listConversations.all({ archived: options.archived ? 1 : 0 }) as ConversationRow[]).map(
        toConversation,
      ),
    );
  }

  /**
   * One page of {@link listConversations}: the first `limit` conversations, or the `limit` after `after` (the `next`
   * of the page before). `next` is `null` after the last page.
   */
  listConversationsPage(
    options: ListConversationsOptions & { after?: ConversationListCursor | null; limit: number },
  ): { conversations: ConversationRecord[]; next: ConversationListCursor | null } {
    return this.#connection.run('list conversations', () => {
      const { after, limit } = options;
      const archived = options.archived ? 1 : 0;
      const rows = (
        after
          ? this.#statements.listConversationsAfter.all({ archived, limit, ...after })
          : this.#statements.listConversationsFirst.all({ archived, limit })
      ) as ConversationRow[];
      const last = rows.length === limit ? rows[rows.length - 1] : undefined;
      return {
        conversations: rows.map(toConversation),
        next: last ? { pinned: last.pinned, updatedAt: last.updated_at, createdAt: last.created_at, id: last.id } : null,
      };
    });
  }

  /** The conversation with this id, or `null` if there is none (or it is marked deleted, see {@link markDeleted}). */
  getConversation(id: string): ConversationRecord | null {
    return this.#connection.run(`read conversation ${id}`, () => {
      const row = this.#statements.getConversation.get({ id }) as ConversationRow | undefined;
      return row ? toConversation(row) : null;
    });
  }

  /**
   * A cheap token that changes whenever the conversation's current branch may have: its leaf and update time (one row,
   * no messages read). `null` for an unknown conversation.
   */
  branchVersion(id: string): string | null {
    return this.#connection.run(`read conversation ${id}`, () => {
      const row = this.#statements.getConversation.get({ id }) as ConversationRow | undefined;
      return row ? `${row.current_leaf_id ?? ''}:${row.updated_at}` : null;
    });
  }

  /**
   * Give a conversation a new title and return it. The caller validates emptiness; the store makes it well-formed
   * and enforces the length limit.
   * @throws StoreError `NOT_FOUND`, `TOO_LARGE`.
   */
  renameConversation(id: string, title: string): ConversationRecord {
    return this.#connection.run(`rename conversation ${id}`, () => {
      const checked = checkedText(title, 'title');
      const row = this.#connection.write(
        () => this.#statements.renameConversation.get({ id, title: checked }) as ConversationRow | undefined,
      );
      if (!row) throw notFound('conversation', id);
      return toConversation(row);
    });
  }

  /**
   * Change some of a conversation's settings (see {@link ConversationPatch}) and return it. Does not move it in the
   * recency order.
   * @throws StoreError `NOT_FOUND`, `INVALID_INPUT` (unknown field, value out of range), `TOO_LARGE`.
   */
  updateConversation(id: string, patch: ConversationPatch): ConversationRecord {
    return this.#connection.run(`update conversation ${id}`, () => {
      const valid = parseOrThrow(ConversationPatchSchema, patch, 'conversation settings');
      const flag = (key: keyof ConversationPatch) => (Object.hasOwn(valid, key) ? 1 : 0);
      const params = {
        id,
        setTitle: flag('title'),
        title: valid.title === undefined ? null : checkedText(valid.title, 'title'),
        setPinned: flag('pinned'),
        pinned: valid.pinned ? 1 : 0,
        setArchived: flag('archived'),
        archived: valid.archived ? 1 : 0,
        setSystemPrompt: flag('systemPrompt'),
        systemPrompt: nullableText(valid.systemPrompt, 'systemPrompt'),
        setGeneration: flag('generation'),
        generationJson: JSON.stringify(valid.generation ?? {}),
        setModel: flag('model'),
        model: nullableText(valid.model, 'model'),
        setEngine: flag('engine'),
        engine: valid.engine ?? null,
      };
      const row = this.#connection.write(
        () => this.#statements.updateConversation.get(params) as ConversationRow | undefined,
      );
      if (!row) throw notFound('conversation', id);
      return toConversation(row);
    });
  }

  /**
   * Delete a conversation and all its messages at once, with no undo (the app marks it first, {@link markDeleted}).
   * Returns false if there was no such conversation.
   */
  deleteConversation(id: string): boolean {
    return this.#connection.run(`delete conversation ${id}`, () => {
      const { changes } = this.#connection.write(() => this.#statements.deleteConversation.run({ id }));
      return changes > 0;
    });
  }

  /**
   * Mark a conversation deleted, undoably (migration 006): from now on it is left out of every list, read, change
   * and search, as if gone, until {@link restoreConversation} takes the mark off or {@link purgeDeleted} deletes it
   * for good. Returns the time of the mark, or `null` when there is no such conversation (or it is already marked).
   */
  markDeleted(id: string): number | null {
    return this.#connection.run(`delete conversation ${id}`, () => {
      const now = this.#connection.now();
      const { changes } = this.#connection.write(() => this.#statements.markDeleted.run({ id, now }));
      return changes > 0 ? now : null;
    });
  }

  /**
   * Undo {@link markDeleted}: the conversation is back as it was (messages, branches, options, place in the list,
   * search). A conversation that is not marked is returned unchanged.
   * @throws StoreError `NOT_FOUND` when it no longer exists (purged, or never was).
   */
  restoreConversation(id: string): ConversationRecord {
    return this.#connection.run(`restore conversation ${id}`, () => {
      const row = this.#connection.write(
        () => this.#statements.restoreConversation.get({ id }) as ConversationRow | undefined,
      );
      if (!row) throw notFound('conversation', id);
      return toConversation(row);
    });
  }

  /** Conversations marked deleted and not purged yet, oldest mark first, with the time of their mark. */
  listDeleted(): Array<{ id: string; deletedAt: number }> {
    return this.#connection.run('list deleted conversations', () =>
      this.#statements.listDeleted.all({}) as Array<{ id: string; deletedAt: number }>,
    );
  }

  /**
   * Delete for good every conversation marked deleted at or before `before` (epoch ms), one transaction each, so a
   * long purge never holds the write lock for long and a failure keeps what was done. Returns the ids purged.
   */
  purgeDeleted(before: number): string[] {
    return this.#connection.run('delete conversations for good', () => {
      const purged: string[] = [];
      for (const { id, deletedAt } of this.#statements.listDeleted.all({}) as Array<{ id: string; deletedAt: number }>) {
        if (deletedAt > before) break; // oldest first: the rest are newer
        const { changes } = this.#connection.write(() => this.#statements.purgeDeleted.run({ id, before }));
        if (changes > 0) purged.push(id);
      }
      return purged;
    });
  }

  /**
   * The conversation's current branch, oldest first: the current leaf and its ancestors. Empty when the
   * conversation has no messages or does not exist. For long histories use `MessageTree.listMessagesPage`.
   */
  listMessages(conversationId: string): Message[] {
    return this.#connection.run(`list the messages of conversation ${conversationId}`, () =>
      (this.#statements.listBranch.all({ conversationId }) as MessageRow[]).map(toMessage),
    );
  }

  /** The message with this id, or `null` if there is none. */
  getMessage(id: string): Message | null {
    return this.#connection.run(`read message ${id}`, () => {
      const row = this.#statements.getMessage.get({ id }) as MessageRow | undefined;
      return row ? toMessage(row) : null;
    });
  }

  /**
   * Add a message after `parentId` and make it the conversation's current leaf; bumps the conversation's
   * `updatedAt`. Returns the stored message.
   * @throws StoreError `NOT_FOUND` when the conversation, or the parent within that conversation, does not exist;
   * `TOO_LARGE` when the text is over the message limit.
   */
  appendMessage(input: NewMessage): Message {
    return this.#connection.run(`add a message to conversation ${input.conversationId}`, () => {
      const content = checkedText(input.content, 'message');
      return this.#connection.write(() => this.#insertMessage({ ...input, content }));
    });
  }

  /**
   * Add an alternative to `messageId`: a new message with the same parent and role, which becomes the current leaf.
   * The original and everything under it stay, reachable with `MessageTree.switchBranch`.
   * - Edit and resend: `createSibling(userMessageId, { content: edited })`, then stream the reply under it.
   * - Regenerate: `createSibling(replyId, { content: '' })` gives a `streaming` reply to fill.
   * @throws StoreError `NOT_FOUND`, `TOO_LARGE`.
   */
  createSibling(messageId: string, input: NewSibling): Message {
    return this.#connection.run(`add an alternative to message ${messageId}`, () => {
      const content = checkedText(input.content, 'message');
      return this.#connection.write(() => {
        const original = this.#statements.getMessage.get({ id: messageId }) as MessageRow | undefined;
        if (!original) throw notFound('message', messageId);
        const { role } = toMessage(original);
        return this.#insertMessage({
          conversationId: original.conversation_id,
          parentId: original.parent_id,
          role,
          content,
          status: input.status ?? (role === 'user' ? 'complete' : 'streaming'),
        });
      });
    });
  }

  /**
   * Append streamed text to a `streaming` message. One small UPDATE of that message only: no search-index work and
   * not the conversation row (its `updatedAt` moves when the message is added and when it finishes). Each call is a
   * commit, so callers batch deltas (see `ReplyWriter`); the text is durable against a process crash once this
   * returns.
   * @throws StoreError `NOT_FOUND`, `NOT_STREAMING` when the message already finished, `TOO_LARGE` when the reply
   * would pass the message limit (nothing of this delta is written then).
   */
  appendToMessage(id: string, delta: string): void {
    this.#connection.run(`append to message ${id}`, () => {
      assertWithinLimit(delta.length, 'message');
      const { text, carry } = splitTrailingHighSurrogate((this.#carry.get(id) ?? '') + delta);
      const wellFormed = toWellFormedText(text);
      const { changes } = this.#connection.write(() =>
        this.#statements.appendToMessage.run({
          id,
          delta: wellFormed,
          deltaLength: wellFormed.length,
          maxLength: TEXT_LIMITS.message,
        }),
      );
      if (changes === 0) throw this.#whyNotAppended(id, wellFormed.length);
      if (carry) this.#carry.set(id, carry);
      else this.#carry.delete(id);
    });
  }

  /**
   * Record how a streaming message ended: its final status, its stats and error. The text streamed so far is kept
   * whatever the status (a stopped or failed reply still shows what it said). Bumps the conversation's `updatedAt`.
   * The message enters the search index here.
   * @throws StoreError `NOT_FOUND`, or `NOT_STREAMING` when the message already finished.
   */
  finishMessage(id: string, outcome: MessageOutcome): Message {
    return this.#connection.run(`finish message ${id}`, () => {
      // A half pair held back from the last delta can no longer be completed: keep it as U+FFFD.
      const tail = toWellFormedText(this.#carry.get(id) ?? '');
      const row = this.#connection.write(() => {
        const finished = this.#statements.finishMessage.get({
          id,
          status: outcome.status,
          statsJson: outcome.stats ? JSON.stringify(outcome.stats) : null,
          error: outcome.error ? toWellFormedText(outcome.error.slice(0, TEXT_LIMITS.error)) : null,
          tail,
        }) as MessageRow | undefined;
        if (finished) {
          this.#statements.touchConversation.run({ id: finished.conversation_id, leafId: null, now: this.#connection.now() });
        }
        return finished;
      });
      if (!row) throw this.#whyNotAppended(id, 0);
      this.#carry.delete(id);
      return toMessage(row);
    });
  }

  /**
   * Mark every message still `streaming` as `interrupted`, keeping its text (and indexing it for search). Run once
   * at start-up, before any generation: a message can only be streaming then if the app or engine died mid-reply.
   * Returns how many changed.
   *
   * Only the process that generates replies may call this: run in a second process (the browser host beside the
   * app), it would also mark the first process's live replies.
   */
  markStreamingAsInterrupted(): number {
    return this.#connection.run('mark interrupted replies', () => {
      const { changes } = this.#connection.write(() => this.#statements.markStreamingAsInterrupted.run({}));
      this.#carry.clear();
      return changes;
    });
  }

  /**
   * Stop using the database: every later call fails with `DB_CLOSED`. Closes the database too when the store opened
   * it ({@link ConversationStore.open}). Idempotent.
   */
  close(): void {
    this.#connection.close();
    this.#carry.clear();
    if (this.#ownsDatabase) closeDatabase(this.#connection.db);
  }

  /** Insert a message (inside a write) after checking its conversation and parent; it becomes the current leaf. */
  #insertMessage(input: NewMessage): Message {
    const { conversationId, parentId, role, status, content } = input;
    const s = this.#statements;
    if (!s.getConversation.get({ id: conversationId })) throw notFound('conversation', conversationId);
    if (parentId !== null && !s.messageInConversation.get({ conversationId, id: parentId })) {
      throw new StoreError('NOT_FOUND', `No message ${parentId} in conversation ${conversationId} to reply to`);
    }
    const message: Message = {
      id: randomUUID(),
      conversationId,
      parentId,
      role,
      content,
      status,
      createdAt: this.#connection.now(),
      stats: null,
      error: null,
    };
    const { seq } = s.nextMessageSeq.get({ conversationId }) as { seq: number };
    s.insertMessage.run({ id: message.id, conversationId, parentId, seq, role, content, status, createdAt: message.createdAt });
    s.touchConversation.run({ id: conversationId, leafId: message.id, now: message.createdAt });
    return message;
  }

  /** The error for a message that an update guarded by status (and length) did not change. */
  #whyNotAppended(id: string, deltaLength: number): StoreError {
    const message = this.#statements.getMessage.get({ id }) as MessageRow | undefined;
    if (!message) return notFound('message', id);
    if (message.status !== 'streaming') {
      return new StoreError('NOT_STREAMING', `Message ${id} is no longer streaming (its status is ${message.status})`);
    }
    try {
      assertWithinLimit(message.content.length + deltaLength, 'message');
    } catch (error) {
      return error as StoreError;
    }
    return new StoreError('DB_ERROR', `Message ${id} was not changed, for no known reason`);
  }
}

/** `null` stays `null` (and `undefined` becomes it); a string is checked against its limit and made well-formed. */
function nullableText(text: string | null | undefined, kind: 'systemPrompt' | 'model'): string | null {
  return text === null || text === undefined ? null : checkedText(text, kind);
}
