import type { EngineLogLevel } from './port';
import { basename, resolve } from 'node:path';
import type { Token } from 'node-llama-cpp';
import type { EngineStatus, EngineThreads, StopReason } from '../../common/types';
import { anySignal, raceAbort, settle } from '../../common/abort';
import type { ChatFormat } from './chat-format';
import {
  fitContextWindow,
  measureContextWindow,
  toPromptMeasure,
  type ContextWindowInput,
  type ContextWindowOptions,
} from './context-window';
import { disposeLoaded, loadCancelled, loadingStatus, ModelLoader, readyStatus, type LoadedModel } from './model-loader';
import {
  EngineError,
  type ChatEngine,
  type GenerateOptions,
  type GenerateRequest,
  type GenerateResult,
  type GenerationSettings,
  type LoadOptions,
  type PrefillOptions,
  type PrefillResult,
  type PromptMeasure,
  prefillSkipped,
} from './port';
import { Prefiller } from './prefiller';
import { SerialQueue } from './serial-queue';
import { PHI2_GENERATION_DEFAULTS } from '../../common/schemas';
import { EngineStatusEmitter, NO_MODEL_STATUS } from './status-emitter';
import { abortedBeforeStart, StatsClock, TextSink } from './reply-stats';
import { keepCachedPrefix, startReply, type ReplyIterator, type ResolvedSettings } from './sequence-steps';
import { StateSaveTimer } from './state-save-timer';
import { ReplyTextFilter } from './stop-text-filter';
import { TokenTextDecoder } from './token-text-decoder';
import type { ThreadState } from './thread-governor';
import type { AdaptiveThreadsOptions } from './thread-policy';

/** Phi-2's sampling defaults (see `PHI2_GENERATION_DEFAULTS`) for any setting a request leaves out; no default seed. */
const { seed: _noDefaultSeed, ...PHI2_DEFAULT_SETTINGS } = PHI2_GENERATION_DEFAULTS;

export interface LlamaEngineOptions {
  /**
   * CPU threads for evaluation: `auto` (the default) runs on every core while the machine is free and drops threads
   * while another program takes a core (see `ThreadGovernor`, `AdaptiveThreads`); a number fixes the count.
   */
  threads?: EngineThreads;
  /** The other programs' load in cores, for `auto` (read from the system by default; tests tell it). */
  machineLoad?: () => number | null;
  /** The adaptive policy's knobs (tests shorten its waits). */
  threadPolicy?: Partial<AdaptiveThreadsOptions>;
  /**
   * The KV cache's key type (see `ModelLoaderOptions.kvCacheKeyType`): `F16` by default. `Q8_0` is used only on models
   * whose attention heads are a multiple of 32 values wide (not Phi-2: see `usableKeyType`).
   */
  kvCacheKeyType?: 'F16' | 'Q8_0';
  /**
   * Context tokens kept free for the reply (capped by the reply's `maxTokens`): the oldest turns are dropped until the
   * prompt leaves this much room, and a last message that alone does not is refused with `CONTEXT_OVERFLOW`.
   * Default 256.
   */
  replyReserveTokens?: number;
  /**
   * Upper bound on the context window, in tokens. Default: the app's window, `CONTEXT_WINDOW_TOKENS` (2048). A model
   * trained with a shorter context gets that (see `contextWindowFor`).
   */
  maxContextSize?: number;
  /**
   * `general.architecture` values `load` accepts. Default: any the app can write prompts for — `phi2`, and any model
   * with a chat template in its metadata (see `chooseChatFormat`).
   */
  architectures?: readonly string[];
  /** Settings used where a request leaves one out; merged over `PHI2_DEFAULT_SETTINGS`. */
  defaults?: GenerationSettings;
  /** Prompt tokens evaluated per step; an abort takes effect between steps. Default 128. */
  promptChunkTokens?: number;
  /**
   * Prompt tokens a `prefill` evaluates per step: a `generate` arriving meanwhile waits for the step in flight (whose
   * tokens are usually part of its prompt anyway). Default 16, about half a second on one thread at Phi-2's size.
   */
  prefillChunkTokens?: number;
  /**
   * Memory-map the model file. Default false: on the CPU, llama.cpp repacks Q4_0 weights into an interleaved copy
   * for its SIMD kernels, and with mmap the file's pages stay resident next to that copy. Measured with a Phi-2-sized
   * Q4_0 file (1.46 GiB): RSS after load 3.1 GiB with mmap, 1.7 GiB without; loading takes ~1 s longer without.
   */
  useMmap?: boolean;
  /** Receives llama.cpp's warnings and errors. Default: dropped (recent errors still go into error messages). */
  onLog?: (level: EngineLogLevel, message: string) => void;
  /**
   * Folder for saved KV-cache states of conversations (requests with a `cacheKey`), see `KvStateCache`. Without it,
   * only the conversation currently in the context is cached, and nothing survives a restart.
   */
  kvCacheDir?: string;
  /** Disk budget for `kvCacheDir`, in bytes; least recently used states are evicted. Default 2 GiB. */
  kvCacheBudgetBytes?: number;
  /**
   * Once a conversation outgrows the context window, the share of the window its kept turns fill after the oldest are
   * dropped (0..1; see `fitContextWindow`). Lower: the prompt keeps its start (and its KV cache) for more turns, but
   * the model sees less history. Default 0.6.
   */
  contextRefill?: number;
  /**
   * How long the engine must be idle after a reply before the conversation's state is saved, in ms. Default 2000.
   * (It is also saved before another conversation takes over the context, on dispose, and at once when a `prefill`
   * has made the conversation ready for its next message.)
   */
  kvSaveDelayMs?: number;
}

