import type { Database } from 'better-sqlite3';
import { assertWithinLimit } from './input-limits';
import { notFound, StoreConnection } from './store-connection';
import type { Prepared } from './store-connection';
import { StoreError } from './store-error';
import { toWellFormedText } from './well-formed-text';

const sql = {
  // A conversation deleted (marked, still within its Undo) has no draft to show, and takes none.
  get: `SELECT d.text, d.full_length, d.updated_at FROM drafts d
        WHERE d.conversation_id IS @conversationId
          AND (d.conversation_id IS NULL OR EXISTS (SELECT 1 FROM conversations c WHERE c.id = d.conversation_id AND c.deleted_at IS NULL))`,
  remove: `DELETE FROM drafts WHERE conversation_id IS @conversationId`,
  insert: `
    INSERT INTO drafts (conversation_id, text, full_length, updated_at)
    VALUES (@conversationId, @text, @fullLength, @now)`,
  conversationExists: `SELECT 1 FROM conversations WHERE id = @conversationId AND deleted_at IS NULL`,
} as const;

/** A saved draft. */
export interface StoredDraft {
  /** `null`: the new chat. */
  conversationId: string | null;
  text: string;
  /** The full length of a text longer than a message may be, of which `text` is the start; `null` otherwise. */
  fullLength: number | null;
  /** When it was saved, epoch ms. */
  savedAt: number;
}

/**
 * The composer's unsent text per conversation, and for the new chat (`drafts`, migration 006). A conversation's
 * draft is deleted with it. Saving an empty text removes the draft.
 */
export class DraftStore {
  readonly #connection: StoreConnection;
  readonly #statements: Prepared<typeof sql>;

  /**
   * Use an open, migrated database; {@link close} does not close it.
   * @throws StoreError `DB_SCHEMA_MISMATCH`.
   */
  constructor(db: Database, options: { now?: () => number } = {}) {
    this.#connection = new StoreConnection(db, options.now);
    this.#statements = this.#connection.prepareAll(sql, 'draft store');
  }

  /** The draft of `conversationId` (`null`: the new chat), or `null` when there is none. */
  get(conversationId: string | null): StoredDraft | null {
    return this.#connection.run('read a draft', () => {
      const row = this.#statements.get.get({ conversationId }) as
        | { text: string; full_length: number | null; updated_at: number }
        | undefined;
      return row ? { conversationId, text: row.text, fullLength: row.full_length, savedAt: row.updated_at } : null;
    });
  }

  /**
   * Save `text` as the draft of `conversationId` (replacing the previous one); an empty text removes it and returns
   * `null`. `fullLength`: the text typed was longer than a message may be, and `text` is its start.
   * @throws StoreError `NOT_FOUND` for an unknown conversation, `TOO_LARGE` for a text over a message's limit,
   * `INVALID_INPUT` for a `fullLength` that is not longer than `text`.
   */
  save(conversationId: string | null, text: string, fullLength: number | null = null): StoredDraft | null {
    return this.#connection.run('save a draft', () => {
      assertWithinLimit(text.length, 'message');
      if (fullLength !== null && !(Number.isSafeInteger(fullLength) && fullLength > text.length)) {
        throw new StoreError('INVALID_INPUT', `A draft's full length (${fullLength}) must be more than the text saved`);
      }
      const now = this.#connection.now();
      return this.#connection.write(() => {
        if (conversationId !== null && this.#statements.conversationExists.get({ conversationId }) === undefined) {
          throw notFound('conversation', conversationId);
        }
        this.#statements.remove.run({ conversationId });
        if (text === '') return null;
        const stored = toWellFormedText(text);
        this.#statements.insert.run({ conversationId, text: stored, fullLength, now });
        return { conversationId, text: stored, fullLength, savedAt: now };
      });
    });
  }

  /** Every later call fails with `DB_CLOSED`. Idempotent. */
  close(): void {
    this.#connection.close();
  }
}
