/** Why a timer is held: each reason is set and cleared on its own (pointer over the toast, focus in it). */
export type HoldReason = 'pointer' | 'focus';

interface Timing {
  /** When it fires if nothing holds it (epoch ms); while held, the time left is kept in `remaining`. */
  endsAt: number;
  remaining: number;
  /** The latest it may fire, held or not. */
  latest: number;
  holds: Set<HoldReason>;
  timer: ReturnType<typeof setTimeout> | null;
}

/**
 * Countdowns that pause while held and resume where they stopped, each with a deadline that holding cannot pass:
 * the timing of toasts that stay a few seconds but not while the user is reading or reaching for them.
 */
export class HoldableTimers<K> {
  readonly #onExpire: (key: K) => void;
  readonly #now: () => number;
  readonly #timings = new Map<K, Timing>();

  constructor(onExpire: (key: K) => void, now: () => number = Date.now) {
    this.#onExpire = onExpire;
    this.#now = now;
  }

  /** Fire `onExpire(key)` after `durationMs` of not being held, and at `latestMs` from now in any case. */
  start(key: K, durationMs: number, latestMs: number): void {
    this.cancel(key);
    const now = this.#now();
    this.#timings.set(key, { endsAt: now + durationMs, remaining: durationMs, latest: now + latestMs, holds: new Set(), timer: null });
    this.#arm(key);
  }

  /** Hold the countdown for `reason` (`on`), or let it go on (`!on`). */
  hold(key: K, reason: HoldReason, on: boolean): void {
    const timing = this.#timings.get(key);
    if (!timing || timing.holds.has(reason) === on) return;
    const wasHeld = timing.holds.size > 0;
    if (on) timing.holds.add(reason);
    else timing.holds.delete(reason);
    const held = timing.holds.size > 0;
    if (held && !wasHeld) timing.remaining = Math.max(0, timing.endsAt - this.#now());
    if (!held && wasHeld) timing.endsAt = this.#now() + timing.remaining;
    this.#arm(key);
  }

  /** Stop a countdown without firing it. */
  cancel(key: K): void {
    const timing = this.#timings.get(key);
    if (timing?.timer) clearTimeout(timing.timer);
    this.#timings.delete(key);
  }

  /** (Re)set the timer: at the end of the countdown when nothing holds it, at the deadline in any case. */
  #arm(key: K): void {
    const timing = this.#timings.get(key);
    if (!timing) return;
    if (timing.timer) clearTimeout(timing.timer);
    const firesAt = timing.holds.size > 0 ? timing.latest : Math.min(timing.endsAt, timing.latest);
    timing.timer = setTimeout(() => {
      this.#timings.delete(key);
      this.#onExpire(key);
    }, Math.max(0, firesAt - this.#now()));
  }
}