/**
 * The chat engine on node-llama-cpp: Phi-2 on the CPU, one request at a time, streaming, with KV-cache reuse.
 *
 * How a reply is made: the conversation is fitted into the context window (`fitContextWindow`: system prompt
 * pinned, oldest exchanges dropped, reply room kept) and written in the model's format (`chat-format.ts`: Phi-2's
 * `Instruct:`/`Output:`, or the model's own chat template); the longest prefix already in the sequence's KV cache —
 * or in a saved state of the conversation (`KvStateCache`) — is kept and only the rest is evaluated (in small steps,
 * so an abort is quick); tokens are then sampled one by one, decoded to text without splitting UTF-8 characters, and
 * passed through the stop-text filter before reaching `onText`.
 *
 * KV-cache reuse compares tokens, not `cacheKey`: the cached state of a token prefix is the same whichever
 * conversation it came from, so any request that shares a prefix with the previous one (the same conversation, or
 * just the same system prompt) skips it. `timeToFirstTokenMs` counts from the `generate` call, queueing included:
 * the wait the user sees.
 *
 * This class is the hub: one request at a time through its queue, the status, and the reply itself. Loading and
 * freeing models is `ModelLoader`'s, reading prompts ahead of their replies `Prefiller`'s, and saving the
 * conversation's KV state while idle `StateSaveTimer`'s.
 */
export class LlamaEngine implements ChatEngine {
  private readonly statusEmitter = new EngineStatusEmitter();
  private readonly queue = new SerialQueue();
  private readonly disposeController = new AbortController();
  private readonly settings: ResolvedSettings;
  private readonly loader: ModelLoader;
  private readonly prefiller: Prefiller;
  private readonly stateSaves: StateSaveTimer;
  private loaded: LoadedModel | null = null;
  private disposing: Promise<void> | null = null;
  /** Stops the running or waiting `prefill` (there is at most one). */
  private prefillController: AbortController | null = null;

