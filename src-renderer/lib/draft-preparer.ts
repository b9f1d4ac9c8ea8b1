/** At most one draft is sent per this many ms while the user types. */
export const DRAFT_INTERVAL_MS = 100;

/** Sends a draft to the app (`chat.prepare`); failures do not matter, it is only a head start. */
export type PrepareDraft = (conversationId: string, text: string) => void;

/**
 * Tells the app what the user is writing, so the engine can evaluate the prompt ahead and a reply starts sooner
 * after Send (`chat.prepare`). While the text changes it is sent at most once per `intervalMs` (the latest text,
 * `intervalMs` after the first change): a steady typist never pauses long enough for a debounce, and the engine
 * keeps up with typing easily (a few tokens per second), superseding each draft with the next. A conversation being
 * opened is sent at once. A draft already sent is not sent again. Nothing is sent for a new chat (it has no
 * conversation yet) or while `enabled` says no (the user's `prepareWhileTyping` setting, or no model).
 */
export class DraftPreparer {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #pending: { conversationId: string; text: string } | null = null;
  #lastSent: { conversationId: string; text: string } | null = null;

  constructor(
    private readonly prepare: PrepareDraft,
    private readonly enabled: () => boolean,
    private readonly intervalMs = DRAFT_INTERVAL_MS,
  ) {}

  /** The composer's text changed. */
  typed(conversationId: string | null, text: string): void {
    if (conversationId === null) {
      this.#cancel();
      return;
    }
    this.#pending = { conversationId, text };
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      const pending = this.#pending;
      this.#pending = null;
      if (pending) this.#send(pending.conversationId, pending.text);
    }, this.intervalMs);
  }

  /** A conversation was opened, with `text` in the composer. */
  opened(conversationId: string | null, text: string): void {
    this.#cancel();
    if (conversationId !== null) this.#send(conversationId, text);
  }

  /** A message was sent: the app prepares the follow-up itself once the reply ends. */
  sent(conversationId: string): void {
    this.#cancel();
    this.#lastSent = { conversationId, text: '' };
  }

  dispose(): void {
    this.#cancel();
  }

  #cancel(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#pending = null;
  }

  #send(conversationId: string, text: string): void {
    const last = this.#lastSent;
    if (last?.conversationId === conversationId && last.text === text) return;
    if (!this.enabled()) return;
    this.#lastSent = { conversationId, text };
    this.prepare(conversationId, text);
  }
}
