import { basename, resolve } from 'node:path';
import type { EngineStatus } from '../../../common/types';
import {
  EngineError,
  type ChatEngine,
  type DisposeOptions,
  type GenerateOptions,
  type GenerateRequest,
  type GenerateResult,
  type LoadOptions,
  type PrefillOptions,
  type PrefillResult,
  type PromptMeasure,
  prefillSkipped,
} from '../port';
import { EngineStatusEmitter, NO_MODEL_STATUS } from '../status-emitter';
import type { EngineProcess, EngineProcessExit, EngineProcessLauncher } from './engine-process';
import {
  abortedHere,
  describeExit,
  plainRequest,
  withHostTiming,
  type Pending,
  type PendingGenerate,
  type PendingLoad,
} from './pending-requests';
import { parseWorkerMessage, type HostMessage, type WorkerEngineOptions, type WorkerMessage } from './protocol';

export interface IsolatedEngineOptions {
  /** Starts an engine process (a fork in the browser host and tests, a utility process in Electron). */
  launch: EngineProcessLauncher;
  /** Options for the `LlamaEngine` inside the process. */
  engine?: WorkerEngineOptions;
  /** Restarts allowed within `restartWindowMs` before giving up until the next `load`. Default 3. */
  maxRestarts?: number;
  /** Default 60 000. */
  restartWindowMs?: number;
  /**
   * After an abort, how long to wait for the engine's own answer (which carries exact stats) before answering from
   * here with the text so far — the engine may be deep in native work, e.g. tokenizing a huge paste. Default 500.
   */
  abortGraceMs?: number;
  /** How long a new process may take to come up before it is killed. Default 30 000. */
  startTimeoutMs?: number;
  /** How long `dispose` waits for the process to save its state and exit before killing it. Default 10 000. */
  disposeTimeoutMs?: number;
  /** Receives llama.cpp's warnings and errors, and what happened to the engine process. */
  onLog?: (level: 'error' | 'warn', message: string) => void;
}

/**
 * The chat engine in its own process, behind the same `ChatEngine` port. llama.cpp can abort the whole process from
 * native code (a failed assert on a malformed model), run out of memory, or be killed; none of that takes the app
 * with it:
 *
 * - A generation in flight when the process dies rejects with `GENERATION_FAILED` (the text streamed so far has
 *   already reached `onText`); a load in flight rejects with `MODEL_LOAD_FAILED` naming the crash (llama.cpp's assert
 *   line included when it printed one).
 * - The process is restarted at once and the last model that loaded successfully is loaded again; the status says
 *   what happened until it is ready. After `maxRestarts` crashes within `restartWindowMs` it stops trying (state
 *   `error`) until the next `load`.
 * - The host's event loop only ever passes messages: tokenizing, evaluating and sampling all happen in the process.
 */
export class IsolatedEngine implements ChatEngine {
  private readonly statusEmitter = new EngineStatusEmitter();
  private worker: Worker | null = null;
  private nextId = 1;
  private lastGoodModel: string | null = null;
  private crashNote: string | null = null;
  private readonly crashTimes: number[] = [];
  private disposing: Promise<void> | null = null;

  constructor(private readonly options: IsolatedEngineOptions) {}

  status(): EngineStatus {
    return this.statusEmitter.get();
  }

  onStatus(listener: (status: EngineStatus) => void): () => void {
    return this.statusEmitter.subscribe(listener);
  }

  /** The engine process's id (for diagnostics and crash tests); `undefined` while none runs. */
  processId(): number | undefined {
    return this.worker?.process.pid;
  }

  async load(modelPath: string, options: LoadOptions = {}): Promise<void> {
    this.assertUsable();
    const path = resolve(modelPath);
    this.crashNote = null;
    this.crashTimes.length = 0; // a user's load is a fresh start
    return new Promise<void>((resolveLoad, rejectLoad) => {
      const id = this.nextId++;
      const pending: PendingLoad = {
        kind: 'load',
        modelPath: path,
        internal: false,
        onProgress: options.onProgress,
        resolve: resolveLoad,
        reject: rejectLoad,
      };
      this.submit(id, pending, { type: 'load', id, modelPath: path }, options.signal);
    });
  }

  async generate(request: GenerateRequest, options: GenerateOptions = {}): Promise<GenerateResult> {
    const requestedAt = performance.now();
    this.assertUsable();
    return new Promise<GenerateResult>((resolveGenerate, rejectGenerate) => {
      const id = this.nextId++;
      const pending: PendingGenerate = {
        kind: 'generate',
        request,
        requestedAt,
        firstTextAt: null,
        text: '',
        deltas: 0,
        context: null,
        onText: options.onText,
        onContext: options.onContext,
        resolve: resolveGenerate,
        reject: rejectGenerate,
      };
      this.submit(id, pending, { type: 'generate', id, request: plainRequest(request) }, options.signal);
    });
  }

