import { createHash, randomUUID } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { toConversation, toMessage } from './conversation-rows';
import type { ConversationRow, MessageRow } from './conversation-rows';
import { CONVERSATION_COLUMNS, MESSAGE_COLUMNS } from './conversation-sql';
import type { ExportedConversation, ExportedMessage } from './history-schema';
import { checkedText } from './input-limits';
import { buildMatchExpression } from './search-query';
import { firstReadable, readReadableRows } from './readable-rows';
import { notFound, StoreConnection } from './store-connection';
import type { Prepared } from './store-connection';
import { isDamageError, toStoreError } from './store-error';

/** Every statement of {@link HistoryStore}; values are bound, never spliced. */
const historySql = {
  /**
   * Oldest first, so an export reads in the order the history was written. Conversations marked deleted (migration
   * 008) are as good as gone: never exported, never "already here" for an import. `@archived` 0 leaves archived
   * ones out.
   */
  conversationIds: `SELECT id FROM conversations WHERE deleted_at IS NULL AND (@archived = 1 OR archived = 0) ORDER BY created_at, id`,
  /** Those of the named conversations (a JSON array of ids) that exist, oldest first. */
  namedIds: `
    SELECT id FROM conversations
    WHERE id IN (SELECT value FROM json_each(@ids)) AND deleted_at IS NULL AND (@archived = 1 OR archived = 0)
    ORDER BY created_at, id`,
  /**
   * Conversations with a message matching `@match` (FTS5) written in [`@from`, `@to`), or a title matching it and an
   * update in that time — what the sidebar's search finds, all of it rather than a ranked page.
   */
  matchingIds: `
    SELECT c.id FROM conversations AS c
    WHERE c.deleted_at IS NULL AND (@archived = 1 OR c.archived = 0)
      AND (
        c.id IN (
          SELECT m.conversation_id FROM messages_search
          CROSS JOIN messages AS m ON m.rowid = messages_search.rowid
          WHERE messages_search MATCH @match AND m.created_at >= @from AND m.created_at < @to)
        OR (c.rowid IN (SELECT rowid FROM conversations_search WHERE conversations_search MATCH @match)
          AND c.updated_at >= @from AND c.updated_at < @to))
    ORDER BY c.created_at, c.id`,
  /** Conversations with a message written in [`@from`, `@to`) (`messages_by_created_at`), or started then. */
  idsInRange: `
    SELECT c.id FROM conversations AS c
    WHERE c.deleted_at IS NULL AND (@archived = 1 OR c.archived = 0)
      AND (
        c.id IN (SELECT conversation_id FROM messages WHERE created_at >= @from AND created_at < @to)
        OR (c.created_at >= @from AND c.created_at < @to))
    ORDER BY c.created_at, c.id`,
  conversation: `SELECT ${CONVERSATION_COLUMNS}, origin FROM conversations WHERE id = @id AND deleted_at IS NULL`,
  /** What a table of contents shows of a conversation. */
  summary: `
    SELECT title, created_at AS createdAt, (SELECT count(*) FROM messages WHERE conversation_id = @id) AS messages
    FROM conversations WHERE id = @id AND deleted_at IS NULL`,
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
  /** An imported conversation already here, by the key of where it came from (`conversations_by_origin`). */
  sameOrigin: `SELECT id FROM conversations WHERE origin = @origin AND deleted_at IS NULL LIMIT 1`,
  insertConversation: `
    INSERT INTO conversations
      (id, title, created_at, updated_at, current_leaf_id, pinned, archived, system_prompt, generation_json, model, source,
       origin)
    VALUES (@id, @title, @createdAt, @updatedAt, NULL, @pinned, @archived, @systemPrompt, @generationJson, @model, @source,
       @origin)`,
  insertMessage: `
    INSERT INTO messages (id, conversation_id, parent_id, seq, role, content, status, created_at, stats_json, error)
    VALUES (@id, @conversationId, @parentId, @seq, @role, @content, @status, @createdAt, @statsJson, @error)`,
  setLeaf: `UPDATE conversations SET current_leaf_id = @leafId WHERE id = @id`,
} as const;

/** Which conversations an export takes (see {@link HistoryStore.idsFor}). */
export type ExportSelection =
  | { kind: 'all' }
  | { kind: 'conversations'; ids: readonly string[] }
  | { kind: 'search'; query?: string | undefined; from?: number | undefined; to?: number | undefined };

