import * as v from 'valibot';
import { RpcError } from '../../../common/contract';
import type { ContractSchemas } from '../../../common/rpc';
import { EngineThreadsSchema } from '../../../common/schemas';
import type { EngineStatus, EngineThreads } from '../../../common/types';
import {
  EngineError,
  type ContextWindowInfo,
  type EngineErrorCode,
  type GenerateRequest,
  type GenerateResult,
  type PrefillResult,
  type PromptMeasure,
} from '../port';

/**
 * The contract between the host (Electron main process or browser host) and its engine process, run over the same
 * RPC core as the app contract (ids, cancellation, per-request streams). The process parses every request's params
 * against these schemas; the host checks every answer (results, streamed events, pushes): a message that does not
 * parse is a bug, reported as such, never acted on.
 */

const Count = v.pipe(v.number(), v.integer(), v.minValue(0));
const Finite = v.pipe(v.number(), v.finite());
const OptionalNumber = v.optional(Finite);

const ChatTurnSchema = v.strictObject({ role: v.picklist(['user', 'assistant']), content: v.string() });

const GenerationSettingsSchema = v.strictObject({
  temperature: OptionalNumber,
  topP: OptionalNumber,
  topK: OptionalNumber,
  repeatPenalty: OptionalNumber,
  seed: OptionalNumber,
  maxTokens: OptionalNumber,
});

const GenerateRequestSchema = v.strictObject({
  systemPrompt: v.optional(v.string()),
  turns: v.array(ChatTurnSchema),
  settings: v.optional(GenerationSettingsSchema),
  cacheKey: v.optional(v.string()),
});

/** Engine options, as the process's `LlamaEngine` takes them (everything that crosses a process boundary). */
const WorkerEngineOptionsSchema = v.strictObject({
  threads: v.optional(EngineThreadsSchema),
  maxContextSize: v.optional(v.pipe(v.number(), v.integer(), v.minValue(16))),
  replyReserveTokens: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
  useMmap: v.optional(v.boolean()),
  promptChunkTokens: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
  prefillChunkTokens: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
  architectures: v.optional(v.array(v.string())),
  kvCacheDir: v.optional(v.string()),
  kvCacheBudgetBytes: v.optional(Count),
  kvSaveDelayMs: v.optional(Count),
  contextRefill: v.optional(v.pipe(v.number(), v.minValue(0.1), v.maxValue(1))),
  /** Sampling settings for any a request leaves out (over the Phi-2 defaults). */
  defaults: v.optional(GenerationSettingsSchema),
});
export type WorkerEngineOptions = v.InferOutput<typeof WorkerEngineOptionsSchema>;

const EngineStatusSchema = v.strictObject({
  state: v.picklist(['noModel', 'loading', 'ready', 'error']),
  modelPath: v.nullable(v.string()),
  modelName: v.nullable(v.string()),
  loadProgress: v.nullable(Finite),
  contextSize: v.nullable(Count),
  error: v.nullable(v.string()),
});

const StopReasonSchema = v.picklist(['eos', 'stopText', 'maxTokens', 'aborted', 'error']);

const ContextInfoSchema = v.strictObject({ turnsInView: Count, turnsDropped: Count, promptTokens: Count });

const GenerateResultSchema = v.strictObject({
  text: v.string(),
  stopReason: StopReasonSchema,
  stats: v.strictObject({
    promptTokens: Count,
    evaluatedPromptTokens: Count,
    generatedTokens: Count,
    timeToFirstTokenMs: Finite,
    tokensPerSecond: Finite,
    stopReason: StopReasonSchema,
  }),
  context: ContextInfoSchema,
});

const PrefillResultSchema = v.strictObject({
  outcome: v.picklist(['done', 'superseded', 'skipped']),
  reusedTokens: Count,
  evaluatedTokens: Count,
});

const PromptMeasureSchema = v.strictObject({
  contextSize: Count,
  replyReserve: Count,
  fits: v.boolean(),
  promptTokens: Count,
  exact: v.boolean(),
  turnsInView: Count,
  turnsDropped: Count,
  replyTokens: Count,
});

/** What `generate` streams: the context window's figures once the prompt is fitted, then the reply's text. */
export type GenerateEvent = { type: 'context'; info: ContextWindowInfo } | { type: 'text'; delta: string };

/** What the engine process pushes unasked. */
export type EnginePush =
  | { type: 'status'; status: EngineStatus }
  /** llama.cpp's warnings and errors, and facts such as a change of threads, for the host's log. */
  | { type: 'log'; level: 'error' | 'warn' | 'info'; message: string };

