import type { EngineLogLevel } from './port';
import { basename } from 'node:path';
import type { LlamaContext, LlamaContextSequence, LlamaModel } from 'node-llama-cpp';
import type { EngineStatus, EngineThreads } from '../../common/types';
import { chooseChatFormat, phi2ChatFormat, templateChatFormat, type ChatFormat } from './chat-format';
import { contextWindowFor } from './context-window';
import { ConversationStates } from './conversation-states';
import { usableKeyType, type KvKeyType } from './kv-key-type';
import { DEFAULT_KV_CACHE_BUDGET_BYTES, KvStateCache } from './kv-state-cache';
import { acquireLlama, type LlamaLease } from './llama-runtime';
import { inspectModelFile, type ModelFileInfo } from './model-file';
import { EngineError } from './port';
import { ThreadGovernor } from './thread-governor';
import type { AdaptiveThreadsOptions, ThreadChange } from './thread-policy';

/** A model in memory with its context: everything a reply needs. */
export interface LoadedModel {
  path: string;
  info: ModelFileInfo;
  model: LlamaModel;
  context: LlamaContext;
  sequence: LlamaContextSequence;
  /** How prompts are written for this model. */
  format: ChatFormat;
  /** Which conversation the sequence holds, with saved states of others (if a folder was given). */
  states: ConversationStates;
  /** The thread count of each batch (see `ThreadGovernor`). */
  threads: ThreadGovernor;
}

export interface ModelLoaderOptions {
  /** `general.architecture` values accepted (default: any the app can write prompts for). */
  architectures?: readonly string[];
  /** Upper bound on the context window, in tokens (see `contextWindowFor`). */
  maxContextSize?: number;
  /** CPU threads for evaluation: `auto` (adaptive, see `ThreadGovernor`) or a fixed count. */
  threads: EngineThreads;
  /** Each change of the adaptive thread count (for the log). */
  onThreadChange?: (change: ThreadChange) => void;
  /** The other programs' load in cores, as the adaptive policy reads it (`MachineLoad` by default). */
  machineLoad?: () => number | null;
  /** The adaptive policy's knobs (tests shorten its waits). */
  threadPolicy?: Partial<AdaptiveThreadsOptions>;
  /**
   * Tokens llama.cpp evaluates in one batch at most: the engine's prompt step. node-llama-cpp's default (512) only
   * makes llama.cpp's compute buffer four times larger when prompts are evaluated 128 tokens at a time.
   */
  batchSize?: number;
  /**
   * The type of the KV cache's keys: `F16` (the default) or `Q8_0`. Q8_0 keys are used only on models whose attention
   * heads are a multiple of 32 values wide, F16 keys otherwise, with a warning (see `usableKeyType`): llama.cpp
   * computes NaN logits with them on other widths — Phi-2's heads are 80 wide, so Phi-2 always gets F16 keys. Where
   * they work, Q8_0 keys take ~23% less KV memory and move the next-token distributions very little (README,
   * Performance). A quantized V cache needs flash attention, which makes a follow-up 3.6× slower here.
   */
  kvCacheKeyType?: KvKeyType;
  /** Memory-map the model file (see `LlamaEngineOptions.useMmap`). */
  useMmap?: boolean;
  /** Folder for saved KV-cache states, and its disk budget (see `KvStateCache`). */
  kvCacheDir?: string;
  kvCacheBudgetBytes?: number;
  onLog?: (level: EngineLogLevel, message: string) => void;
}

/**
 * A model's lifecycle in llama.cpp: the shared runtime (held from the first load until `release`), a model file
 * checked, loaded with its context and the conversation states' cache, and freed again. Load failures come back as
 * `EngineError`s with llama.cpp's own recent errors in them.
 */
export class ModelLoader {
  private lease: Promise<LlamaLease> | null = null;
  private readonly recentErrors: string[] = [];

  constructor(private readonly options: ModelLoaderOptions) {}

  /** The thread setting of the next load (the engine applies it to a loaded model itself). */
  setThreads(threads: EngineThreads): void {
    this.options.threads = threads;
  }

