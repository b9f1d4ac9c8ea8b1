import { DELETE_UNDO_WINDOW_MS } from '../../src-main/common/contract';
import { HoldableTimers, type HoldReason } from './hold-timers';

export type { HoldReason } from './hold-timers';

/** How long a toast stays, in ms, not counting the time it is held (pointer over it, or focus in it). */
export const UNDO_TOAST_MS = 8_000;
/**
 * A toast closes this long after the deletion at the latest, even while held: the app keeps a deleted conversation
 * restorable for {@link DELETE_UNDO_WINDOW_MS}, and Undo must never be offered once it may be too late.
 */
export const UNDO_TOAST_LATEST_MS = DELETE_UNDO_WINDOW_MS - 5_000;
/** Toasts shown at once; an older one beyond these closes (its deletion then simply stands). */
const MAX_TOASTS = 3;

/** One "Deleted “title” — Undo" toast. */
export interface DeletionToast {
  /** Unique per toast (a conversation deleted, restored and deleted again gets a new one). */
  readonly key: number;
  readonly conversationId: string;
  readonly title: string;
  /** It was the open conversation: Undo opens it again (if the window still shows the new chat it fell back to). */
  readonly wasOpen: boolean;
}

export interface UndoDeletionsOptions {
  /** Undo: restore the conversation in the app. */
  restore: (conversationId: string) => Promise<unknown>;
  /** The visible time, {@link UNDO_TOAST_MS} by default. */
  visibleMs?: number;
  /** The latest a toast may stay, {@link UNDO_TOAST_LATEST_MS} by default. */
  latestMs?: number;
  now?: () => number;
}

/**
 * The Undo toasts of deleted conversations. A toast stays {@link UNDO_TOAST_MS}, paused while the pointer is over it
 * or focus is in it, and never past {@link UNDO_TOAST_LATEST_MS}. The deletion itself was made in the app (marked,
 * undoable) before the toast appeared, so closing the window, a reload or a crash never half-deletes anything: the
 * app completes the deletion when its undo window ends, and a conversation restored stays restored.
 */
export class UndoDeletions {
  toasts = $state.raw<DeletionToast[]>([]);

  readonly #restore: (conversationId: string) => Promise<unknown>;
  readonly #visibleMs: number;
  readonly #latestMs: number;
  readonly #timers: HoldableTimers<number>;
  #nextKey = 1;

  constructor(options: UndoDeletionsOptions) {
    this.#restore = options.restore;
    this.#visibleMs = options.visibleMs ?? UNDO_TOAST_MS;
    this.#latestMs = options.latestMs ?? UNDO_TOAST_LATEST_MS;
    this.#timers = new HoldableTimers((key) => this.dismiss(key), options.now);
  }

  /** Show a toast for a conversation the app has just deleted. */
  deleted(conversation: { id: string; title: string }, wasOpen: boolean): DeletionToast {
    const toast: DeletionToast = { key: this.#nextKey++, conversationId: conversation.id, title: conversation.title, wasOpen };
    for (const earlier of this.toasts.filter((shown) => shown.conversationId === conversation.id)) this.dismiss(earlier.key);
    this.toasts = [...this.toasts, toast];
    this.#timers.start(toast.key, this.#visibleMs, this.#latestMs);
    for (const old of this.toasts.slice(0, -MAX_TOASTS)) this.dismiss(old.key);
    return toast;
  }

  /** Hold a toast open for `reason` (`on`), or let it go on counting down (`!on`). */
  hold(key: number, reason: HoldReason, on: boolean): void {
    this.#timers.hold(key, reason, on);
  }

  /** Close a toast without undoing: the deletion stands. */
  dismiss(key: number): void {
    this.#timers.cancel(key);
    this.toasts = this.toasts.filter((toast) => toast.key !== key);
  }

  /**
   * Undo a deletion: restore the conversation in the app, then close the toast. Resolves with the toast once
   * restored (`null` when it had already closed); a failure (too late, the app unreachable) is thrown to the caller
   * and the toast is left to its timer.
   */
  async undo(key: number): Promise<DeletionToast | null> {
    const toast = this.toasts.find((shown) => shown.key === key);
    if (!toast) return null;
    await this.#restore(toast.conversationId);
    this.dismiss(key);
    return toast;
  }

  /** Close every toast (the window is going away); the deletions stand. */
  dispose(): void {
    for (const toast of this.toasts) this.dismiss(toast.key);
  }
}
