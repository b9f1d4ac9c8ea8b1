/**
 * The shutdown promise: after Ctrl+C (the browser host) or quit (the desktop app) the process is gone within
 * {@link SHUTDOWN_DEADLINE_MS}, whatever is still pending — a model load stuck in native code, a slow backup, a
 * reply — with the database closed cleanly.
 */

/** After Ctrl+C or quit, the process exits within this long. */
export const SHUTDOWN_DEADLINE_MS = 5000;

/**
 * How long disposing the app waits for pending work to end by itself (replies stored as stopped, a backup's last
 * step, the engine saving the open conversation's state and freeing the model) before cutting it short: the engine
 * process is killed and the database closed anyway. Well inside {@link SHUTDOWN_DEADLINE_MS}, which also covers
 * closing the server and killing the engine.
 */
export const DISPOSE_GRACE_MS = 3000;

/**
 * Whether `promise` settled within `ms`: `true` when it resolved, `false` when time ran out (it keeps running,
 * unobserved). A rejection within the time is thrown.
 */
export async function settledWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true as const), expired]);
  } finally {
    clearTimeout(timer);
    promise.catch(() => undefined); // a rejection after the deadline has nobody left to tell
  }
}

/**
 * End pending work within `graceMs`: run `graceful` (which ends with disposing the engine, passing it the signal),
 * and if it has not settled by then, abort the signal and dispose the engine again, which kills its process, waiting
 * half a second more at most. Whatever is still pending after that is abandoned.
 */
export async function endWithin(
  graceful: (hurry: AbortSignal) => Promise<unknown>,
  engine: { dispose(options: { signal: AbortSignal }): Promise<void> },
  graceMs: number,
): Promise<void> {
  const hurry = new AbortController();
  if (!(await settledWithin(graceful(hurry.signal), graceMs))) {
    hurry.abort();
    await settledWithin(engine.dispose({ signal: hurry.signal }), 500);
  }
}
