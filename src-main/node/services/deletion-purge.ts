import type { ConversationStore } from '../store/conversation-store';

/** The part of the store the purge needs. */
export type PurgeStore = Pick<ConversationStore, 'listDeleted' | 'purgeDeleted'>;

export interface DeletionPurgeOptions {
  /** How long after its deletion a conversation can still be restored; it is purged once this has passed. */
  undoWindowMs: number;
  /** The clock (epoch ms) the store marks deletions with. */
  now?: () => number;
  /** Told when a purge fails (it is tried again one undo window later, and at the next start in any case). */
  onError?: (error: unknown) => void;
}

/**
 * Deletes for good the conversations the user deleted, once their undo window has passed (`conversations.delete`
 * only marks them, see migration 006). One timer, set for the oldest mark; each purge re-reads the marks from the
 * store, so an undo needs no cancelling (the purge just finds the mark gone) and the database is the only record of
 * what is pending. The timer does not keep the process alive: what it has not purged by exit is purged by
 * {@link purgeLeftovers} at the next start.
 */
export class DeletionPurge {
  readonly #store: PurgeStore;
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #onError: (error: unknown) => void;
  #timer: ReturnType<typeof setTimeout> | null = null;
  /** When the timer fires (epoch ms). */
  #dueAt = Infinity;
  #disposed = false;

  constructor(store: PurgeStore, options: DeletionPurgeOptions) {
    this.#store = store;
    this.#windowMs = options.undoWindowMs;
    this.#now = options.now ?? Date.now;
    this.#onError = options.onError ?? (() => {});
  }

  /**
   * At start-up: purge every conversation still marked deleted. Its undo window, if not already over, belonged to a
   * window that is gone (the app quit or crashed), so nobody can undo it any more, and the user did not: the
   * deletion is completed rather than forgotten. Returns the ids purged. A failure does not stop the app: it goes to
   * `onError` and the marked conversations (still hidden everywhere) are tried again one undo window later.
   */
  purgeLeftovers(): string[] {
    try {
      return this.#store.purgeDeleted(Number.MAX_SAFE_INTEGER);
    } catch (error) {
      this.#onError(error);
      this.#schedule(this.#now() + this.#windowMs);
      return [];
    }
  }

  /** A conversation was marked deleted at `deletedAt`: purge it once its undo window has passed. */
  deleted(deletedAt: number): void {
    this.#schedule(deletedAt + this.#windowMs);
  }

  /** Stop the timer (at shutdown); what is still marked is purged at the next start. Idempotent. */
  dispose(): void {
    this.#disposed = true;
    this.#clear();
  }

  #schedule(dueAt: number): void {
    if (this.#disposed || (this.#timer !== null && this.#dueAt <= dueAt)) return;
    this.#clear();
    this.#dueAt = dueAt;
    this.#timer = setTimeout(() => this.#purgeDue(), Math.max(0, dueAt - this.#now()));
    this.#timer.unref?.();
  }

  #purgeDue(): void {
    this.#timer = null;
    this.#dueAt = Infinity;
    if (this.#disposed) return;
    try {
      this.#store.purgeDeleted(this.#now() - this.#windowMs);
      const next = this.#store.listDeleted()[0];
      if (next) this.#schedule(next.deletedAt + this.#windowMs);
    } catch (error) {
      this.#onError(error);
      this.#schedule(this.#now() + this.#windowMs);
    }
  }

  #clear(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#dueAt = Infinity;
  }
}
