import type { EngineStatus, EngineThreads, ReplyStats, StopReason } from '../../common/types';

/** One turn of the conversation as the engine sees it. */
export interface ChatTurn {
  role: 'user' | 'assistant';
  content: string;
}

/** Sampling settings for one reply. Every field has a sensible Phi-2 default in the engine. */
export interface GenerationSettings {
  /** 0 = greedy. */
  temperature?: number;
  topP?: number;
  topK?: number;
  repeatPenalty?: number;
  /** Fixed seed for reproducible sampling; omitted = random. */
  seed?: number;
  /** Cap on generated tokens for this reply. */
  maxTokens?: number;
}

export interface GenerateRequest {
  /** Pinned instruction placed before the turns. Empty or omitted = none. */
  systemPrompt?: string;
  /** The conversation so far, oldest first; the last turn is the user's message to answer. */
  turns: ChatTurn[];
  settings?: GenerationSettings;
  /**
   * A key for KV-cache reuse (usually the conversation id): requests with the same key that extend the
   * previous prompt evaluate only the new tokens.
   */
  cacheKey?: string;
}

export interface GenerateOptions {
  /** Aborting stops generation at once; `generate` then resolves with stopReason `aborted` and the text so far. */
  signal?: AbortSignal;
  /** Called with each new piece of reply text, in order, never with stop text. */
  onText?: (delta: string) => void;
  /** Called once, before the first token, with what of the conversation fits in the context window. */
  onContext?: (info: ContextWindowInfo) => void;
}

/** What of a request fits in the model's context window. */
export interface ContextWindowInfo {
  /** Turns (counting back from the last, included) in the prompt; older ones were dropped to leave room for the reply. */
  turnsInView: number;
  /** Turns dropped from the start of `turns` (the system prompt is always kept). */
  turnsDropped: number;
  /** Tokens of the prompt as evaluated. */
  promptTokens: number;
}

export interface GenerateResult {
  /** The whole reply text (the concatenation of every `onText` delta). */
  text: string;
  stopReason: StopReason;
  stats: ReplyStats;
  /** The same information `onContext` received. */
  context: ContextWindowInfo;
}

/**
 * What `request`'s prompt would take of the context window, counted with the model's tokenizer and fitted exactly as
 * `generate` would fit it (same format, same dropped turns, same reply reserve).
 */
export interface PromptMeasure {
  /** The model's context window, in tokens. */
  contextSize: number;
  /** Tokens fitting keeps free for the reply (the engine's reserve, capped by the request's `maxTokens`). */
  replyReserve: number;
  /**
   * Whether `generate` would accept the request. When not, even the last exchange alone leaves less than
   * `replyReserve` free (`generate` fails with `CONTEXT_OVERFLOW`), and the figures below are that exchange's.
   */
  fits: boolean;
  /** Tokens of the prompt (`ContextWindowInfo.promptTokens` of the `generate` that would follow). */
  promptTokens: number;
  /** False when `promptTokens` is only a lower bound (a prompt far too long is not tokenized in full). */
  exact: boolean;
  turnsInView: number;
  turnsDropped: number;
  /** The longest reply the prompt leaves room for: the request's `maxTokens`, or less when the window is fuller. */
  replyTokens: number;
  /** The counts are estimated (a remote model, whose tokenizer is not here), not counted with the model's tokenizer. */
  estimated?: boolean;
}

/** How a `prefill` ended. */
export interface PrefillResult {
  /**
   * `done`: the whole prompt is in the KV cache and the reply's first token is sampled (a `generate` of the same
   * request, same sampling settings, evaluates nothing before its first token; another request keeps the shared
   * prefix); `superseded`: a later `prefill`, `generate` or `load` came first (what was evaluated stays); `skipped`:
   * nothing was done (no model, or the prompt does not fit the window — `generate` will say so).
   */
  outcome: 'done' | 'superseded' | 'skipped';
  /** Prompt tokens that were already in the KV cache (or in a saved state of the conversation). */
  reusedTokens: number;
  /** Prompt tokens this call evaluated. */
  evaluatedTokens: number;
}

