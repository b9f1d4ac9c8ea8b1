import { basename, resolve } from 'node:path';
import type { EngineStatus, EngineThreads, StopReason } from '../../src-main/common/types';
import { anySignal, delay } from '../../src-main/common/abort';
import { fitContextWindow, measureContextWindow, toPromptMeasure, type ContextWindowOptions } from '../../src-main/node/engine/context-window';
import { inspectModelFile } from '../../src-main/node/engine/model-file';
import { formatPhi2Prompt } from '../../src-main/node/engine/phi2-format';
import {
  EngineError,
  type ChatEngine,
  type GenerateOptions,
  type GenerateRequest,
  type GenerateResult,
  type LoadOptions,
  type PrefillOptions,
  type PrefillResult,
  type PromptMeasure,
  prefillSkipped,
} from '../../src-main/node/engine/port';
import { abortedBeforeStart, StatsClock, TextSink } from '../../src-main/node/engine/reply-stats';
import { PHI2_GENERATION_DEFAULTS } from '../../src-main/common/schemas';
import { SerialQueue } from '../../src-main/node/engine/serial-queue';
import { EngineStatusEmitter, NO_MODEL_STATUS } from '../../src-main/node/engine/status-emitter';

/**
 * A reply the fake engine gives: plain text (streamed, then stopReason `eos`), or the full form to script the ending.
 */
export type ScriptedReply =
  | string
  | {
      text: string;
      /** How the reply ends when it is streamed in full. Default `eos`. */
      stopReason?: 'eos' | 'stopText' | 'maxTokens';
      /** Thrown after `text` has been streamed: simulates a failure mid-reply. */
      error?: EngineError;
    };

export interface ScriptedEngineOptions {
  /**
   * The reply to any request without a queued one (`queueReply`): fixed text or a function of the request.
   * Default: `You said: <the last user message>`.
   */
  reply?: ScriptedReply | ((request: GenerateRequest) => ScriptedReply);
  /** Characters (code points) per streamed delta; each delta counts as one generated token. Default 4. */
  deltaChars?: number;
  /** Wait before each delta, in ms. Default 0 (still yields to the event loop between deltas). */
  deltaDelayMs?: number;
  /**
   * Stream at this many deltas a second instead (the benchmark's fixed token rate): the n-th delta is due n/rate
   * seconds after the reply started, so a timer that fires late does not slow the deltas after it. Overrides
   * `deltaDelayMs`.
   */
  deltasPerSecond?: number;
  /** Wait before each of the three load-progress steps, in ms. Default 0. */
  loadDelayMs?: number;
  /**
   * Context size reported once a model is "loaded", and the window requests are fitted into (tokens estimated as
   * one per four characters, see `estimateTokens`). Default 2048, Phi-2's.
   */
  contextSize?: number;
  /** Tokens kept free for the reply when fitting the window (capped by `maxTokens`). Default 256, as the real engine. */
  replyReserveTokens?: number;
  /** Validate the file on `load` like the real engine (missing → MODEL_NOT_FOUND, not GGUF → MODEL_INVALID). */
  checkModelFile?: boolean;
  /** Start as if this model file were already loaded (state `ready`). */
  initialModelPath?: string;
}

/**
 * A fake `ChatEngine` for tests that need exact text (services, UI). It streams scripted replies in small deltas,
 * serves requests one at a time, honours abort and `maxTokens`, and goes through the same status changes as the
 * real engine, without any model.
 */
export class ScriptedEngine implements ChatEngine {
  /** Every request received, in order, for assertions. */
  readonly requests: GenerateRequest[] = [];
  /** Every `prefill` request received, in order, for assertions. */
  readonly prefills: GenerateRequest[] = [];
  /** The options of each `prefill`, in the same order. */
  readonly prefillOptions: PrefillOptions[] = [];
  /** Every `measure` request received, in order, for assertions. */
  readonly measures: GenerateRequest[] = [];
  /** Every thread setting received (`setThreads`), in order. */
  readonly threadSettings: EngineThreads[] = [];
  private readonly statusEmitter = new EngineStatusEmitter();
  private readonly queue = new SerialQueue();
  private readonly disposeController = new AbortController();
  private readonly queuedReplies: ScriptedReply[] = [];
  private disposed = false;

  constructor(private readonly options: ScriptedEngineOptions = {}) {
    if (options.initialModelPath !== undefined) {
      this.statusEmitter.set(this.readyStatus(resolve(options.initialModelPath)));
    }
  }

