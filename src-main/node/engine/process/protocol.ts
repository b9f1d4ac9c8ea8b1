import * as v from 'valibot';
import type { EngineErrorCode } from '../port';

/**
 * The messages between the host (Electron main process or browser host) and the engine process. Each side parses
 * every message it receives against these schemas: a message that does not parse is a bug, reported as such, never
 * acted on.
 *
 * Every request carries an `id`; the engine answers it with exactly one final message (`loaded`, `result`, `failed`,
 * `prefilled`, `measured` or `disposed`), after any number of progress messages (`loadProgress`, `context`, `text`) with the same `id`.
 */

const Id = v.pipe(v.number(), v.integer(), v.minValue(1));
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

/** Engine options, as the worker's `LlamaEngine` takes them (everything that crosses a process boundary). */
const WorkerEngineOptionsSchema = v.strictObject({
  threads: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
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

/** Host → engine. */
const HostMessageSchema = v.variant('type', [
  v.strictObject({ type: v.literal('init'), options: WorkerEngineOptionsSchema }),
  v.strictObject({ type: v.literal('load'), id: Id, modelPath: v.string() }),
  v.strictObject({ type: v.literal('generate'), id: Id, request: GenerateRequestSchema }),
  v.strictObject({ type: v.literal('prefill'), id: Id, request: GenerateRequestSchema, stillTyping: v.boolean() }),
  /** Count the request's prompt tokens (tokenizing only: answered at once, also while a reply is written). */
  v.strictObject({ type: v.literal('measure'), id: Id, request: GenerateRequestSchema }),
  /** Abort the load or generation with this id (ignored if it has ended). */
  v.strictObject({ type: v.literal('abort'), id: Id }),
  v.strictObject({ type: v.literal('dispose'), id: Id }),
]);
export type HostMessage = v.InferOutput<typeof HostMessageSchema>;

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

const ERROR_CODES = [
  'MODEL_NOT_FOUND',
  'MODEL_INVALID',
  'MODEL_LOAD_FAILED',
  'NO_MODEL',
  'CONTEXT_OVERFLOW',
  'GENERATION_FAILED',
  'DISPOSED',
] as const satisfies readonly EngineErrorCode[];

/** Engine → host. */
const WorkerMessageSchema = v.variant('type', [
  /** The process is up and has read `init`; requests may follow. */
  v.strictObject({ type: v.literal('ready'), pid: Count }),
  v.strictObject({ type: v.literal('status'), status: EngineStatusSchema }),
  v.strictObject({ type: v.literal('loadProgress'), id: Id, progress: Finite }),
  v.strictObject({ type: v.literal('loaded'), id: Id }),
  v.strictObject({ type: v.literal('context'), id: Id, info: ContextInfoSchema }),
  v.strictObject({ type: v.literal('text'), id: Id, delta: v.string() }),
  v.strictObject({ type: v.literal('result'), id: Id, result: GenerateResultSchema }),
  v.strictObject({
    type: v.literal('prefilled'),
    id: Id,
    result: v.strictObject({
      outcome: v.picklist(['done', 'superseded', 'skipped']),
      reusedTokens: Count,
      evaluatedTokens: Count,
    }),
  }),
  v.strictObject({
    type: v.literal('measured'),
    id: Id,
    /** `null`: no model is loaded. */
    result: v.nullable(
      v.strictObject({
        contextSize: Count,
        replyReserve: Count,
        fits: v.boolean(),
        promptTokens: Count,
        exact: v.boolean(),
        turnsInView: Count,
        turnsDropped: Count,
        replyTokens: Count,
      }),
    ),
  }),
  v.strictObject({ type: v.literal('failed'), id: Id, code: v.picklist(ERROR_CODES), message: v.string() }),
  v.strictObject({ type: v.literal('disposed'), id: Id }),
  /** llama.cpp's warnings and errors, for the host's log. */
  v.strictObject({ type: v.literal('log'), level: v.picklist(['error', 'warn']), message: v.string() }),
]);
export type WorkerMessage = v.InferOutput<typeof WorkerMessageSchema>;

/** Parses a host message, or says why it does not match the protocol. */
export function parseHostMessage(value: unknown): { message: HostMessage } | { problem: string } {
  const parsed = v.safeParse(HostMessageSchema, value);
  return parsed.success ? { message: parsed.output } : { problem: v.summarize(parsed.issues) };
}

/** Parses an engine message, or says why it does not match the protocol. */
export function parseWorkerMessage(value: unknown): { message: WorkerMessage } | { problem: string } {
  const parsed = v.safeParse(WorkerMessageSchema, value);
  return parsed.success ? { message: parsed.output } : { problem: v.summarize(parsed.issues) };
}