/** A `prefill` that did nothing (a fresh copy each time: results are plain data the caller may keep). */
export function prefillSkipped(): PrefillResult {
  return { outcome: 'skipped', reusedTokens: 0, evaluatedTokens: 0 };
}

export interface PrefillOptions {
  /**
   * The last turn is still being typed: evaluate only what more typing cannot change — the prompt up to the last
   * turn's last whole word, without the prompt's closing (`\nOutput:`) and without sampling — so each step stays
   * small and nothing is evaluated twice while the user types. Default false: the whole prompt, and the reply's first
   * token (the user has paused, and may press Enter).
   */
  stillTyping?: boolean;
}

export interface LoadOptions {
  /** Load progress, 0..1. */
  onProgress?: (progress: number) => void;
  signal?: AbortSignal;
}

/**
 * The engine as every service sees it: node-llama-cpp behind it in the app, a scripted fake in tests that need
 * exact text. Implementations never throw for an aborted generation; they throw `EngineError` for anything else.
 */
/** What an engine writes to the app's log: llama.cpp's warnings and errors, and facts such as a change of threads. */
export type EngineLogLevel = 'error' | 'warn' | 'info';

export interface ChatEngine {
  status(): EngineStatus;
  /** Subscribe to status changes; returns an unsubscribe function. */
  onStatus(listener: (status: EngineStatus) => void): () => void;
  /** Load (or replace) the model. On failure the previous model, if any, stays loaded. */
  load(modelPath: string, options?: LoadOptions): Promise<void>;
  /** Stream a reply to the conversation. Requests are served one at a time, in order. */
  generate(request: GenerateRequest, options?: GenerateOptions): Promise<GenerateResult>;
  /**
   * Evaluate `request`'s prompt ahead of a `generate` likely to follow — the user is still typing its last turn, or
   * has just opened the conversation (an empty last turn) — so that `generate` evaluates only what differs. It runs
   * only when nothing else waits: any `generate` or `load` (and any newer `prefill`) takes over at the next step,
   * keeping what was evaluated. Never throws.
   */
  prefill(request: GenerateRequest, options?: PrefillOptions): Promise<PrefillResult>;
  /**
   * How many tokens `request`'s prompt takes and what of it fits (see `PromptMeasure`); `null` when there is no
   * tokenizer to count with (no model loaded, or the engine is gone). Cheap, and never waits for or disturbs a
   * running `generate`, `prefill` or `load`: it only tokenizes. Never throws.
   */
  measure(request: GenerateRequest): Promise<PromptMeasure | null>;
  /**
   * The local model's CPU threads: `auto` or a fixed count, from the next batch on (engines that run elsewhere, such
   * as a remote server, have none).
   */
  setThreads?(threads: EngineThreads): void;
  /**
   * Free every native resource. The engine cannot be used afterwards. Only the first call's options count; later
   * calls return the same promise.
   */
  dispose(options?: DisposeOptions): Promise<void>;
}

export interface DisposeOptions {
  /**
   * Aborted when the caller can wait no longer (the app's shutdown deadline): an engine in a process of its own kills
   * that process at once instead of waiting for it to save its state and free its model. An engine in this process
   * cannot be cut short and ignores it.
   */
  signal?: AbortSignal;
}

export type EngineErrorCode =
  | 'MODEL_NOT_FOUND'
  | 'MODEL_INVALID'
  | 'MODEL_LOAD_FAILED'
  | 'NO_MODEL'
  | 'CONTEXT_OVERFLOW'
  | 'GENERATION_FAILED'
  | 'DISPOSED';

/** An engine failure with a code a service can map to the contract's typed errors. */
export class EngineError extends Error {
  constructor(
    readonly code: EngineErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'EngineError';
  }
}