  /** Queues replies for the next requests, first in first out; they take precedence over the `reply` option. */
  queueReply(...replies: ScriptedReply[]): void {
    this.queuedReplies.push(...replies);
  }

  setThreads(threads: EngineThreads): void {
    this.threadSettings.push(threads);
  }

  status(): EngineStatus {
    return this.statusEmitter.get();
  }

  onStatus(listener: (status: EngineStatus) => void): () => void {
    return this.statusEmitter.subscribe(listener);
  }

  async load(modelPath: string, options: LoadOptions = {}): Promise<void> {
    this.assertUsable();
    const path = resolve(modelPath);
    const signal = anySignal(options.signal, this.disposeController.signal);
    const release = await this.queue.acquire(signal);
    if (!release) throw this.cancelled();
    const previous = this.statusEmitter.get();
    const name = basename(path);
    try {
      const loading: EngineStatus = {
        ...NO_MODEL_STATUS,
        state: 'loading',
        modelPath: path,
        modelName: name,
        loadProgress: 0,
      };
      this.statusEmitter.set(loading);
      options.onProgress?.(0);
      if (this.options.checkModelFile) await inspectModelFile(path);
      for (const progress of [0.5, 1]) {
        await delay(this.options.loadDelayMs ?? 0, signal);
        if (signal.aborted) throw this.cancelled();
        this.statusEmitter.set({ ...loading, loadProgress: progress });
        options.onProgress?.(progress);
      }
      this.statusEmitter.set(this.readyStatus(path));
    } catch (error) {
      const failure = error instanceof EngineError ? error : new EngineError('MODEL_LOAD_FAILED', String(error));
      this.statusEmitter.set(
        previous.state === 'ready'
          ? previous
          : { ...NO_MODEL_STATUS, state: 'error', modelPath: path, modelName: name, error: failure.message },
      );
      throw failure;
    } finally {
      release();
    }
  }

  async generate(request: GenerateRequest, options: GenerateOptions = {}): Promise<GenerateResult> {
    const requestedAt = performance.now();
    this.assertUsable();
    this.requests.push(request);
    const signal = anySignal(options.signal, this.disposeController.signal);
    const release = await this.queue.acquire(signal);
    if (!release) return abortedBeforeStart(requestedAt, request);
    try {
      if (this.statusEmitter.get().state !== 'ready') throw new EngineError('NO_MODEL', 'No model is loaded.');
      const maxTokens = request.settings?.maxTokens ?? Number.POSITIVE_INFINITY;
      const fitted = fitContextWindow(request, this.fitOptions(maxTokens));
      options.onContext?.({ ...fitted.info });
      const reply = normalize(this.nextReply(request));
      const deltas = splitIntoDeltas(reply.text, Math.max(1, this.options.deltaChars ?? 4));
      const stats = new StatsClock(requestedAt, fitted.info.promptTokens);
      const text = new TextSink(options.onText);
      let generated = 0;
      const streamStarted = performance.now();
      const finish = (stopReason: StopReason): GenerateResult => ({
        text: text.value,
        stopReason,
        stats: stats.finish(generated, stopReason),
        context: { ...fitted.info },
      });
      for (const delta of deltas) {
        if (generated >= maxTokens) return finish('maxTokens');
        const wait = this.waitBefore(generated, streamStarted);
        await delay(wait, signal);
        if (wait <= 0) await new Promise<void>((done) => setImmediate(done));
        if (signal.aborted) return finish('aborted');
        stats.tokenArrived();
        generated++;
        text.append(delta);
      }
      if (reply.error) throw reply.error;
      return finish(reply.stopReason);
    } finally {
      release();
    }
  }

  /**
   * Records the request; there is no cache to fill, so it only reports the (estimated) size of the prompt `generate`
   * would fit from it as evaluated (0 when it does not fit).
   */
  async prefill(request: GenerateRequest, options: PrefillOptions = {}): Promise<PrefillResult> {
    if (this.disposed || this.statusEmitter.get().state !== 'ready') {
      return prefillSkipped();
    }
    this.prefills.push(request);
    this.prefillOptions.push({ ...options });
    const measured = measureContextWindow(request, this.fitOptions(request.settings?.maxTokens ?? Number.POSITIVE_INFINITY));
    return { outcome: 'done', reusedTokens: 0, evaluatedTokens: measured.fits ? measured.fitted.info.promptTokens : 0 };
  }

