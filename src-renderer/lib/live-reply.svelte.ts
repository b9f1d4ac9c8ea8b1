/**
 * The assistant reply this window is streaming right now. Only `text` changes while it streams, so only the one
 * message that shows it re-renders on each delta; the rest of the conversation is untouched.
 *
 * Deltas can arrive hundreds of times a second; they are buffered and applied once per animation frame, which is
 * as often as anyone can see them.
 */
export class LiveReply {
  /** The text streamed so far (as applied to the screen). */
  text = $state('');
  /** The stored assistant message being written, once the app has started it. */
  messageId = $state<string | null>(null);
  /** The conversation the reply belongs to (set once the conversation exists). */
  conversationId = $state<string | null>(null);

  readonly #controller = new AbortController();
  #buffer = '';
  #frame: number | null = null;

  /** Aborted by Stop; the RPC layer sends the cancel across the wire. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** True once Stop was pressed; the reply ends as soon as the app confirms. */
  stopping = $state(false);
  /** Replies the engine writes before this one (another window's): it waits its turn. 0 once it has started. */
  queuedBehind = $state(0);

  started(messageId: string): void {
    this.messageId = messageId;
  }

  append(delta: string): void {
    this.#buffer += delta;
    this.#frame ??= requestAnimationFrame(() => this.flush());
  }

  /** Apply buffered text now. */
  flush(): void {
    if (this.#frame !== null) cancelAnimationFrame(this.#frame);
    this.#frame = null;
    if (!this.#buffer) return;
    this.text += this.#buffer;
    this.#buffer = '';
  }

  stop(): void {
    this.stopping = true;
    this.#controller.abort();
  }
}
