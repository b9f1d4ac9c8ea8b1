import type { EngineLogLevel } from '../port';
import { basename, resolve } from 'node:path';
import { RpcClient, type Transport } from '../../../common/rpc';
import type { EngineStatus, EngineThreads } from '../../../common/types';
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
import {
  ENGINE_CONTRACT,
  fromWireEngineError,
  plainRequest,
  type EngineContract,
  type WorkerEngineOptions,
} from './engine-contract';
import { describeExit, type EngineProcess, type EngineProcessExit, type EngineProcessLauncher } from './engine-process';
import { CrashRecovery, type CrashRecoveryOptions } from './crash-recovery';
import { StreamedReply } from './streamed-reply';

export interface IsolatedEngineOptions extends CrashRecoveryOptions {
  /** Starts an engine process (a fork in the browser host and tests, a utility process in Electron). */
  launch: EngineProcessLauncher;
  /** Options for the `LlamaEngine` inside the process. */
  engine?: WorkerEngineOptions;
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
  onLog?: (level: EngineLogLevel, message: string) => void;
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
  private readonly recovery: CrashRecovery;
  private disposing: Promise<void> | null = null;
  /** The thread setting last given (sent to each process the engine starts, a restarted one included). */
  private threads: EngineThreads | undefined;

  constructor(private readonly options: IsolatedEngineOptions) {
    this.recovery = new CrashRecovery(this.statusEmitter, options, () => this.reloadPending());
  }

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
    this.recovery.freshStart();
    await this.request(options.signal, (worker, signal) => this.sendLoad(worker, path, false, signal, options.onProgress), {
      abandoned: () => {
        throw new EngineError('MODEL_LOAD_FAILED', 'Loading the model was cancelled.');
      },
      ended: (how) => {
        if (how === null) throw new EngineError('DISPOSED', 'The engine was disposed.');
        throw new EngineError(
          'MODEL_LOAD_FAILED',
          `Loading ${basename(path)} crashed the engine process (${how}). The file is probably damaged or not a model ` +
            'this app can run.',
        );
      },
      failed: (error) => {
        throw fromWireEngineError(error, 'MODEL_LOAD_FAILED');
      },
    });
  }

  async generate(request: GenerateRequest, options: GenerateOptions = {}): Promise<GenerateResult> {
    const requestedAt = performance.now();
    this.assertUsable();
    const reply = new StreamedReply(request, options, requestedAt);
    try {
      return await this.request(
        options.signal,
        async (worker, signal) => {
          const result = await worker.client.call(
            'generate',
            { request: plainRequest(request) },
            {
              signal,
              onEvent: (event) => (event.type === 'text' ? reply.onText(event.delta) : reply.onContext(event.info)),
            },
          );
          return reply.withHostTiming(result);
        },
        {
          abandoned: () => reply.abortedHere(),
          ended: (how) => {
            if (how === null) return reply.abortedHere();
            throw new EngineError(
              'GENERATION_FAILED',
              `The engine process stopped unexpectedly while writing the reply (${how}). The text so far is kept; ` +
                'the engine is restarting.',
            );
          },
          failed: (error) => {
            throw fromWireEngineError(error, 'GENERATION_FAILED');
          },
        },
      );
    } finally {
      reply.close();
    }
  }

  /** The process's `prefill`; `skipped` if the process ends before answering. Never throws. */
  async prefill(request: GenerateRequest, options: PrefillOptions = {}): Promise<PrefillResult> {
    if (this.disposing) return prefillSkipped();
    const params = { request: plainRequest(request), stillTyping: options.stillTyping ?? false };
    return this.request(undefined, (worker) => worker.client.call('prefill', params), {
      abandoned: prefillSkipped,
      ended: prefillSkipped,
      failed: prefillSkipped,
    });
  }

  /**
   * The process's `measure`: it only tokenizes, so it is answered at once, also while the process writes a reply;
   * `null` without a model (no process is started for it) or if the process ends before answering. Never throws.
   */
  async measure(request: GenerateRequest): Promise<PromptMeasure | null> {
    if (this.disposing || this.status().state !== 'ready') return null;
    const none = (): null => null;
    return this.request(undefined, (worker) => worker.client.call('measure', { request: plainRequest(request) }), {
      abandoned: none,
      ended: none,
      failed: none,
    });
  }

  /** The process's `setThreads`, from its next batch; a process started later (after a crash) starts with it. */
  setThreads(threads: EngineThreads): void {
    this.threads = threads;
    const worker = this.worker;
    if (!worker || this.disposing) return;
    void worker.ready.then(() => worker.client.call('setThreads', { threads })).catch(() => undefined);
  }

  async dispose(options: DisposeOptions = {}): Promise<void> {
    this.disposing ??= this.disposeNow(options.signal);
    return this.disposing;
  }

  /**
   * Sends one request to the (possibly new) engine process once it is up, and answers the caller:
   * - with the process's answer, or `failed(error)` when that is an error;
   * - aborted before the process has it: `abandoned()` at once, and it is never sent;
   * - aborted after: the process is asked to stop (its own answer carries exact figures); if it has not answered
   *   within `abortGraceMs` (it may be deep in native work, e.g. tokenizing a huge paste), `abandoned()` from here;
   * - the process ended first: `ended(how)`, `how` saying how it crashed, or `null` when the engine was disposed.
   * Each outcome may throw: the caller's promise then rejects with it.
   */
  private request<T>(
    signal: AbortSignal | undefined,
    send: (worker: Worker, signal: AbortSignal | undefined) => Promise<T>,
    outcomes: { abandoned: () => T; ended: (how: string | null) => T; failed: (error: unknown) => T },
  ): Promise<T> {
    const worker = this.ensureWorker();
    return new Promise<T>((resolveRequest, rejectRequest) => {
      let settled = false;
      let sent = false;
      let grace: NodeJS.Timeout | undefined;
      const settle = (answer: () => T): void => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        clearTimeout(grace);
        try {
          resolveRequest(answer());
        } catch (error) {
          rejectRequest(error);
        }
      };
      const onFailure = (error: unknown): void =>
        settle(() => (worker.ended ? outcomes.ended(worker.ended.how) : outcomes.failed(error)));
      const onAbort = (): void => {
        if (!sent) return settle(outcomes.abandoned); // the process never saw it: nothing to stop there
        grace = setTimeout(() => settle(outcomes.abandoned), this.options.abortGraceMs ?? 500);
        grace.unref();
      };
      if (signal?.aborted) return settle(outcomes.abandoned);
      signal?.addEventListener('abort', onAbort, { once: true });
      worker.ready.then(() => {
        if (settled) return;
        sent = true;
        send(worker, signal).then((value) => settle(() => value), onFailure);
      }, onFailure);
    });
  }

  /** Loads `modelPath` in `worker`'s process; while it runs, a crash knows which load it interrupted. */
  private async sendLoad(
    worker: Worker,
    modelPath: string,
    internal: boolean,
    signal?: AbortSignal,
    onProgress?: (progress: number) => void,
  ): Promise<void> {
    const load = { modelPath, internal };
    worker.loads.add(load);
    try {
      await worker.client.call('load', { modelPath }, { signal, onEvent: (event) => onProgress?.(event.progress) });
    } finally {
      worker.loads.delete(load);
    }
    this.recovery.loaded(modelPath);
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const process = this.options.launch();
    const client = new RpcClient<EngineContract>(processTransport(process), ENGINE_CONTRACT);
    let markExited!: () => void;
    const worker: Worker = {
      process,
      client,
      ready: client
        .call('init', { ...this.options.engine, ...(this.threads === undefined ? {} : { threads: this.threads }) })
        .then(() => void (worker.up = true)),
      up: false,
      exited: new Promise<void>((resolveExit) => (markExited = resolveExit)),
      ended: null,
      loads: new Set(),
    };
    worker.ready.catch(() => undefined);
    this.worker = worker;
    const startTimer = setTimeout(() => {
      if (worker.up) return;
      this.log('error', 'The engine process did not start in time; stopping it.');
      process.kill();
    }, this.options.startTimeoutMs ?? 30_000);
    startTimer.unref();
    client.onPush((event) => {
      if (event.type === 'log') this.options.onLog?.(event.level, event.message);
      else if (worker === this.worker) this.recovery.show(event.status);
    });
    client.onProtocolError((error) => this.log('error', `Ignored a malformed message from the engine process: ${error.message}`));
    process.onExit((exit) => {
      clearTimeout(startTimer);
      this.onExit(worker, exit);
      markExited();
    });
    return worker;
  }

  /** The process has ended: every request still waiting on it gets its `ended` outcome; after a crash, recover. */
  private onExit(worker: Worker, exit: EngineProcessExit): void {
    if (this.worker === worker) this.worker = null;
    const how = this.disposing ? null : describeExit(exit, worker.process.stderrTail());
    worker.ended = { how };
    const crashedLoad = [...worker.loads].find((load) => !load.internal) ?? null;
    worker.client.close('The engine process ended.');
    if (how === null) return;
    this.log('error', `The engine process stopped unexpectedly (${how}).`);
    this.recover(how, crashedLoad);
  }

  /** Restarts the process after a crash and loads the last good model again, unless it keeps crashing. */
  private recover(how: string, crashedLoad: LoadInFlight | null): void {
    const model = this.recovery.crashed(how, crashedLoad?.modelPath ?? null);
    if (model === 'give up') return;
    const worker = this.ensureWorker();
    if (model === null) return;
    const reloaded = this.request(undefined, (current) => this.sendLoad(current, model, true).then(() => true), {
      abandoned: () => false,
      ended: () => false, // it crashed again: its own recovery says so
      failed: (error) => {
        this.log('error', `Reloading ${basename(model)} after a crash failed: ${fromWireEngineError(error, 'MODEL_LOAD_FAILED').message}`);
        return false;
      },
    });
    // Marked at once (the request waits for the new process): statuses from it must not drop the note meanwhile.
    const reload = { modelPath: model, internal: true };
    worker.loads.add(reload);
    void reloaded.then((ok) => {
      worker.loads.delete(reload);
      if (ok) this.log('warn', `The engine process restarted and loaded ${basename(model)} again.`);
    });
  }

  /** Whether the last good model is being loaded again after a crash. */
  private reloadPending(): boolean {
    for (const load of this.worker?.loads ?? []) if (load.internal) return true;
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
      const answered = worker.ready.then(() => worker.client.call('dispose', {})).then(
        () => undefined,
        () => undefined,
      );
      let timer: NodeJS.Timeout | undefined;
      let onHurry: (() => void) | undefined;
      const timeout = new Promise<'timeout'>((resolveTimeout) => {
        timer = setTimeout(() => resolveTimeout('timeout'), this.options.disposeTimeoutMs ?? 10_000);
        onHurry = () => resolveTimeout('timeout');
        if (hurry?.aborted) onHurry();
        else hurry?.addEventListener('abort', onHurry, { once: true });
      });
      // The process answers `dispose` and then exits; wait for the exit so no child outlives the engine.
      const outcome = await Promise.race([answered.then(() => worker.exited), worker.exited, timeout]);
      clearTimeout(timer);
      if (onHurry) hurry?.removeEventListener('abort', onHurry);
      if (outcome === 'timeout') {
        worker.process.kill();
        await worker.exited;
      }
    } finally {
      this.worker = null;
      this.statusEmitter.set({ ...NO_MODEL_STATUS });
      this.statusEmitter.clear();
    }
  }

  private log(level: EngineLogLevel, message: string): void {
    this.options.onLog?.(level, message);
  }

  private assertUsable(): void {
    if (this.disposing) throw new EngineError('DISPOSED', 'The engine was disposed.');
  }
}

/** A load running in an engine process: a user's, or the reload of the last good model after a crash. */
interface LoadInFlight {
  modelPath: string;
  internal: boolean;
}

/** One engine process and the RPC client over its channel. */
interface Worker {
  process: EngineProcess;
  client: RpcClient<EngineContract>;
  /** Resolves once the process has answered `init`; rejects if it ends first. */
  ready: Promise<void>;
  up: boolean;
  /** Resolves once the process has ended. */
  exited: Promise<void>;
  /** Set when the process has ended: how it crashed, or `null` when the engine was disposed. */
  ended: { how: string | null } | null;
  /** Loads running in it (a crash names the one it interrupted; a reload keeps the crash note on the status). */
  loads: Set<LoadInFlight>;
}

/** The host's end of an engine process's channel, as an RPC transport (the process is dropped once it has ended). */
function processTransport(process: EngineProcess): Transport {
  return {
    send: (message) => process.send(message),
    onMessage: (listener) => {
      process.onMessage(listener);
      return () => undefined;
    },
  };
}