  constructor(private readonly options: LlamaEngineOptions = {}) {
    this.settings = { ...PHI2_DEFAULT_SETTINGS, ...definedOnly(options.defaults ?? {}) };
    this.loader = new ModelLoader({
      architectures: options.architectures,
      maxContextSize: options.maxContextSize,
      threads: options.threads ?? 'auto',
      // A batch as large as the prompt step: a larger one costs memory (the compute buffer) and no speed.
      batchSize: Math.max(1, options.promptChunkTokens ?? 128),
      onThreadChange: (change) => options.onLog?.('info', `Threads ${change.from} → ${change.to} (${change.reason})`),
      ...(options.machineLoad ? { machineLoad: options.machineLoad } : {}),
      ...(options.threadPolicy ? { threadPolicy: options.threadPolicy } : {}),
      ...(options.kvCacheKeyType ? { kvCacheKeyType: options.kvCacheKeyType } : {}),
      useMmap: options.useMmap,
      kvCacheDir: options.kvCacheDir,
      kvCacheBudgetBytes: options.kvCacheBudgetBytes,
      onLog: options.onLog,
    });
    this.prefiller = new Prefiller(Math.max(1, options.prefillChunkTokens ?? 16));
    this.stateSaves = new StateSaveTimer(
      this.queue,
      this.disposeController.signal,
      options.kvSaveDelayMs ?? 2000,
      () => this.loaded?.states,
    );
  }

  /**
   * Changes the thread setting: at once for the loaded model (from its next batch), and for later loads. A fixed
   * count above the machine's cores runs on all of them.
   */
  setThreads(threads: EngineThreads): void {
    this.loader.setThreads(threads);
    this.loaded?.threads.set(threads);
  }

  /** The thread setting in force, the count the next batch runs on, and the adaptive policy's changes so far. */
  threadState(): ThreadState | null {
    const loaded = this.loaded;
    if (!loaded) return null;
    const governor = loaded.threads;
    return {
      setting: governor.setting,
      threads: governor.threads,
      cores: governor.cores,
      changes: [...governor.changes],
      lastBatchThreads: loaded.context.currentThreads,
    };
  }

  status(): EngineStatus {
    return this.statusEmitter.get();
  }

  onStatus(listener: (status: EngineStatus) => void): () => void {
    return this.statusEmitter.subscribe(listener);
  }

  /**
   * Loads a model, replacing the current one once the new one is ready (both are in memory for a moment; the price
   * of keeping the old model usable when the new one fails). Waits for a running generation to finish first.
   */
  async load(modelPath: string, options: LoadOptions = {}): Promise<void> {
    this.assertUsable();
    const path = resolve(modelPath);
    const signal = anySignal(options.signal, this.disposeController.signal);
    this.prefillController?.abort();
    const release = await this.queue.acquire(signal);
    if (!release) throw loadCancelled(signal);
    try {
      await this.loadNow(path, options.onProgress, signal);
    } finally {
      release();
    }
  }

  async generate(request: GenerateRequest, options: GenerateOptions = {}): Promise<GenerateResult> {
    const requestedAt = performance.now();
    this.assertUsable();
    const signal = anySignal(options.signal, this.disposeController.signal);
    this.prefillController?.abort(); // a prefill gives way at its next step
    const release = await this.queue.acquire(signal);
    if (!release) return abortedBeforeStart(requestedAt, request);
    let background: Promise<void> | undefined;
    try {
      const run = await this.generateNow(request, options, signal, requestedAt);
      background = run.settled;
      return run.result;
    } finally {
      // After an abort, native work may still be finishing; the next request waits for it, this caller does not.
      void settle(background).then(release);
      this.stateSaves.schedule();
    }
  }

