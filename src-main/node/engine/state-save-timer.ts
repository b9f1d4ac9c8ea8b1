import type { ConversationStates } from './conversation-states';
import type { SerialQueue } from './serial-queue';

/**
 * When the conversation in the context gets its KV state saved while the engine runs: once the engine has been idle
 * for a while after a reply (`delayMs`), or at once when a prefill has made the conversation ready for its next
 * message. The save takes the engine's queue like any request, so it never runs beside a reply. (Saves before
 * another conversation takes over, and on dispose, are `ConversationStates`' and the engine's own.)
 */
export class StateSaveTimer {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly queue: SerialQueue,
    /** The engine's dispose signal: no save is scheduled or started after it. */
    private readonly disposed: AbortSignal,
    private readonly delayMs: number,
    /** The states of the model loaded now, if any. */
    private readonly states: () => ConversationStates | undefined,
  ) {}

  /** Saves the current conversation's state (if it changed) after `delayMs`, unless rescheduled meanwhile. */
  schedule(delayMs = this.delayMs): void {
    clearTimeout(this.timer);
    if (!this.states()?.persistent || this.disposed.aborted) return;
    this.timer = setTimeout(() => {
      void this.queue.acquire(this.disposed).then(async (release) => {
        if (!release) return;
        try {
          await this.states()?.save();
        } finally {
          release();
        }
      });
    }, delayMs);
    this.timer.unref();
  }

  cancel(): void {
    clearTimeout(this.timer);
  }
}