  /** The process's `prefill`; `skipped` if the process ends before answering. Never throws. */
  async prefill(request: GenerateRequest, options: PrefillOptions = {}): Promise<PrefillResult> {
    if (this.disposing) return prefillSkipped();
    return new Promise<PrefillResult>((resolvePrefill) => {
      const id = this.nextId++;
      const message = { type: 'prefill' as const, id, request: plainRequest(request), stillTyping: options.stillTyping ?? false };
      this.submit(id, { kind: 'prefill', resolve: resolvePrefill }, message, undefined);
    });
  }

  /**
   * The process's `measure`: it only tokenizes, so it is answered at once, also while the process writes a reply;
   * `null` without a model (no process is started for it) or if the process ends before answering. Never throws.
   */
  async measure(request: GenerateRequest): Promise<PromptMeasure | null> {
    if (this.disposing || this.status().state !== 'ready') return null;
    return new Promise<PromptMeasure | null>((resolveMeasure) => {
      const id = this.nextId++;
      const message = { type: 'measure' as const, id, request: plainRequest(request) };
      this.submit(id, { kind: 'measure', resolve: resolveMeasure }, message, undefined);
    });
  }

  async dispose(options: DisposeOptions = {}): Promise<void> {
    this.disposing ??= this.disposeNow(options.signal);
    return this.disposing;
  }

  /** Sends a request to the (possibly new) process once it is up, and wires its abort signal. */
  private submit(id: number, pending: Pending, message: HostMessage, signal: AbortSignal | undefined): void {
    const worker = this.ensureWorker();
    worker.pending.set(id, pending);
    if (signal) {
      if (signal.aborted) return this.abandon(worker, id, pending);
      const onAbort = (): void => this.abort(worker, id, pending);
      signal.addEventListener('abort', onAbort, { once: true });
      pending.cleanup = () => signal.removeEventListener('abort', onAbort);
    }
    void worker.ready.then(
      () => {
        if (worker.pending.get(id) !== pending) return;
        pending.sent = true;
        worker.process.send(message);
      },
      () => undefined, // the process died before it was up: onExit has answered every pending request
    );
  }

  private abort(worker: Worker, id: number, pending: Pending): void {
    if (worker.pending.get(id) !== pending) return;
    if (!pending.sent) return this.abandon(worker, id, pending); // the process never saw it: nothing to stop there
    worker.process.send({ type: 'abort', id });
    const grace = setTimeout(() => this.abandon(worker, id, pending), this.options.abortGraceMs ?? 500);
    grace.unref();
    const previous = pending.cleanup;
    pending.cleanup = () => {
      previous?.();
      clearTimeout(grace);
    };
  }

  /** Answers an aborted request from here, without waiting for the process (which then answers no one). */
  private abandon(worker: Worker, id: number, pending: Pending): void {
    if (worker.pending.get(id) !== pending) return;
    worker.pending.delete(id);
    pending.cleanup?.();
    if (pending.sent) worker.process.send({ type: 'abort', id });
    if (pending.kind === 'generate') pending.resolve(abortedHere(pending));
    else if (pending.kind === 'load') {
      pending.reject(new EngineError('MODEL_LOAD_FAILED', 'Loading the model was cancelled.'));
    }
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const process = this.options.launch();
    let markReady!: () => void;
    let markFailed!: (error: Error) => void;
    const ready = new Promise<void>((resolveReady, rejectReady) => {
      markReady = resolveReady;
      markFailed = rejectReady;
    });
    ready.catch(() => undefined);
    const worker: Worker = { process, ready, markReady, markFailed, pending: new Map(), up: false };
    this.worker = worker;
    const startTimer = setTimeout(() => {
      if (worker.up) return;
      this.log('error', 'The engine process did not start in time; stopping it.');
      process.kill();
    }, this.options.startTimeoutMs ?? 30_000);
    startTimer.unref();
    process.onMessage((value) => this.onMessage(worker, value));
    process.onExit((exit) => {
      clearTimeout(startTimer);
      this.onExit(worker, exit);
    });
    process.send({ type: 'init', options: this.options.engine ?? {} });
    return worker;
  }

