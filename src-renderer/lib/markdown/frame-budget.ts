/**
 * A share of each frame for rendering finished messages' Markdown, so that a long scroll never makes a long frame.
 *
 * Rendering a message costs a few milliseconds (lexing, highlighting, typesetting, sanitising). Scrolled at a
 * reader's speed, one or two messages come into view per frame and that fits; flung a viewport per frame through a
 * long conversation, every frame brought a viewport of new messages, and the UI benchmark measured frames of 31 ms
 * at the p95. With a budget, a frame renders messages until its share is spent; the rest show their text as written
 * for a frame or two and are rendered in the frames that follow, newest request first (what the reader sees now),
 * and a message that scrolls away before its turn is never rendered at all.
 *
 * The first task of a frame always runs, whatever it costs, so the queue always moves. "A frame" is measured from the
 * browser's animation-frame callback when one has run since the last task, or else as {@link FRAME_MS} from the first
 * task run since (the tasks come from Svelte's effects, which run outside animation frames).
 */

/** A frame at 60 Hz, ms. */
export const FRAME_MS = 16;

/** What a frame's rendering may take, ms: the rest of a 16 ms frame is the page's layout and paint. */
export const DEFAULT_BUDGET_MS = 6;

export interface FrameClock {
  now(): number;
  requestFrame(callback: () => void): void;
}

const browserClock: FrameClock = {
  now: () => performance.now(),
  requestFrame: (callback) => requestAnimationFrame(() => callback()),
};

export class FrameBudget {
  readonly #budgetMs: number;
  readonly #clock: FrameClock;
  /** Tasks waiting for a frame with time to spare, in the order they asked. */
  readonly #queue = new Set<() => void>();
  /** When the current frame began (per {@link FrameBudget}'s own reckoning), and the time its tasks took so far. */
  #frameStart = Number.NEGATIVE_INFINITY;
  #spent = 0;
  #frameRequested = false;

  constructor(options: { budgetMs?: number; clock?: FrameClock } = {}) {
    this.#budgetMs = options.budgetMs ?? DEFAULT_BUDGET_MS;
    this.#clock = options.clock ?? browserClock;
  }

  /** Tasks waiting for a later frame. */
  get pending(): number {
    return this.#queue.size;
  }

  /**
   * Run `task` now when this frame's share is not spent, or in a later frame. Returns `true` when it ran now; until a
   * queued task has run, `cancel` (given back through `onQueued`) drops it.
   */
  run(task: () => void, onQueued?: (cancel: () => void) => void): boolean {
    this.#startFrameIfOver();
    if (this.#spent < this.#budgetMs) {
      this.#timed(task);
      return true;
    }
    this.#queue.add(task);
    onQueued?.(() => this.#queue.delete(task));
    this.#requestFrame();
    return false;
  }

  /** Run `task` now if it is still waiting (someone needs its result at once); whether it was. */
  flush(task: () => void): boolean {
    if (!this.#queue.delete(task)) return false;
    this.#timed(task);
    return true;
  }

  #startFrameIfOver(): void {
    const now = this.#clock.now();
    if (now - this.#frameStart >= FRAME_MS) {
      this.#frameStart = now;
      this.#spent = 0;
    }
  }

  #timed(task: () => void): void {
    const started = this.#clock.now();
    try {
      task();
    } finally {
      this.#spent += this.#clock.now() - started;
    }
  }

  #requestFrame(): void {
    if (this.#frameRequested) return;
    this.#frameRequested = true;
    this.#clock.requestFrame(() => {
      this.#frameRequested = false;
      this.#frameStart = this.#clock.now();
      this.#spent = 0;
      // The newest requests first: the reader is where the scroll is now, not where it was.
      for (const task of [...this.#queue].reverse()) {
        if (this.#spent >= this.#budgetMs && this.#spent > 0) break;
        this.#queue.delete(task);
        this.#timed(task);
      }
      if (this.#queue.size > 0) this.#requestFrame();
    });
  }
}

/** The page's one budget, shared by every message's Markdown view. */
export const messageRenderBudget = new FrameBudget();