  /**
   * Evaluates the prompt `generate` would build for `request` in steps of `prefillChunkTokens`, giving way to anything
   * else between steps; the last step evaluates the last token and samples the reply's first token, which waits for
   * the `generate` of the same prompt (`PrimedReply`) — that reply then starts with nothing to evaluate. The conversation's
   * saved state is restored first when it spares evaluation, as for `generate`. Its state is marked for saving only
   * when the request's last turn is empty (opening a conversation, or settling it after a reply) and the call
   * evaluated a worthwhile amount: a draft's tokens are speculative, and saving ~330 KB per token for each typing
   * pause would be all cost.
   */
  async prefill(request: GenerateRequest, options: PrefillOptions = {}): Promise<PrefillResult> {
    if (this.disposing || !this.loaded) return prefillSkipped();
    this.prefillController?.abort();
    const controller = new AbortController();
    this.prefillController = controller;
    const signal = anySignal(controller.signal, this.disposeController.signal);
    const release = await this.queue.acquire(signal);
    if (!release) return { outcome: 'superseded', reusedTokens: 0, evaluatedTokens: 0 };
    // A conversation being made ready for its next message (after a reply, or opened), not a draft.
    const readying = !options.stillTyping && request.turns.at(-1)?.content.trim() === '';
    let result: PrefillResult = prefillSkipped();
    try {
      result = await this.prefillNow(request, options.stillTyping ?? false, signal);
      if (readying && result.evaluatedTokens >= MIN_SAVED_PREFILL_TOKENS) this.loaded?.states.changed();
      return result;
    } catch (error) {
      this.loaded?.states.forget(); // the sequence's state is unknown now: never save it
      this.options.onLog?.('warn', `Evaluating a prompt ahead failed: ${errorMessage(error)}`);
      return prefillSkipped();
    } finally {
      if (this.prefillController === controller) this.prefillController = null;
      release();
      // A conversation made ready for its next message is as complete as it gets before the user's next message:
      // save it now, while they read, rather than when they may be about to send. A draft leaves the schedule alone.
      if (readying && result.outcome === 'done') this.stateSaves.schedule(0);
    }
  }

  /**
   * Tokenizes and fits `request`'s prompt exactly as `generate` would (the conversation's kept window start included)
   * without taking the queue: a reply being written or a prefill goes on undisturbed, since tokenizing reads only the
   * model's vocabulary, never the context sequence. A prompt far too long is refused from its byte length without
   * tokenizing it all (`exact: false`). Nothing is remembered: a later `generate` fits its own request.
   */
  async measure(request: GenerateRequest): Promise<PromptMeasure | null> {
    const loaded = this.loaded;
    if (this.disposing || !loaded) return null;
    try {
      const { maxTokens } = this.settingsFor(request);
      const measured = measureContextWindow(request, this.fitOptions(loaded, request, maxTokens));
      const window = { contextSize: loaded.context.contextSize, replyReserve: this.replyReserve(maxTokens), maxTokens };
      return toPromptMeasure(measured, window);
    } catch (error) {
      this.options.onLog?.('warn', `Counting a prompt's tokens failed: ${errorMessage(error)}`);
      return null;
    }
  }

  async dispose(): Promise<void> {
    this.disposing ??= this.disposeNow();
    return this.disposing;
  }

  private async loadNow(
    path: string,
    onProgress: ((progress: number) => void) | undefined,
    signal: AbortSignal,
  ): Promise<void> {
    const previous = this.loaded;
    const name = basename(path);
    let progress = 0;
    let progressOpen = true;
    const reportProgress = (value: number): void => {
      // node-llama-cpp may deliver progress after loadModel has resolved; never report it outside `loading`.
      if (!progressOpen || value < progress + 0.01) return;
      progress = Math.min(1, value);
      onProgress?.(progress);
      this.statusEmitter.set({ ...loadingStatus(path, name), loadProgress: progress });
    };
    this.statusEmitter.set(loadingStatus(path, name));
    onProgress?.(0);
    try {
      this.loaded = await this.loader.load(path, signal, reportProgress);
      progressOpen = false;
      this.statusEmitter.set(readyStatus(this.loaded));
    } catch (error) {
      progressOpen = false;
      const failure = error as EngineError;
      this.statusEmitter.set(
        previous
          ? readyStatus(previous)
          : { ...loadingStatus(path, name), state: 'error', loadProgress: null, error: failure.message },
      );
      throw failure;
    }
    // Only now that the new model is in place is the old one freed (its conversation's state saved first).
    if (previous) {
      await this.prefiller.drop();
      await previous.states.save();
      await disposeLoaded(previous);
    }
  }

