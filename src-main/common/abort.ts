/** Small helpers for abortable work, usable anywhere (only `AbortSignal` and timers): racing, waiting, delaying. */

/** The outcome of racing work against an abort signal. */
export type Raced<T> = { aborted: false; value: T } | { aborted: true };

/**
 * Resolves with the work's value, or with `{ aborted: true }` as soon as `signal` aborts, whichever comes first.
 * The work itself keeps running (native llama.cpp calls cannot be interrupted); the caller must still wait for it
 * (`settle(work)`) before touching the same resources again. Rejections of the work propagate unless the abort won.
 */
export function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<Raced<T>> {
  if (signal.aborted) {
    void work.catch(() => undefined); // its failure no longer matters to anyone
    return Promise.resolve({ aborted: true });
  }
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      void work.catch(() => undefined);
      resolve({ aborted: true });
    };
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve({ aborted: false, value });
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Waits for a promise to finish either way, ignoring its result. */
export async function settle(work: Promise<unknown> | undefined): Promise<void> {
  await work?.then(
    () => undefined,
    () => undefined,
  );
}

/** A signal that aborts when any of the given ones does (`undefined` entries are ignored). */
export function anySignal(...signals: Array<AbortSignal | undefined>): AbortSignal {
  return AbortSignal.any(signals.filter((signal): signal is AbortSignal => signal !== undefined));
}

/** A promise that resolves after `ms` milliseconds, or at once when `signal` aborts. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted || ms <= 0) return resolve();
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}