/** A conversation as a table of contents lists it. */
export interface ConversationSummary {
  title: string;
  createdAt: number;
  /** Messages of every branch. */
  messages: number;
}

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

  /** True once the database is known to be damaged: a read may then fail where the damage is. */
  get damaged(): boolean {
    return this.#connection.health.damage !== null;
  }

  /** Every conversation's id, oldest first (archived ones too unless `includeArchived` is false). */
  conversationIds(includeArchived = true): string[] {
    return this.#connection.run('list conversations to export', () =>
      this.#statements.conversationIds.pluck().all({ archived: includeArchived ? 1 : 0 }) as string[],
    );
  }

  /**
   * The conversations `selection` takes, oldest first: all of them (see {@link listForExport}, which also reads
   * around damage), those of the named ids that exist, or those a search and date range find. Deleted conversations
   * never; archived ones only with `includeArchived`.
   */
  idsFor(selection: ExportSelection, includeArchived: boolean): { ids: string[]; unreadable: string[] } {
    if (selection.kind === 'all') return this.listForExport(includeArchived);
    const archived = includeArchived ? 1 : 0;
    return this.#connection.run('list conversations to export', () => {
      const s = this.#statements;
      if (selection.kind === 'conversations') {
        return { ids: s.namedIds.pluck().all({ ids: JSON.stringify(selection.ids), archived }) as string[], unreadable: [] };
      }
      const range = { from: selection.from ?? Number.MIN_SAFE_INTEGER, to: selection.to ?? Number.MAX_SAFE_INTEGER };
      const match = buildMatchExpression(selection.query ?? '');
      if (match === null) {
        // Nothing to search for (blank, or only punctuation): the date range alone decides.
        if (selection.from === undefined && selection.to === undefined) return this.listForExport(includeArchived);
        return { ids: s.idsInRange.pluck().all({ ...range, archived }) as string[], unreadable: [] };
      }
      return { ids: s.matchingIds.pluck().all({ ...range, match, archived }) as string[], unreadable: [] };
    });
  }

  /** A conversation's title, start and size for a table of contents; `null` when it is gone or cannot be read. */
  summary(id: string): ConversationSummary | null {
    try {
      return (this.#statements.summary.get({ id }) as ConversationSummary | undefined) ?? null;
    } catch {
      return null;
    }
  }

  /**
   * The conversations to export, oldest first, also from a damaged database: when the list cannot be read in one
   * go, the table is read row by row around the damage (see `readable-rows.ts`), and the conversations whose rows
   * are lost are named by id from an index (`unreadable`) so the export can list them.
   */
  listForExport(includeArchived = true): { ids: string[]; unreadable: string[] } {
    return this.#connection.run('list conversations to export', () => {
      try {
        return { ids: this.#statements.conversationIds.pluck().all({ archived: includeArchived ? 1 : 0 }) as string[], unreadable: [] };
      } catch (error) {
        if (!isDamageError(error)) throw error;
        this.#connection.health.reportDamage(toStoreError(error, 'list conversations to export').message);
      }
      const db = this.#connection.db;
      const rows: Array<{ id: string; created_at: number }> = [];
      // Every row read (deleted or archived ones too): only the conversations no row was read for are lost.
      const readable = new Set<string>();
      readReadableRows<{ id: string; created_at: number; archived: number; deleted_at: number | null }>(
        db,
        'conversations',
        ['id', 'created_at', 'archived', 'deleted_at'],
        (row) => {
          readable.add(row.id);
          if (row.deleted_at === null && (includeArchived || row.archived === 0)) rows.push(row);
        },
      );
      rows.sort((a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      const known = firstReadable<{ id: string }>(db, [
        'SELECT id FROM conversations INDEXED BY conversations_by_list',
        'SELECT id FROM conversations INDEXED BY sqlite_autoindex_conversations_1',
        'SELECT DISTINCT conversation_id AS id FROM messages INDEXED BY messages_by_conversation_id',
      ]);
      const lost = known.map((row) => row.id).filter((id) => !readable.has(id) && readable.add(id));
      return { ids: rows.map((row) => row.id), unreadable: lost };
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
          const row = this.#statements.conversation.get({ id }) as (ConversationRow & { origin: string | null }) | undefined;
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
            ...(row.origin ? { origin: row.origin } : {}),
            currentLeafId: row.current_leaf_id,
            messages,
          } satisfies ExportedConversation;
        })
        .deferred(),
    );
  }

  /**
   * The id of a conversation already here that is the same as `conversation`, or `null`: for one with an `origin`, the
   * one imported from the same source conversation; else one with the same title, start time and messages (text,
   * roles, statuses, times and tree shape). Options (pinned, prompt…) are not compared.
   */
  findDuplicate(conversation: ExportedConversation): string | null {
    return this.#connection.run('look for a copy of an imported conversation', () => {
      // Keyed on where it came from when it says: a title and time shared by many (ChatGPT's "New chat") decide nothing.
      if (conversation.origin !== undefined) {
        return (this.#statements.sameOrigin.pluck().get({ origin: conversation.origin }) as string | undefined) ?? null;
      }
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
          origin: conversation.origin ?? null,
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
