import { createHash, randomUUID } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { toConversation, toMessage } from './conversation-rows';
import type { ConversationRow, MessageRow } from './conversation-rows';
import { CONVERSATION_COLUMNS, MESSAGE_COLUMNS } from './conversation-sql';
import type { ExportedConversation, ExportedMessage } from './history-schema';
import { checkedText } from './input-limits';
import { firstReadable, readReadableRows } from './readable-rows';
import { notFound, StoreConnection } from './store-connection';
import type { Prepared } from './store-connection';
import { isDamageError, toStoreError } from './store-error';

/** Every statement of {@link HistoryStore}; values are bound, never spliced. */
const historySql = {
  /**
   * Oldest first, so an export reads in the order the history was written. Conversations marked deleted (migration
   * 006) are as good as gone: never exported, never "already here" for an import.
   */
  conversationIds: `SELECT id FROM conversations WHERE deleted_at IS NULL ORDER BY created_at, id`,
  conversation: `SELECT ${CONVERSATION_COLUMNS} FROM conversations WHERE id = @id AND deleted_at IS NULL`,
  /** Every message of every branch in write order (`messages_by_conversation_seq`): parents before children. */
  messages: `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE conversation_id = @id ORDER BY seq`,
  /** All messages less those of marked conversations (few, found by the partial index `conversations_deleted`). */
  countAllMessages: `
    SELECT (SELECT count(*) FROM messages)
      - (SELECT count(*) FROM messages WHERE conversation_id IN (SELECT id FROM conversations WHERE deleted_at IS NOT NULL))
      AS n`,
  countMessages: `SELECT count(*) AS n FROM messages WHERE conversation_id = @id`,
  /** Candidates for "already here": same start time and title. */
  sameStart: `SELECT id FROM conversations WHERE created_at = @createdAt AND title = @title AND deleted_at IS NULL`,
  insertConversation: `
    INSERT INTO conversations
      (id, title, created_at, updated_at, current_leaf_id, pinned, archived, system_prompt, generation_json, model, source)
    VALUES (@id, @title, @createdAt, @updatedAt, NULL, @pinned, @archived, @systemPrompt, @generationJson, @model, @source)`,
  insertMessage: `
    INSERT INTO messages (id, conversation_id, parent_id, seq, role, content, status, created_at, stats_json, error)
    VALUES (@id, @conversationId, @parentId, @seq, @role, @content, @status, @createdAt, @statsJson, @error)`,
  setLeaf: `UPDATE conversations SET current_leaf_id = @leafId WHERE id = @id`,
} as const;

/** What {@link HistoryStore.importConversation} added. */
export interface ImportedConversation {
  /** The conversation's new id. */
  id: string;
  messages: number;
}

/**
 * The store's side of export and import: whole conversations (every branch) read in one consistent snapshot, and
 * written back with new ids in one `BEGIN IMMEDIATE` transaction each. The search index follows by itself (the
 * triggers of migration 004 index every inserted message that is not streaming, and every title).
 */
export class HistoryStore {
  readonly #connection: StoreConnection;
  readonly #statements: Prepared<typeof historySql>;

  /** @throws StoreError `DB_SCHEMA_MISMATCH` when `db` is not at the schema version this build expects. */
  constructor(db: Database, options: { now?: () => number } = {}) {
    this.#connection = new StoreConnection(db, options.now);
    this.#statements = this.#connection.prepareAll(historySql, 'history store');
  }

  /** Every conversation's id, oldest first. */
  conversationIds(): string[] {
    return this.#connection.run('list conversations to export', () =>
      (this.#statements.conversationIds.all({}) as Array<{ id: string }>).map((row) => row.id),
    );
  }