  private async generateNow(
    request: GenerateRequest,
    options: GenerateOptions,
    signal: AbortSignal,
    requestedAt: number,
  ): Promise<{ result: GenerateResult; settled?: Promise<void> }> {
    const loaded = this.loaded;
    if (!loaded) throw new EngineError('NO_MODEL', 'No model is loaded.');
    if (signal.aborted) return { result: abortedBeforeStart(requestedAt, request) };
    const { model, context, sequence, format } = loaded;
    const settings = this.settingsFor(request);
    const contextSize = context.contextSize;
    const key = request.cacheKey;
    const fitted = this.fit(loaded, request, settings.maxTokens);
    loaded.states.rememberWindow(key, { turnsDropped: fitted.info.turnsDropped, turnsLength: request.turns.length });
    const promptTokens = fitted.tokens;
    const contextInfo = fitted.info;
    options.onContext?.({ ...contextInfo });
    const primed = await this.prefiller.claim(promptTokens, settings);
    await loaded.states.prepare(promptTokens, key ?? null);

    const stats = new StatsClock(requestedAt, promptTokens.length);
    const text = new TextSink(options.onText);
    const generated: Token[] = primed?.generated ?? [];
    let pending: Promise<unknown> | undefined; // native work in flight, awaited before the lock is released
    let iterator: ReplyIterator | undefined = primed?.iterator;
    /** The reply's first step, when a prefill took it already. */
    let firstStep: IteratorResult<Token, void> | null = primed?.first ?? null;
    const cleanup = async (): Promise<void> => {
      await settle(pending);
      await iterator?.return(undefined).catch(() => undefined);
    };
    const finish = (stopReason: StopReason): { result: GenerateResult; settled: Promise<void> } => {
      loaded.states.changed();
      return {
      result: {
        text: text.value,
        stopReason,
        stats: stats.finish(generated.length, stopReason),
        context: { ...contextInfo },
      },
      settled: cleanup(),
      };
    };

    try {
      /** The prompt's last step: evaluated in one batch with the reply's first token (no batch of its own). */
      let tail: Token[] = [];
      if (primed) {
        stats.cachedPromptTokens = promptTokens.length; // all evaluated by the prefill, the first token sampled
      } else {
        // Keep the cached prefix; at least the last prompt token is evaluated again, for its logits.
        stats.cachedPromptTokens = await keepCachedPrefix(sequence, promptTokens, promptTokens.length - 1);
        const chunk = Math.max(1, this.options.promptChunkTokens ?? 128);
        const rest = promptTokens.slice(sequence.nextTokenIndex);
        // Steps of `chunk` tokens (an abort waits for one step at most); the last, 1 to `chunk` tokens, is the tail.
        const tailStart = rest.length - (((rest.length - 1) % chunk) + 1);
        tail = rest.slice(tailStart);
        for (let start = 0; start < tailStart; start += chunk) {
          const end = Math.min(start + chunk, tailStart);
          const evaluation = loaded.threads.batch(end - start, () => sequence.evaluateWithoutGeneratingNewTokens(rest.slice(start, end)));
          pending = evaluation;
          const step = await raceAbort(evaluation, signal);
          if (step.aborted) return finish('aborted');
        }
      }

      const maxTokens = Math.min(Math.max(0, settings.maxTokens), contextSize - 1 - promptTokens.length);
      if (maxTokens === 0) return finish('maxTokens');
      const decoder = new TokenTextDecoder(model, promptTokens);
      const filter = new ReplyTextFilter(format.stopStrings);
      iterator ??= startReply(sequence, tail, settings, generated);
      // The first step evaluates the tail and samples; each later one evaluates the token sampled before it.
      let batchTokens = Math.max(1, tail.length);

      let stopReason: StopReason = 'eos';
      for (;;) {
        let value = firstStep;
        firstStep = null;
        if (value === null) {
          const reply = iterator;
          const next = loaded.threads.batch(batchTokens, () => reply.next());
          batchTokens = 1;
          pending = next;
          const step = await raceAbort(next, signal);
          if (step.aborted) return finish('aborted');
          value = step.value;
        }
        if (value.done) break;
        generated.push(value.value);
        stats.tokenArrived();
        text.append(filter.push(decoder.push(value.value)));
        if (filter.stopped) {
          stopReason = 'stopText';
          break;
        }
        if (generated.length >= maxTokens) {
          stopReason = 'maxTokens';
          break;
        }
      }
      text.append(filter.push(decoder.flush()));
      if (filter.stopped) stopReason = 'stopText';
      text.append(filter.flush());
      return finish(stopReason);
    } catch (error) {
      await cleanup();
      loaded.states.forget(); // the sequence's state is unknown now: never save it
      if (error instanceof EngineError) throw error;
      throw new EngineError('GENERATION_FAILED', `Generation failed: ${errorMessage(error)}`, { cause: error });
    }
  }

