import { randomUUID } from 'node:crypto';
import type { Database, Statement } from 'better-sqlite3';
import type { Conversation, Message, MessageRole, MessageStatus, ReplyStats } from '../../common/types';
import { LATEST_SCHEMA_VERSION, readSchemaVersion } from './migrations';
import { closeDatabase, openDatabase } from './open-database';
import type { OpenDatabaseOptions } from './open-database';
import { toConversation, toMessage } from './conversation-rows';
import type { ConversationRow, MessageRow } from './conversation-rows';
import { conversationSql as sql } from './conversation-sql';
import { StoreError, toStoreError } from './store-error';
import { splitTrailingHighSurrogate, toWellFormedText } from './well-formed-text';

/** The title of a conversation created without one. */
export const DEFAULT_CONVERSATION_TITLE = 'New conversation';

/** Options for {@link ConversationStore}. */
export interface ConversationStoreOptions {
  /** The clock, in Unix epoch milliseconds. Default `Date.now`; tests pass a fake for exact ordering. */
  now?: () => number;
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

/** How a streaming message ended, for {@link ConversationStore.finishMessage}. */
export interface MessageOutcome {
  status: Exclude<MessageStatus, 'streaming'>;
  /** Engine figures for the reply, when generation ran. */
  stats?: ReplyStats | null;
  /** Why generation failed; meaningful with status `error`. */
  error?: string | null;
}

type Params = Record<string, string | number | null>;
type Statements = { [K in keyof typeof sql]: Statement<[Params]> };

/**
 * Conversations and their messages in one SQLite database.
 *
 * Messages form a tree (each names its parent) and each conversation points at its current leaf; the messages shown
 * are the branch from the root to that leaf. This version only ever extends the current branch, but the shape is
 * ready for editing and regenerating.
 *
 * Every write is one `BEGIN IMMEDIATE` transaction: it takes the write lock up front, so a second process makes it
 * wait (up to the busy timeout) rather than fail half-way with a lock upgrade error. Every failure is a
 * {@link StoreError}. Statements are prepared once, in the constructor. Not safe to share across threads (no
 * SQLite connection is); one store per process, on the main thread.
 */
export class ConversationStore {
  readonly #db: Database;
  readonly #now: () => number;
  /** Set only by {@link ConversationStore.open}: a store given a database by its caller never closes it. */
  #ownsDatabase = false;
  #closed = false;
  readonly #statements: Statements;
  /** A high surrogate held back from the last delta of a streaming message; see {@link splitTrailingHighSurrogate}. */
  readonly #carry = new Map<string, string>();

  /**
   * Wrap an open, migrated database. The store does not close a database it was given; {@link close} only ends
   * the store's use of it. Use {@link ConversationStore.open} to have the store own its database.
   * @throws StoreError `DB_SCHEMA_MISMATCH` when `db` is not at the schema version this build expects.
   */
  constructor(db: Database, options: ConversationStoreOptions = {}) {
    this.#db = db;
    this.#now = options.now ?? Date.now;
    const version = readSchemaVersion(db);
    if (version !== LATEST_SCHEMA_VERSION) {
      throw new StoreError(
        'DB_SCHEMA_MISMATCH',
        `The database ${db.name} is at schema version ${version}, but the store needs ${LATEST_SCHEMA_VERSION}; open it with openDatabase()`,
      );
    }
    try {
      const entries = Object.entries(sql).map(([name, text]) => [name, db.prepare<[Params]>(text)]);
      this.#statements = Object.fromEntries(entries) as Statements;
    } catch (error) {
      throw toStoreError(error, `prepare the conversation store on ${db.name}`);
    }
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

  /** Start a new, empty conversation. A missing or blank title becomes {@link DEFAULT_CONVERSATION_TITLE}. */
  createConversation(input: { title?: string } = {}): Conversation {
    return this.#run('create a conversation', () => {
      const title = toWellFormedText(input.title?.trim() || DEFAULT_CONVERSATION_TITLE);
      const id = randomUUID();
      const now = this.#now();
      this.#write(() => this.#statements.insertConversation.run({ id, title, now }));
      return { id, title, createdAt: now, updatedAt: now };
    });
  }

  /** Every conversation, most recently updated first. */
  listConversations(): Conversation[] {
    return this.#run('list conversations', () =>
      (this.#statements.listConversations.all({}) as ConversationRow[]).map(toConversation),
    );
  }

