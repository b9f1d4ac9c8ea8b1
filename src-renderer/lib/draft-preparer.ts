/** While the user types, at most one draft is sent per this many ms. */
export const DRAFT_INTERVAL_MS = 100;
/** Typing that stops for this long is a pause: the user may be about to press Enter. */
export const DRAFT_PAUSE_MS = 300;

/** Sends a draft to the app (`chat.prepare`); failures do not matter, it is only a head start. */
export type PrepareDraft = (conversationId: string, text: string, stillTyping: boolean) => void;

interface Draft {
  conversationId: string;
  text: string;
  stillTyping: boolean;
}

/**
 * Tells the app what the user is writing, so the engine can evaluate the prompt ahead and a reply starts sooner
 * after Send (`chat.prepare`):
 * - while the text changes, at most once per `intervalMs` (the latest text), marked `stillTyping` — the engine then
 *   evaluates only the words that are done, in small steps; a steady typist never pauses long enough for a debounce;
 * - when typing pauses for `pauseMs`, the text as it is, not `stillTyping` — the engine evaluates the whole prompt
 *   and samples the reply's first token, so an Enter after the pause starts the reply at once;
 * - when a conversation is opened, at once.
 * A draft already sent is not sent again. Nothing is sent for a new chat (it has no conversation yet) or while
 * `enabled` says no (the user's `prepareWhileTyping` setting, or no model).
 */
export class DraftPreparer {
  #intervalTimer: ReturnType<typeof setTimeout> | undefined;
  #pauseTimer: ReturnType<typeof setTimeout> | undefined;
  #latest: { conversationId: string; text: string } | null = null;
  #lastSent: Draft | null = null;

  constructor(
    private readonly prepare: PrepareDraft,
    private readonly enabled: () => boolean,
    private readonly intervalMs = DRAFT_INTERVAL_MS,
    private readonly pauseMs = DRAFT_PAUSE_MS,
  ) {}

  /** The composer's text changed. */
  typed(conversationId: string | null, text: string): void {
    if (conversationId === null) {
      this.#cancel();
      return;
    }
    this.#latest = { conversationId, text };
    this.#intervalTimer ??= setTimeout(() => {
      this.#intervalTimer = undefined;
      if (this.#latest) this.#send({ ...this.#latest, stillTyping: true });
    }, this.intervalMs);
    clearTimeout(this.#pauseTimer);
    this.#pauseTimer = setTimeout(() => {
      const latest = this.#latest;
      this.#cancel();
      if (latest) this.#send({ ...latest, stillTyping: false });
    }, this.pauseMs);
  }

  /** A conversation was opened, with `text` in the composer. */
  opened(conversationId: string | null, text: string): void {
    this.#cancel();
    if (conversationId !== null) this.#send({ conversationId, text, stillTyping: false });
  }

  /** A message was sent: the app prepares the follow-up itself once the reply ends. */
  sent(conversationId: string): void {
    this.#cancel();
    this.#lastSent = { conversationId, text: '', stillTyping: false };
  }

  dispose(): void {
    this.#cancel();
  }

  #cancel(): void {
    clearTimeout(this.#intervalTimer);
    clearTimeout(this.#pauseTimer);
    this.#intervalTimer = undefined;
    this.#pauseTimer = undefined;
    this.#latest = null;
  }

  #send(draft: Draft): void {
    const last = this.#lastSent;
    // A draft sent as it is covers the same text still being typed; not the other way round.
    const covered = !last?.stillTyping || draft.stillTyping;
    if (last?.conversationId === draft.conversationId && last.text === draft.text && covered) return;
    if (!this.enabled()) return;
    this.#lastSent = draft;
    this.prepare(draft.conversationId, draft.text, draft.stillTyping);
  }
}