  /**
   * The prompt's size as `generate` fits it: Phi-2's format, tokens estimated as one per four characters (so a test
   * can work out the figures), the same window and reply reserve. `null` without a "loaded" model, as the real one.
   * Answers at once, also while a reply streams.
   */
  async measure(request: GenerateRequest): Promise<PromptMeasure | null> {
    if (this.disposed || this.statusEmitter.get().state !== 'ready') return null;
    this.measures.push(request);
    // The reply's cap: a request's `maxTokens`, or (as the app always sends one) Phi-2's default.
    const maxTokens = request.settings?.maxTokens ?? PHI2_GENERATION_DEFAULTS.maxTokens;
    const options = this.fitOptions(maxTokens);
    const measured = measureContextWindow(request, options);
    return toPromptMeasure(measured, { contextSize: options.contextSize, replyReserve: options.replyReserve, maxTokens });
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.disposeController.abort();
    const release = await this.queue.acquire();
    release?.();
    this.statusEmitter.set({ ...NO_MODEL_STATUS });
    this.statusEmitter.clear();
  }

  /** How long to wait before delta number `index` (from 0) of a reply that started streaming at `started`. */
  private waitBefore(index: number, started: number): number {
    const rate = this.options.deltasPerSecond;
    if (rate === undefined || !(rate > 0)) return this.options.deltaDelayMs ?? 0;
    return started + ((index + 1) * 1000) / rate - performance.now();
  }

  /**
   * How requests are fitted into the window: Phi-2's format, estimated tokens, and — like the real engine's lower
   * bound — a candidate prompt far over the window (over four windows' worth) is never tokenized: its count, known
   * from its length, rules it out (reported as not exact, as the real engine does). Without it, fitting a
   * 10,000-message conversation made token arrays of whole transcripts, blocking the host for a third of a second.
   */
  private fitOptions(maxTokens: number): ContextWindowOptions<number> {
    const contextSize = this.options.contextSize ?? 2048;
    return {
      contextSize,
      replyReserve: Math.max(1, Math.min(this.options.replyReserveTokens ?? 256, maxTokens)),
      format: formatPhi2Prompt,
      tokenize: estimatedTokens,
      minTokens: (prompt) => (prompt.length > 16 * contextSize ? Math.ceil(prompt.length / 4) : 0),
    };
  }

  private nextReply(request: GenerateRequest): ScriptedReply {
    const queued = this.queuedReplies.shift();
    if (queued !== undefined) return queued;
    const reply = this.options.reply;
    if (typeof reply === 'function') return reply(request);
    if (reply !== undefined) return reply;
    const lastUser = [...request.turns].reverse().find((turn) => turn.role === 'user');
    return `You said: ${lastUser?.content ?? ''}`;
  }

  private readyStatus(path: string): EngineStatus {
    return {
      state: 'ready',
      modelPath: path,
      modelName: basename(path),
      loadProgress: null,
      contextSize: this.options.contextSize ?? 2048,
      error: null,
    };
  }

  private assertUsable(): void {
    if (this.disposed) throw new EngineError('DISPOSED', 'The engine was disposed.');
  }

  private cancelled(): EngineError {
    return this.disposed
      ? new EngineError('DISPOSED', 'The engine was disposed.')
      : new EngineError('MODEL_LOAD_FAILED', 'Loading the model was cancelled.');
  }
}

function normalize(reply: ScriptedReply): { text: string; stopReason: StopReason; error?: EngineError } {
  if (typeof reply === 'string') return { text: reply, stopReason: 'eos' };
  return { text: reply.text, stopReason: reply.stopReason ?? 'eos', error: reply.error };
}

/** Splits by code points, so a delta never ends in half a surrogate pair. */
function splitIntoDeltas(text: string, size: number): string[] {
  const chars = Array.from(text);
  const deltas: string[] = [];
  for (let i = 0; i < chars.length; i += size) deltas.push(chars.slice(i, i + size).join(''));
  return deltas;
}

/**
 * Stand-in tokens: one per four characters (code units), the usual rule of thumb for English with a GPT-2 tokenizer.
 * Only their count matters.
 */
function estimatedTokens(text: string): number[] {
  return Array.from({ length: Math.ceil(text.length / 4) }, (_, index) => index);
}