  /**
   * Loads `path` (an absolute path) with its context. `onProgress` gets llama.cpp's load progress, then 1 once all is
   * in place. Throws `MODEL_LOAD_FAILED` (or `DISPOSED`) when `signal` aborts, and the other load errors as they are.
   */
  async load(path: string, signal: AbortSignal, onProgress: (progress: number) => void): Promise<LoadedModel> {
    let model: LlamaModel | null = null;
    try {
      const info = await inspectModelFile(path);
      const architectures = this.options.architectures;
      if (architectures && !architectures.includes(info.architecture)) {
        throw new EngineError(
          'MODEL_INVALID',
          `${path} is a '${info.architecture}' model; this app runs ${architectures.join(' or ')} models.`,
        );
      }
      const formatKind = chooseChatFormat(info);
      if (formatKind === null) {
        throw new EngineError(
          'MODEL_INVALID',
          `${path} is a '${info.architecture}' model without a chat template in its metadata; this app runs Phi-2 ` +
            'models and models that carry their chat template.',
        );
      }
      const keyType = usableKeyType(this.options.kvCacheKeyType ?? 'F16', info);
      if (keyType.fallback) this.options.onLog?.('warn', `${basename(path)}: ${keyType.fallback}`);
      if (signal.aborted) throw loadCancelled(signal);
      const llama = await this.getLlama();
      this.recentErrors.length = 0;
      // node-llama-cpp opens the file again by its path: `inspectModelFile` has just checked, on an open descriptor,
      // that it is a regular GGUF file. Between that check and this open (milliseconds) the path could be swapped for
      // a named pipe only by someone who can write to the model's folder — who could as well replace the model itself.
      // Even then only this engine process would wait; the app's shutdown deadline kills it.
      model = await llama.loadModel({
        modelPath: path,
        gpuLayers: 0,
        useMmap: this.options.useMmap ?? false,
        defaultContextFlashAttention: false,
        loadSignal: signal,
        onLoadProgress: onProgress,
      });
      // Every core llama.cpp counts for math (the physical ones); the governor sets the budget per batch.
      const threads = new ThreadGovernor(llama, this.options.threads, {
        ...(this.options.onThreadChange ? { onChange: this.options.onThreadChange } : {}),
        ...(this.options.machineLoad ? { machineLoad: this.options.machineLoad } : {}),
        ...(this.options.threadPolicy ? { policy: this.options.threadPolicy } : {}),
      });
      llama.maxThreads = threads.most; // the context's ideal is capped by the budget at its creation
      const context = await model.createContext({
        contextSize: contextWindowFor(model.trainContextSize, this.options.maxContextSize),
        // Measured: with flash attention on, Phi-2 on the CPU gets 2–8× slower as the context fills.
        flashAttention: false,
        threads: { ideal: threads.most, min: 1 },
        ...(this.options.batchSize ? { batchSize: this.options.batchSize } : {}),
        experimentalKvCacheKeyType: keyType.type,
        sequences: 1,
        createSignal: signal,
      });
      const kv = await this.openStateCache(path, context.contextSize, keyType.type);
      onProgress(1); // llama.cpp's own progress may still be in flight: end the bar at 100% before `ready`
      const format = formatKind === 'phi2' ? phi2ChatFormat(model) : templateChatFormat(model);
      const sequence = context.getSequence();
      const states = new ConversationStates(sequence, kv, this.options.onLog);
      threads.set(threads.setting); // the budget back to the count in force
      return { path, info, model, context, sequence, format, states, threads };
    } catch (error) {
      await model?.dispose().catch(() => undefined);
      throw signal.aborted ? loadCancelled(signal) : this.toLoadError(error, path);
    }
  }

  /** Frees the runtime (after every model is disposed). */
  async release(): Promise<void> {
    const lease = await this.lease?.catch(() => null);
    await lease?.release();
  }

  private async openStateCache(modelPath: string, contextSize: number, keyType: KvKeyType): Promise<KvStateCache | null> {
    const dir = this.options.kvCacheDir;
    if (!dir) return null;
    const llama = await this.getLlama();
    // A saved state loads only into a context like the one that wrote it (llama.cpp may crash on another): the cache
    // type is part of its identity, so states written with F16 keys are not offered to a Q8_0 context.
    const identity = `ctx=${contextSize};fa=0;k=${keyType};llama.cpp=${llama.llamaCppRelease.release}`;
    try {
      return await KvStateCache.open(dir, modelPath, identity, this.options.kvCacheBudgetBytes ?? DEFAULT_KV_CACHE_BUDGET_BYTES);
    } catch (error) {
      this.options.onLog?.('warn', `Saved conversation states are off: ${errorMessage(error)}`);
      return null;
    }
  }

  /** The shared llama.cpp runtime, held from the first load until `release`. */
  private async getLlama() {
    this.lease ??= acquireLlama((level, message) => this.onLlamaLog(level, message)).catch((error: unknown) => {
      this.lease = null;
      throw new EngineError('MODEL_LOAD_FAILED', `The llama.cpp runtime could not start: ${errorMessage(error)}`, {
        cause: error,
      });
    });
    return (await this.lease).llama;
  }

  private onLlamaLog(level: 'error' | 'warn', message: string): void {
    if (level === 'error') {
      this.recentErrors.push(message);
      if (this.recentErrors.length > 5) this.recentErrors.shift();
    }
    this.options.onLog?.(level, message);
  }

  private toLoadError(error: unknown, path: string): EngineError {
    if (error instanceof EngineError) return error;
    const detail = this.recentErrors.length > 0 ? ` (llama.cpp: ${this.recentErrors.join('; ')})` : '';
    return new EngineError('MODEL_LOAD_FAILED', `Could not load ${path}: ${errorMessage(error)}${detail}`, {
      cause: error,
    });
  }
}

/** Frees a loaded model's context and weights. */
export async function disposeLoaded(loaded: LoadedModel): Promise<void> {
  await loaded.context.dispose();
  await loaded.model.dispose();
}

export function loadingStatus(path: string, name: string): EngineStatus {
  return { state: 'loading', modelPath: path, modelName: name, loadProgress: 0, contextSize: null, error: null };
}

export function readyStatus(loaded: LoadedModel): EngineStatus {
  return {
    state: 'ready',
    modelPath: loaded.path,
    modelName: loaded.info.name ?? basename(loaded.path),
    loadProgress: null,
    contextSize: loaded.context.contextSize,
    error: null,
  };
}

/** A load stopped by `signal`: the engine's `DISPOSED` when it was disposed, else a cancelled load. */
export function loadCancelled(signal: AbortSignal): EngineError {
  if (signal.reason instanceof EngineError && signal.reason.code === 'DISPOSED') return signal.reason;
  return new EngineError('MODEL_LOAD_FAILED', 'Loading the model was cancelled.', { cause: signal.reason });
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