  /** The conversation with this id, or `null` if there is none. */
  getConversation(id: string): Conversation | null {
    return this.#run(`read conversation ${id}`, () => {
      const row = this.#statements.getConversation.get({ id }) as ConversationRow | undefined;
      return row ? toConversation(row) : null;
    });
  }

  /**
   * Give a conversation a new title (the caller validates it; the store only makes it well-formed) and return it.
   * @throws StoreError `NOT_FOUND`.
   */
  renameConversation(id: string, title: string): Conversation {
    return this.#run(`rename conversation ${id}`, () => {
      const row = this.#write(
        () =>
          this.#statements.renameConversation.get({ id, title: toWellFormedText(title), now: this.#now() }) as
            | ConversationRow
            | undefined,
      );
      if (!row) throw notFound('conversation', id);
      return toConversation(row);
    });
  }

  /** Delete a conversation and all its messages. Returns false if there was no such conversation. */
  deleteConversation(id: string): boolean {
    return this.#run(`delete conversation ${id}`, () => {
      const { changes } = this.#write(() => this.#statements.deleteConversation.run({ id }));
      return changes > 0;
    });
  }

  /**
   * The conversation's current branch, oldest first: the current leaf and its ancestors. Empty when the
   * conversation has no messages or does not exist.
   */
  listMessages(conversationId: string): Message[] {
    return this.#run(`list the messages of conversation ${conversationId}`, () =>
      (this.#statements.listBranch.all({ conversationId }) as MessageRow[]).map(toMessage),
    );
  }

  /** The message with this id, or `null` if there is none. */
  getMessage(id: string): Message | null {
    return this.#run(`read message ${id}`, () => {
      const row = this.#statements.getMessage.get({ id }) as MessageRow | undefined;
      return row ? toMessage(row) : null;
    });
  }

  /**
   * Add a message after `parentId` and make it the conversation's current leaf; bumps the conversation's
   * `updatedAt`. Returns the stored message.
   * @throws StoreError `NOT_FOUND` when the conversation, or the parent within that conversation, does not exist.
   */
  appendMessage(input: NewMessage): Message {
    const { conversationId, parentId, role, status } = input;
    return this.#run(`add a message to conversation ${conversationId}`, () =>
      this.#write(() => {
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
          content: toWellFormedText(input.content),
          status,
          createdAt: this.#now(),
          stats: null,
          error: null,
        };
        const { seq } = s.nextMessageSeq.get({ conversationId }) as { seq: number };
        s.insertMessage.run({
          id: message.id,
          conversationId,
          parentId,
          seq,
          role,
          content: message.content,
          status,
          createdAt: message.createdAt,
        });
        s.touchConversation.run({ id: conversationId, leafId: message.id, now: message.createdAt });
        return message;
      }),
    );
  }

  /**
   * Append streamed text to a `streaming` message. One small UPDATE of that message only: the conversation's
   * `updatedAt` moves when the message is added and when it finishes, not on every delta. Callers should batch
   * deltas (a few per second), as each call is a commit.
   * @throws StoreError `NOT_FOUND`, or `NOT_STREAMING` when the message already finished.
   */
  appendToMessage(id: string, delta: string): void {
    this.#run(`append to message ${id}`, () => {
      const { text, carry } = splitTrailingHighSurrogate((this.#carry.get(id) ?? '') + delta);
      const { changes } = this.#write(() => this.#statements.appendToMessage.run({ id, delta: toWellFormedText(text) }));
      if (changes === 0) throw this.#whyNotStreaming(id);
      if (carry) this.#carry.set(id, carry);
      else this.#carry.delete(id);
    });
  }

  /**
   * Record how a streaming message ended: its final status, its stats and error. The text streamed so far is kept
   * whatever the status (a stopped or failed reply still shows what it said). Bumps the conversation's `updatedAt`.
   * @throws StoreError `NOT_FOUND`, or `NOT_STREAMING` when the message already finished.
   */
  finishMessage(id: string, outcome: MessageOutcome): Message {
    return this.#run(`finish message ${id}`, () => {
      // A half pair held back from the last delta can no longer be completed: keep it as U+FFFD.
      const tail = toWellFormedText(this.#carry.get(id) ?? '');
      const row = this.#write(() => {
        const finished = this.#statements.finishMessage.get({
          id,
          status: outcome.status,
          statsJson: outcome.stats ? JSON.stringify(outcome.stats) : null,
          error: outcome.error ? toWellFormedText(outcome.error) : null,
          tail,
        }) as MessageRow | undefined;
        if (finished) this.#statements.touchConversation.run({ id: finished.conversation_id, leafId: null, now: this.#now() });
        return finished;
      });
      if (!row) throw this.#whyNotStreaming(id);
      this.#carry.delete(id);
      return toMessage(row);
    });
  }

  /**
   * Mark every message still `streaming` as `interrupted`, keeping its text. Run once at start-up, before any
   * generation: a message can only be streaming then if the app or engine died mid-reply. Returns how many changed.
   *
   * Only the process that generates replies may call this: run in a second process (the browser host beside the
   * app), it would also mark the first process's live replies.
   */
  markStreamingAsInterrupted(): number {
    return this.#run('mark interrupted replies', () => {
      const { changes } = this.#write(() => this.#statements.markStreamingAsInterrupted.run({}));
      this.#carry.clear();
      return changes;
    });
  }

  /**
   * Stop using the database: every later call fails with `DB_CLOSED`. Closes the database too when the store opened
   * it ({@link ConversationStore.open}). Idempotent.
   */
  close(): void {
    this.#closed = true;
    this.#carry.clear();
    if (this.#ownsDatabase) closeDatabase(this.#db);
  }

  /** Run `fn` in a `BEGIN IMMEDIATE` transaction. */
  #write<T>(fn: () => T): T {
    return this.#db.transaction(fn).immediate();
  }

  /** Run a public operation, turning every failure into a StoreError that says what was being done. */
  #run<T>(doing: string, fn: () => T): T {
    if (this.#closed || !this.#db.open) throw new StoreError('DB_CLOSED', `Could not ${doing}: the store is closed`);
    try {
      return fn();
    } catch (error) {
      throw toStoreError(error, doing);
    }
  }

  /** The error for a message that an update guarded by `status = 'streaming'` did not change. */
  #whyNotStreaming(id: string): StoreError {
    const message = this.#statements.getMessage.get({ id }) as MessageRow | undefined;
    if (!message) return notFound('message', id);
    return new StoreError('NOT_STREAMING', `Message ${id} is no longer streaming (its status is ${message.status})`);
  }
}

function notFound(what: 'conversation' | 'message', id: string): StoreError {
  return new StoreError('NOT_FOUND', `No ${what} ${id}`);
}
