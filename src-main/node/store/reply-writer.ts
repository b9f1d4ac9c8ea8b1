import type { ConversationStore } from './conversation-store';

/** When a {@link ReplyWriter} commits: whichever limit is reached first. */
export interface ReplyWriterOptions {
  /** Milliseconds since the last commit (default 100): what a crash can cost at most, in time. */
  maxDelayMs?: number;
  /** Deltas (tokens, for a model that streams one token per delta) waiting (default 16). */
  maxTokens?: number;
  /** Characters waiting (default 1,024), for engines that stream large deltas. */
  maxChars?: number;
  /** The clock, ms; tests pass a fake. */
  now?: () => number;
}

/**
 * Batches a streaming reply's deltas into commits bounded by time and token count, so the database sees a few small
 * transactions per second instead of one per token, and a crash loses at most the last batch.
 *
 * A write is acknowledged only after its commit: {@link committedLength} counts the characters that are durable
 * against a process crash, and {@link push} / {@link flush} return only after committing. Limits are checked when a
 * delta arrives (there is no timer); call {@link flush} when generation ends or pauses.
 */
export class ReplyWriter {
  readonly #store: Pick<ConversationStore, 'appendToMessage'>;
  readonly #messageId: string;
  readonly #maxDelayMs: number;
  readonly #maxTokens: number;
  readonly #maxChars: number;
  readonly #now: () => number;
  #pending = '';
  #pendingTokens = 0;
  #lastCommit: number;
  #committedLength = 0;
  #commits = 0;

  constructor(store: Pick<ConversationStore, 'appendToMessage'>, messageId: string, options: ReplyWriterOptions = {}) {
    this.#store = store;
    this.#messageId = messageId;
    this.#maxDelayMs = options.maxDelayMs ?? 100;
    this.#maxTokens = options.maxTokens ?? 16;
    this.#maxChars = options.maxChars ?? 1024;
    this.#now = options.now ?? Date.now;
    this.#lastCommit = this.#now();
  }

  /**
   * Add a delta; commits the batch when a limit is reached. Returns true when it committed.
   * @throws StoreError from `appendToMessage`; the batch is kept, so a retry or {@link flush} may write it.
   */
  push(delta: string): boolean {
    if (!delta) return false;
    this.#pending += delta;
    this.#pendingTokens += 1;
    const due =
      this.#pendingTokens >= this.#maxTokens ||
      this.#pending.length >= this.#maxChars ||
      this.#now() - this.#lastCommit >= this.#maxDelayMs;
    return due ? this.flush() : false;
  }

  /** Commit whatever is waiting. Returns true when there was something to commit. */
  flush(): boolean {
    if (!this.#pending) return false;
    this.#store.appendToMessage(this.#messageId, this.#pending);
    this.#committedLength += this.#pending.length;
    this.#commits += 1;
    this.#pending = '';
    this.#pendingTokens = 0;
    this.#lastCommit = this.#now();
    return true;
  }

  /** Characters of the streamed text committed so far (as pushed, before any well-formedness repair). */
  get committedLength(): number {
    return this.#committedLength;
  }

  /** How many commits this writer made. */
  get commits(): number {
    return this.#commits;
  }
}
