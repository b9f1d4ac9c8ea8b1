import { getLlama, LlamaLogLevel, type Llama } from 'node-llama-cpp';

/**
 * The node-llama-cpp runtime (`Llama`), shared by every engine in the process.
 *
 * Why shared: the native llama.cpp backend is process-global. Every `getLlama()` returns a new `Llama`, but they all
 * drive the same addon, and disposing any one of them frees the backend under the others; with several instances
 * alive, a later `Llama.dispose()` was seen to hang. So the process holds at most one `Llama`: created on the first
 * `acquireLlama`, disposed when the last holder releases it.
 */

/** A hold on the shared runtime; `release` exactly once when done with it and everything made from it. */
export interface LlamaLease {
  llama: Llama;
  release(): Promise<void>;
}

/** Receives llama.cpp's warnings and errors (for every holder of the runtime). */
export type LlamaLogListener = (level: 'error' | 'warn', message: string) => void;

let shared: Promise<Llama> | null = null;
let holders = 0;
let disposing: Promise<void> = Promise.resolve();
const logListeners = new Set<LlamaLogListener>();

/**
 * Takes a hold on the shared runtime: llama.cpp's prebuilt CPU binary, never a GPU probe, download or compile.
 * @param onLog receives llama.cpp's log lines while the lease is held.
 */
export async function acquireLlama(onLog?: LlamaLogListener): Promise<LlamaLease> {
  holders++;
  let attempt: Promise<Llama> | null = null;
  try {
    await disposing; // a previous runtime must be fully gone before the backend is started again
    attempt = shared ??= createLlama();
    const llama = await attempt;
    if (onLog) logListeners.add(onLog);
    let released = false;
    return {
      llama,
      release: async () => {
        if (released) return;
        released = true;
        if (onLog) logListeners.delete(onLog);
        await releaseHold();
      },
    };
  } catch (error) {
    if (attempt && shared === attempt) shared = null; // let the next caller try again
    await releaseHold();
    throw error;
  }
}

async function releaseHold(): Promise<void> {
  holders--;
  if (holders > 0 || !shared) return;
  const runtime = shared;
  shared = null;
  disposing = runtime.then(
    (llama) => disposeWithin(llama, DISPOSE_TIMEOUT_MS),
    () => undefined, // it never started: nothing to free
  );
  await disposing;
}

/**
 * node-llama-cpp 3.21.1 leaks a "prevent disposal" handle for every model whose load failed (the half-built
 * `LlamaModel` is never disposed; the handle is only freed if that object is still alive when the `Llama` is
 * disposed). Once the garbage collector has taken it, `Llama.dispose()` waits for ever. The memory in question is
 * llama.cpp's small backend state, which the OS reclaims at exit anyway, so the wait is bounded instead.
 */
const DISPOSE_TIMEOUT_MS = 3000;

async function disposeWithin(llama: Llama, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref(); // never keep the process alive for this
  });
  try {
    await Promise.race([llama.dispose(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const LOG_KINDS: Partial<Record<LlamaLogLevel, 'error' | 'warn'>> = {
  [LlamaLogLevel.fatal]: 'error',
  [LlamaLogLevel.error]: 'error',
  [LlamaLogLevel.warn]: 'warn',
};

function createLlama(): Promise<Llama> {
  return getLlama({
    gpu: false, // the prebuilt CPU binary
    build: 'never',
    skipDownload: true,
    usePrebuiltBinaries: true,
    progressLogs: false,
    maxThreads: 0, // no global cap: each context's `threads` is then exactly what it uses
    logLevel: LlamaLogLevel.warn,
    logger: (level, message) => {
      const line = message.trim();
      if (!line) return;
      const kind = LOG_KINDS[level];
      if (!kind) return;
      for (const listener of logListeners) listener(kind, line);
    },
  });
}