/**
 * The engine process's methods. Every one is answered exactly once; cancelling `load` or `generate` reaches the
 * engine's own abort signal.
 */
export interface EngineContract {
  methods: {
    /** Make the engine this process serves; requests may follow. Answers with the process id. */
    init: { params: WorkerEngineOptions; result: { pid: number }; events: never };
    /** Load a model (its load progress streams as events, 0…1). */
    load: { params: { modelPath: string }; result: null; events: { type: 'progress'; progress: number } };
    generate: { params: { request: GenerateRequest }; result: GenerateResult; events: GenerateEvent };
    prefill: { params: { request: GenerateRequest; stillTyping: boolean }; result: PrefillResult; events: never };
    /** Count the request's prompt tokens (tokenizing only: answered at once, also while a reply is written). */
    measure: { params: { request: GenerateRequest }; result: PromptMeasure | null; events: never };
    /** The thread setting: `auto` or a fixed count (applied from the next batch). */
    setThreads: { params: { threads: EngineThreads }; result: null; events: never };
    /** Save the open conversation's state, free the model; the process exits after answering. */
    dispose: { params: Record<string, never>; result: null; events: never };
  };
  push: EnginePush;
}

export const ENGINE_CONTRACT: ContractSchemas<EngineContract> = {
  params: {
    init: WorkerEngineOptionsSchema,
    load: v.strictObject({ modelPath: v.string() }),
    generate: v.strictObject({ request: GenerateRequestSchema }),
    prefill: v.strictObject({ request: GenerateRequestSchema, stillTyping: v.boolean() }),
    measure: v.strictObject({ request: GenerateRequestSchema }),
    setThreads: v.strictObject({ threads: EngineThreadsSchema }),
    dispose: v.strictObject({}),
  },
  results: {
    init: v.strictObject({ pid: Count }),
    load: v.null(),
    generate: GenerateResultSchema,
    prefill: PrefillResultSchema,
    /** `null`: no model is loaded. */
    measure: v.nullable(PromptMeasureSchema),
    setThreads: v.null(),
    dispose: v.null(),
  },
  events: {
    load: v.strictObject({ type: v.literal('progress'), progress: Finite }),
    generate: v.variant('type', [
      v.strictObject({ type: v.literal('context'), info: ContextInfoSchema }),
      v.strictObject({ type: v.literal('text'), delta: v.string() }),
    ]),
  },
  push: v.variant('type', [
    v.strictObject({ type: v.literal('status'), status: EngineStatusSchema }),
    v.strictObject({ type: v.literal('log'), level: v.picklist(['error', 'warn', 'info']), message: v.string() }),
  ]),
};

const ENGINE_ERROR_CODES = [
  'MODEL_NOT_FOUND',
  'MODEL_INVALID',
  'MODEL_LOAD_FAILED',
  'NO_MODEL',
  'CONTEXT_OVERFLOW',
  'GENERATION_FAILED',
  'DISPOSED',
] as const satisfies readonly EngineErrorCode[];

/** An engine failure as it crosses to the host: `ENGINE_FAILED`, with the engine's own code in `details`. */
export function toWireEngineError(error: unknown): RpcError {
  if (error instanceof RpcError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return error instanceof EngineError
    ? new RpcError('ENGINE_FAILED', message, { engineCode: error.code })
    : new RpcError('INTERNAL', message);
}

/** The engine failure an answer carries, with its own code (else `fallback`, e.g. for a malformed answer). */
export function fromWireEngineError(error: unknown, fallback: EngineErrorCode): EngineError {
  const details = error instanceof RpcError ? (error.details as { engineCode?: unknown } | undefined) : undefined;
  const code = v.is(v.picklist(ENGINE_ERROR_CODES), details?.engineCode) ? details.engineCode : fallback;
  return new EngineError(code, error instanceof Error ? error.message : String(error));
}

/** The request as plain data (no prototype, no extra fields): it must pass the contract's strict schema. */
export function plainRequest(request: GenerateRequest): GenerateRequest {
  const settings = request.settings;
  return {
    ...(request.systemPrompt === undefined ? {} : { systemPrompt: request.systemPrompt }),
    turns: request.turns.map((turn) => ({ role: turn.role, content: turn.content })),
    ...(settings === undefined
      ? {}
      : {
          settings: Object.fromEntries(
            (['temperature', 'topP', 'topK', 'repeatPenalty', 'seed', 'maxTokens'] as const)
              .filter((key) => settings[key] !== undefined)
              .map((key) => [key, settings[key]]),
          ),
        }),
    ...(request.cacheKey === undefined ? {} : { cacheKey: request.cacheKey }),
  };
}