  private async prefillNow(request: GenerateRequest, stillTyping: boolean, signal: AbortSignal): Promise<PrefillResult> {
    const loaded = this.loaded;
    if (!loaded || signal.aborted) {
      return { outcome: loaded ? 'superseded' : 'skipped', reusedTokens: 0, evaluatedTokens: 0 };
    }
    const settings = this.settingsFor(request);
    const fit = (fitted: GenerateRequest): Token[] => this.fit(loaded, fitted, settings.maxTokens).tokens;
    return this.prefiller.prefill(loaded, request, settings, fit, stillTyping, signal);
  }

  /** The request's sampling settings over the engine's defaults. */
  private settingsFor(request: GenerateRequest): ResolvedSettings {
    return { ...this.settings, ...definedOnly(request.settings ?? {}) };
  }

  /** The request's prompt fitted into the context window, as `generate` and `prefill` both evaluate it. */
  private fit(loaded: LoadedModel, request: GenerateRequest, maxTokens: number) {
    return fitContextWindow(request, this.fitOptions(loaded, request, maxTokens));
  }

  /** How `fit` (and `measure`) fit a request: the model's format and window, the reply reserve, the kept start. */
  private fitOptions(
    loaded: LoadedModel,
    request: GenerateRequest,
    maxTokens: number,
  ): ContextWindowOptions<Token, ContextWindowInput> {
    const { format } = loaded;
    return {
      contextSize: loaded.context.contextSize,
      replyReserve: this.replyReserve(maxTokens),
      format: (input) => input,
      tokenize: (input) => format.tokenize(input),
      // Only for a conversation that grew since (not one edited shorter, where the old start means nothing).
      keepStart: loaded.states.keepStart(request.cacheKey, request.turns.length),
      refill: this.options.contextRefill ?? 0.6,
      minTokens: tokenLowerBound(format, loaded.info.longestTokenBytes),
    };
  }

  private async disposeNow(): Promise<void> {
    this.disposeController.abort(new EngineError('DISPOSED', 'The engine was disposed.'));
    this.stateSaves.cancel();
    const release = await this.queue.acquire(); // running work sees the abort and settles quickly
    try {
      const loaded = this.loaded;
      this.loaded = null;
      await this.prefiller.drop();
      if (loaded) {
        await loaded.states.save();
        await disposeLoaded(loaded);
      }
      await this.loader.release();
    } finally {
      release?.();
      this.statusEmitter.set({ ...NO_MODEL_STATUS });
      this.statusEmitter.clear();
    }
  }

  /** Tokens kept free for the reply: the configured reserve, but never more than the reply may use. */
  private replyReserve(maxTokens: number): number {
    return Math.max(1, Math.min(this.options.replyReserveTokens ?? 256, maxTokens));
  }

  private assertUsable(): void {
    if (this.disposing) throw new EngineError('DISPOSED', 'The engine was disposed.');
  }
}

/**
 * A conversation state is marked for saving after a `prefill` of an opened conversation only if it evaluated at least
 * this many tokens (see `MIN_RESTORE_GAIN_TOKENS`: a saved state spares no less).
 */
const MIN_SAVED_PREFILL_TOKENS = 32;

/**
 * A cheap lower bound on a prompt's tokens: its UTF-8 bytes over the vocabulary's longest token. It lets a huge paste
 * be refused without tokenizing megabytes of text. `undefined` when the file did not say how long its tokens are.
 */
function tokenLowerBound(
  format: ChatFormat,
  longestTokenBytes: number | null,
): ((input: ContextWindowInput) => number) | undefined {
  if (!longestTokenBytes) return undefined;
  return (input) => Math.ceil(Buffer.byteLength(format.promptText(input), 'utf8') / longestTokenBytes);
}

/** The object without its `undefined` fields, so spreading it does not erase defaults. */
function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Partial<T>;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