  private onMessage(worker: Worker, value: unknown): void {
    const parsed = parseWorkerMessage(value);
    if ('problem' in parsed) {
      this.log('error', `Ignored a malformed message from the engine process: ${parsed.problem}`);
      return;
    }
    const message = parsed.message;
    switch (message.type) {
      case 'ready':
        worker.up = true;
        worker.markReady();
        return;
      case 'status':
        if (worker === this.worker) this.showStatus(message.status);
        return;
      case 'log':
        this.options.onLog?.(message.level, message.message);
        return;
      default:
        this.onReply(worker, message);
    }
  }

  private onReply(worker: Worker, message: Exclude<WorkerMessage, { type: 'ready' | 'status' | 'log' }>): void {
    const pending = worker.pending.get(message.id);
    if (!pending) return; // answered here already (abandoned after an abort)
    switch (message.type) {
      case 'loadProgress':
        if (pending.kind === 'load') pending.onProgress?.(message.progress);
        return;
      case 'context':
        if (pending.kind === 'generate') {
          pending.context = message.info;
          pending.onContext?.(message.info);
        }
        return;
      case 'text':
        if (pending.kind === 'generate') {
          pending.firstTextAt ??= performance.now();
          pending.text += message.delta;
          pending.deltas++;
          pending.onText?.(message.delta);
        }
        return;
    }
    worker.pending.delete(message.id);
    pending.cleanup?.();
    switch (message.type) {
      case 'loaded':
        if (pending.kind === 'load') {
          this.lastGoodModel = pending.modelPath;
          this.crashNote = null;
          pending.resolve();
        }
        return;
      case 'result':
        if (pending.kind === 'generate') pending.resolve(withHostTiming(message.result, pending));
        return;
      case 'prefilled':
        if (pending.kind === 'prefill') pending.resolve(message.result);
        return;
      case 'measured':
        if (pending.kind === 'measure') pending.resolve(message.result);
        return;
      case 'failed':
        if (pending.kind === 'prefill') pending.resolve(prefillSkipped());
        else if (pending.kind === 'measure') pending.resolve(null);
        else if (pending.kind !== 'dispose') pending.reject(new EngineError(message.code, message.message));
        return;
      case 'disposed':
        if (pending.kind === 'dispose') pending.resolve();
        return;
    }
  }

  private onExit(worker: Worker, exit: EngineProcessExit): void {
    worker.markFailed(new Error('The engine process ended.'));
    if (this.worker === worker) this.worker = null;
    const pendings = [...worker.pending.values()];
    worker.pending.clear();
    for (const pending of pendings) pending.cleanup?.();

    if (this.disposing) {
      for (const pending of pendings) {
        if (pending.kind === 'dispose') pending.resolve();
        else if (pending.kind === 'generate') pending.resolve(abortedHere(pending));
        else if (pending.kind === 'prefill') pending.resolve(prefillSkipped());
        else if (pending.kind === 'measure') pending.resolve(null);
        else pending.reject(new EngineError('DISPOSED', 'The engine was disposed.'));
      }
      return;
    }

    const how = describeExit(exit, worker.process.stderrTail());
    let crashedLoad: PendingLoad | null = null;
    for (const pending of pendings) {
      if (pending.kind === 'load') {
        crashedLoad ??= pending.internal ? crashedLoad : pending;
        if (!pending.internal) {
          pending.reject(
            new EngineError(
              'MODEL_LOAD_FAILED',
              `Loading ${basename(pending.modelPath)} crashed the engine process (${how}). The file is probably ` +
                'damaged or not a model this app can run.',
            ),
          );
        }
      } else if (pending.kind === 'generate') {
        pending.reject(
          new EngineError(
            'GENERATION_FAILED',
            `The engine process stopped unexpectedly while writing the reply (${how}). The text so far is kept; ` +
              'the engine is restarting.',
          ),
        );
      } else if (pending.kind === 'prefill') {
        pending.resolve(prefillSkipped());
      } else if (pending.kind === 'measure') {
        pending.resolve(null);
      } else {
        pending.resolve();
      }
    }
    this.log('error', `The engine process stopped unexpectedly (${how}).`);
    this.recover(how, crashedLoad);
  }

