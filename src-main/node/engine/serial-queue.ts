/**
 * A first-in, first-out lock: each caller gets its turn after every earlier caller has released theirs. The engines
 * use it to serve one request at a time, in order, because a model has a single KV cache to work with.
 */
export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();

  /**
   * Waits for this caller's turn and resolves with the function that ends it (call it exactly once).
   * If `signal` aborts first, resolves with `null` at once; the place in line is then given up without blocking
   * anyone behind it.
   */
  acquire(signal?: AbortSignal): Promise<(() => void) | null> {
    let release!: () => void;
    const finished = new Promise<void>((resolve) => (release = resolve));
    const turn = this.tail;
    this.tail = turn.then(() => finished);

    return new Promise((resolve) => {
      let settled = false;
      const onAbort = (): void => {
        if (settled) return;
        settled = true;
        resolve(null);
        void turn.then(release);
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      void turn.then(() => {
        signal?.removeEventListener('abort', onAbort);
        if (settled) return;
        settled = true;
        resolve(once(release));
      });
    });
  }
}

function once(fn: () => void): () => void {
  let called = false;
  return () => {
    if (called) return;
    called = true;
    fn();
  };
}
