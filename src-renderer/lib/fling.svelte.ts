/**
 * Whether a list is being flung: scrolled faster than anyone reads, in a run of big steps. While it is, rows that
 * come into view are shown light — their text as written, without its formatting or the message's buttons — and
 * get both as soon as the scroll slows down. A row costs a few milliseconds to build in full (its components, its
 * Markdown, their layout); a fling of a screen per frame brings a screen of new rows every frame, and the UI
 * benchmark measured frames of 27 ms at the p95 that way. Nobody reads at that speed; the text is there, the
 * formatting follows a moment later, as in most chat apps.
 *
 * A fling is {@link FAST_STEPS} scroll steps in a row, each of at least {@link FAST_FRACTION} of the view and
 * within {@link FAST_WINDOW_MS} of each other: a reader's wheel or trackpad moves far less per step, and one jump
 * (to the latest message, to a search hit, a conversation opening at its end) is a single step. It ends
 * {@link SETTLE_MS} after the last fast step.
 */

export const FAST_FRACTION = 0.5;
export const FAST_STEPS = 3;
export const FAST_WINDOW_MS = 100;
export const SETTLE_MS = 150;

export interface FlingClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const browserClock: FlingClock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export class FlingDetector {
  /** A fling is going on. */
  flinging = $state(false);
  readonly #clock: FlingClock;
  #offset: number | null = null;
  /** When the fast steps of the current run came. */
  #fastSteps: number[] = [];
  #settle: unknown = null;

  constructor(clock: FlingClock = browserClock) {
    this.#clock = clock;
  }

  /** The list's scroll offset is now `offset`, in a view `viewport` pixels tall. */
  observe(offset: number, viewport: number): void {
    const now = this.#clock.now();
    const moved = this.#offset === null ? 0 : Math.abs(offset - this.#offset);
    this.#offset = offset;
    if (viewport <= 0 || moved < viewport * FAST_FRACTION) {
      this.#fastSteps = [];
      return;
    }
    const last = this.#fastSteps.at(-1);
    if (last !== undefined && now - last > FAST_WINDOW_MS) this.#fastSteps = [];
    this.#fastSteps.push(now);
    if (this.#fastSteps.length < FAST_STEPS) return;
    if (!this.flinging) this.flinging = true;
    if (this.#settle !== null) this.#clock.clearTimeout(this.#settle);
    this.#settle = this.#clock.setTimeout(() => {
      this.#settle = null;
      this.#fastSteps = [];
      this.flinging = false;
    }, SETTLE_MS);
  }

  /** Forget the scroll so far (another conversation opened). */
  reset(): void {
    if (this.#settle !== null) this.#clock.clearTimeout(this.#settle);
    this.#settle = null;
    this.#offset = null;
    this.#fastSteps = [];
    this.flinging = false;
  }
}
