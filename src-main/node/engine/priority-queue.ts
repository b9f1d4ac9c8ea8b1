/**
 * A lock with priorities: one holder at a time, and when it releases, the waiter with the most urgent priority (the
 * lowest number) goes next; waiters of the same priority go in the order they asked. Like `SerialQueue`, a waiter
 * whose signal aborts leaves the line at once without blocking anyone.
 *
 * The engine lanes (`engine-lanes.ts`) use it so that a reply the user asked for in a window overtakes replies that
 * other programs asked of the local API and that are still waiting; the one already being written is never cut short.
 */
export class PriorityQueue {
  #held = false;
  #arrivals = 0;
  readonly #waiting: Waiter[] = [];

  /** Whether someone holds the lock now. */
  get held(): boolean {
    return this.#held;
  }

  /** How many wait, in all, or of one priority. */
  waiting(priority?: number): number {
    return priority === undefined ? this.#waiting.length : this.#waiting.filter((waiter) => waiter.priority === priority).length;
  }

  /**
   * Waits for this caller's turn and resolves with the function that ends it (call it exactly once; later calls do
   * nothing). If `signal` aborts first, resolves with `null` at once.
   */
  acquire(priority: number, signal?: AbortSignal): Promise<(() => void) | null> {
    if (signal?.aborted) return Promise.resolve(null);
    if (!this.#held) {
      this.#held = true;
      return Promise.resolve(this.#release());
    }
    return new Promise((resolve) => {
      const waiter: Waiter = {
        priority,
        arrival: this.#arrivals++,
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(this.#release());
        },
      };
      const onAbort = (): void => {
        const index = this.#waiting.indexOf(waiter);
        if (index === -1) return;
        this.#waiting.splice(index, 1);
        resolve(null);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      // Kept sorted: most urgent first, then first come.
      const index = this.#waiting.findIndex(
        (other) => other.priority > priority || (other.priority === priority && other.arrival > waiter.arrival),
      );
      this.#waiting.splice(index === -1 ? this.#waiting.length : index, 0, waiter);
    });
  }

  #release(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.shift();
      if (next) next.grant();
      else this.#held = false;
    };
  }
}

interface Waiter {
  priority: number;
  arrival: number;
  grant: () => void;
}