  /**
   * The conversations to export, oldest first, also from a damaged database: when the list cannot be read in one
   * go, the table is read row by row around the damage (see `readable-rows.ts`), and the conversations whose rows
   * are lost are named by id from an index (`unreadable`) so the export can list them.
   */
  listForExport(): { ids: string[]; unreadable: string[] } {
    return this.#connection.run('list conversations to export', () => {
      try {
        return { ids: (this.#statements.conversationIds.all({}) as Array<{ id: string }>).map((row) => row.id), unreadable: [] };
      } catch (error) {
        if (!isDamageError(error)) throw error;
        this.#connection.health.reportDamage(toStoreError(error, 'list conversations to export').message);
      }
      const db = this.#connection.db;
      const rows: Array<{ id: string; created_at: number }> = [];
      readReadableRows<{ id: string; created_at: number }>(db, 'conversations', ['id', 'created_at'], (row) => rows.push(row));
      rows.sort((a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      const readable = new Set(rows.map((row) => row.id));
      const known = firstReadable<{ id: string }>(db, [
        'SELECT id FROM conversations INDEXED BY conversations_by_list',
        'SELECT id FROM conversations INDEXED BY sqlite_autoindex_conversations_1',
        'SELECT DISTINCT conversation_id AS id FROM messages INDEXED BY messages_by_conversation_id',
      ]);
      return { ids: rows.map((row) => row.id), unreadable: known.map((row) => row.id).filter((id) => !readable.has(id)) };
    });
  }

  /** A conversation's title, or `null` when its row cannot be read (to name what a rescue export left out). */
  titleOf(id: string): string | null {
    try {
      return (this.#statements.conversation.get({ id }) as ConversationRow | undefined)?.title ?? null;
    } catch {
      return null;
    }
  }

  /**
   * Messages of every branch: of all conversations, or of one. On a damaged database, the count of any index of the
   * messages that can still be read, else 0 (it is only the progress bar's total).
   */
  countMessages(conversationId?: string): number {
    return this.#connection.run('count messages to export', () => {
      try {
        const row =
          conversationId === undefined
            ? this.#statements.countAllMessages.get({})
            : this.#statements.countMessages.get({ id: conversationId });
        return (row as { n: number }).n;
      } catch (error) {
        if (!isDamageError(error) || conversationId !== undefined) throw error;
        const [row] = firstReadable<{ n: number }>(
          this.#connection.db,
          ['messages_by_conversation_seq', 'messages_by_conversation_id', 'sqlite_autoindex_messages_1', 'messages_by_created_at'].map(
            (index) => `SELECT count(*) AS n FROM messages INDEXED BY ${index}`,
          ),
        );
        return row?.n ?? 0;
      }
    });
  }

  /**
   * One conversation with every message of every branch, read in one transaction so the tree and its current leaf
   * agree even while replies are written elsewhere. A reply still streaming is exported as it is now.
   * @throws StoreError `NOT_FOUND`.
   */
  readConversation(id: string): ExportedConversation {
    return this.#connection.run(`read conversation ${id} to export`, () =>
      this.#connection.db
        .transaction(() => {
          const row = this.#statements.conversation.get({ id }) as ConversationRow | undefined;
          if (!row) throw notFound('conversation', id);
          const record = toConversation(row);
          const messages = (this.#statements.messages.all({ id }) as MessageRow[]).map((messageRow) => {
            const message = toMessage(messageRow);
            return {
              id: message.id,
              parentId: message.parentId,
              role: message.role,
              content: message.content,
              status: message.status,
              createdAt: message.createdAt,
              stats: message.stats,
              error: message.error,
            } satisfies ExportedMessage;
          });
          return {
            id: record.id,
            title: record.title,
            createdAt: record.createdAt,
            updatedAt: record.updatedAt,
            pinned: record.pinned,
            archived: record.archived,
            systemPrompt: record.systemPrompt,
            generation: record.generation,
            model: record.model,
            source: record.source,
            currentLeafId: row.current_leaf_id,
            messages,
          } satisfies ExportedConversation;
        })
        .deferred(),
    );
  }

  /**
   * The id of a conversation already here that is the same as `conversation` — same title, start time and messages
   * (text, roles, statuses, times and tree shape) — or `null`. Options (pinned, prompt…) are not compared.
   */
  findDuplicate(conversation: ExportedConversation): string | null {
    return this.#connection.run('look for a copy of an imported conversation', () => {
      const candidates = this.#statements.sameStart.all({
        createdAt: conversation.createdAt,
        title: conversation.title,
      }) as Array<{ id: string }>;
      if (candidates.length === 0) return null;
      const wanted = fingerprint(conversation.messages);
      for (const { id } of candidates) {
        const messages = (this.#statements.messages.all({ id }) as MessageRow[]).map(toMessage);
        if (fingerprint(messages) === wanted) return id;
      }
      return null;
    });
  }

  /**
   * Add `conversation` (already validated, see `treeProblem`) with new ids for it and every message, in one
   * transaction: either all of it is there afterwards or none. Messages keep their order, times, statuses, stats and
   * tree; one left `streaming` becomes `interrupted` (nothing is writing it here).
   * @throws StoreError `TOO_LARGE`, `DB_FULL`, `DB_LOCKED`, …
   */
  importConversation(conversation: ExportedConversation): ImportedConversation {
    return this.#connection.run(`import conversation "${conversation.title}"`, () => {
      const s = this.#statements;
      const id = randomUUID();
      const newIds = new Map<string, string>();
      this.#connection.write(() => {
        s.insertConversation.run({
          id,
          title: checkedText(conversation.title, 'title'),
          createdAt: conversation.createdAt,
          updatedAt: conversation.updatedAt,
          pinned: conversation.pinned ? 1 : 0,
          archived: conversation.archived ? 1 : 0,
          systemPrompt: conversation.systemPrompt === null ? null : checkedText(conversation.systemPrompt, 'systemPrompt'),
          generationJson: JSON.stringify(conversation.generation),
          model: conversation.model === null ? null : checkedText(conversation.model, 'model'),
          source: conversation.source ?? 'chat',
        });
        conversation.messages.forEach((message, index) => {
          const messageId = randomUUID();
          newIds.set(message.id, messageId);
          s.insertMessage.run({
            id: messageId,
            conversationId: id,
            parentId: message.parentId === null ? null : (newIds.get(message.parentId) ?? null),
            seq: index + 1,
            role: message.role,
            content: checkedText(message.content, 'message'),
            status: importedStatus(message.status),
            createdAt: message.createdAt,
            statsJson: message.stats ? JSON.stringify(message.stats) : null,
            error: message.error === null ? null : checkedText(message.error, 'error'),
          });
        });
        const leaf = conversation.currentLeafId ?? conversation.messages.at(-1)?.id ?? null;
        if (leaf !== null) s.setLeaf.run({ id, leafId: newIds.get(leaf) ?? null });
      });
      return { id, messages: conversation.messages.length };
    });
  }

  /** Every later call fails with `DB_CLOSED`; the database stays open for its owner. Idempotent. */
  close(): void {
    this.#connection.close();
  }
}

/** A message as the duplicate check sees it. */
type Comparable = Pick<ExportedMessage, 'id' | 'parentId' | 'role' | 'content' | 'status' | 'createdAt'>;

/** A digest of a conversation's messages: their text, roles, statuses, times and tree shape (by position, not id). */
function fingerprint(messages: readonly Comparable[]): string {
  const hash = createHash('sha256');
  const position = new Map<string, number>();
  messages.forEach((message, index) => {
    position.set(message.id, index);
    const parent = message.parentId === null ? -1 : (position.get(message.parentId) ?? -2);
    hash.update(JSON.stringify([parent, message.role, importedStatus(message.status), message.createdAt, message.content]));
    hash.update('\n');
  });
  return hash.digest('hex');
}

/** Nothing writes an imported reply, so one exported mid-stream is stored as interrupted (and indexed). */
function importedStatus(status: ExportedMessage['status']): Exclude<ExportedMessage['status'], 'streaming'> {
  return status === 'streaming' ? 'interrupted' : status;
}