  /** Restarts the process after a crash and loads the last good model again, unless it keeps crashing. */
  private recover(how: string, crashedLoad: PendingLoad | null): void {
    const now = Date.now();
    const window = this.options.restartWindowMs ?? 60_000;
    this.crashTimes.push(now);
    while ((this.crashTimes[0] ?? now) < now - window) this.crashTimes.shift();
    const model = this.lastGoodModel;
    if (this.crashTimes.length > (this.options.maxRestarts ?? 3)) {
      this.crashNote = null;
      this.showStatus({
        ...NO_MODEL_STATUS,
        state: 'error',
        modelPath: model,
        modelName: model === null ? null : basename(model),
        error: `The engine process stopped ${this.crashTimes.length} times in a short while (last: ${how}). Load a model to try again.`,
      });
      return;
    }
    const what = crashedLoad ? `Loading ${basename(crashedLoad.modelPath)} crashed the engine` : 'The engine stopped';
    this.crashNote = model
      ? `${what} (${how}); it restarted and is loading ${basename(model)} again.`
      : `${what} (${how}); it restarted. Load a model to continue.`;
    const worker = this.ensureWorker();
    if (!model) {
      this.showStatus({ ...NO_MODEL_STATUS, state: 'error', error: this.crashNote });
      return;
    }
    // Say what happened at once; the new process's own statuses (loading… ready) follow.
    this.showStatus({ ...NO_MODEL_STATUS, state: 'loading', modelPath: model, modelName: basename(model), loadProgress: 0 });
    const id = this.nextId++;
    const reload: PendingLoad = {
      kind: 'load',
      modelPath: model,
      internal: true,
      resolve: () => this.log('warn', `The engine process restarted and loaded ${basename(model)} again.`),
      reject: (error) => this.log('error', `Reloading ${basename(model)} after a crash failed: ${error.message}`),
    };
    worker.pending.set(id, reload);
    void worker.ready.then(
      () => {
        if (worker.pending.get(id) === reload) worker.process.send({ type: 'load', id, modelPath: model });
      },
      () => undefined,
    );
  }

  /** Shows a status from the process, with the crash note on it while recovering from a crash. */
  private showStatus(status: EngineStatus): void {
    const note = this.crashNote;
    if (note && status.state === 'ready') this.crashNote = null;
    if (!note || status.state === 'ready' || status.error) return this.statusEmitter.set(status);
    if (status.state === 'noModel') {
      // A new process starts with nothing loaded: while the last good model is being reloaded, keep showing that.
      if (this.reloadPending()) return;
      return this.statusEmitter.set({ ...status, state: 'error', error: note });
    }
    this.statusEmitter.set({ ...status, error: note });
  }

  /** Whether the last good model is being loaded again after a crash. */
  private reloadPending(): boolean {
    for (const pending of this.worker?.pending.values() ?? []) {
      if (pending.kind === 'load' && pending.internal) return true;
    }
    return false;
  }

  /**
   * Asks the process to dispose (it saves the open conversation's state and frees the model) and waits for it to
   * exit — at most `disposeTimeoutMs`, or until `hurry` aborts — then kills it.
   */
  private async disposeNow(hurry: AbortSignal | undefined): Promise<void> {
    const worker = this.worker;
    try {
      if (!worker) return;
      const done = new Promise<void>((resolveDispose) => {
        const id = this.nextId++;
        worker.pending.set(id, { kind: 'dispose', resolve: resolveDispose });
        void worker.ready.then(
          () => worker.process.send({ type: 'dispose', id }),
          () => resolveDispose(),
        );
      });
      const exited = new Promise<void>((resolveExit) => worker.process.onExit(() => resolveExit()));
      let timer: NodeJS.Timeout | undefined;
      let onHurry: (() => void) | undefined;
      const timeout = new Promise<'timeout'>((resolveTimeout) => {
        timer = setTimeout(() => resolveTimeout('timeout'), this.options.disposeTimeoutMs ?? 10_000);
        onHurry = () => resolveTimeout('timeout');
        if (hurry?.aborted) onHurry();
        else hurry?.addEventListener('abort', onHurry, { once: true });
      });
      // The process answers `disposed` and then exits; wait for the exit so no child outlives the engine.
      const outcome = await Promise.race([done.then(() => exited), exited, timeout]);
      clearTimeout(timer);
      if (onHurry) hurry?.removeEventListener('abort', onHurry);
      if (outcome === 'timeout') {
        worker.process.kill();
        await exited;
      }
    } finally {
      this.worker = null;
      this.statusEmitter.set({ ...NO_MODEL_STATUS });
      this.statusEmitter.clear();
    }
  }

  private log(level: 'error' | 'warn', message: string): void {
    this.options.onLog?.(level, message);
  }

  private assertUsable(): void {
    if (this.disposing) throw new EngineError('DISPOSED', 'The engine was disposed.');
  }
}

interface Worker {
  process: EngineProcess;
  /** Resolves once the process has said `ready`; rejects if it dies first. */
  ready: Promise<void>;
  markReady: () => void;
  markFailed: (error: Error) => void;
  up: boolean;
  pending: Map<number, Pending>;
}
