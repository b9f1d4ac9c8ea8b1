import { randomBytes } from 'node:crypto';
import * as v from 'valibot';

/**
 * The OpenAI chat API on the wire, as far as Phi Desk speaks it — both ways: what the local API accepts and answers
 * (`local-api-server.ts`), and what the remote engine sends to and reads from an OpenAI-compatible server
 * (`engine/remote/`). Field names are the API's own (snake_case).
 *
 * Reading is lenient where servers differ (extra fields are ignored: llama-server, vLLM, Ollama and LM Studio each add
 * their own) and strict where a mistake would change the reply (a sampling value out of range is refused with a 400
 * naming it, never clamped silently — except `max_tokens`, see below).
 */

const finite = (min: number, max: number) => v.pipe(v.number(), v.finite(), v.minValue(min), v.maxValue(max));
const optionalNullable = <S extends v.GenericSchema>(schema: S) => v.optional(v.nullable(schema));

/** A part of a message's content; only text parts can be answered by a text model. */
const ContentPart = v.looseObject({ type: v.string(), text: v.optional(v.string()) });

/** A message's content: a string, or a list of parts (the newer form many clients send), all of them text. */
const Content = v.union([
  v.string(),
  v.pipe(
    v.array(ContentPart),
    v.check(
      (parts) => parts.every((part) => part.type === 'text' && typeof part.text === 'string'),
      'only text parts ({"type": "text", "text": "…"}) can be answered: the local model reads no images, audio or files',
    ),
  ),
]);

/**
 * One message of a request. `developer` is OpenAI's newer name for `system`. Tool and function messages are refused:
 * the local model calls no tools.
 */
const RequestMessage = v.looseObject({
  role: v.picklist(
    ['system', 'developer', 'user', 'assistant'],
    'role must be "system", "developer", "user" or "assistant" (the local model calls no tools)',
  ),
  content: optionalNullable(Content),
});

/** The body of `POST /v1/chat/completions`, as the local API accepts it. */
export const ChatCompletionRequestSchema = v.looseObject({
  /** Any name: the local API serves the one model loaded, whatever a client calls it. */
  model: v.optional(v.pipe(v.string(), v.maxLength(256))),
  messages: v.pipe(
    v.array(RequestMessage),
    v.minLength(1, 'messages must hold at least one message'),
    v.maxLength(10_000, 'at most 10,000 messages'),
    v.check((messages) => messages.some((message) => message.role === 'user'), 'messages must hold a "user" message'),
  ),
  stream: optionalNullable(v.boolean()),
  stream_options: optionalNullable(v.looseObject({ include_usage: optionalNullable(v.boolean()) })),
  temperature: optionalNullable(finite(0, 2)),
  top_p: optionalNullable(finite(0, 1)),
  /** Any positive count; more than the context window allows is capped by the engine (clients often send 4096). */
  max_tokens: optionalNullable(v.pipe(v.number(), v.integer(), v.minValue(1))),
  max_completion_tokens: optionalNullable(v.pipe(v.number(), v.integer(), v.minValue(1))),
  stop: optionalNullable(
    v.union([
      v.pipe(v.string(), v.minLength(1), v.maxLength(200)),
      v.pipe(v.array(v.pipe(v.string(), v.minLength(1), v.maxLength(200))), v.maxLength(4, 'at most 4 stop sequences')),
    ]),
  ),
  seed: optionalNullable(v.pipe(v.number(), v.integer(), v.minValue(Number.MIN_SAFE_INTEGER), v.maxValue(Number.MAX_SAFE_INTEGER))),
  n: optionalNullable(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1, 'only n = 1 is supported'))),
});
export type ChatCompletionRequest = v.InferOutput<typeof ChatCompletionRequestSchema>;

/** A message's text: the string, or its text parts joined. */
export function contentText(content: v.InferOutput<typeof Content> | null | undefined): string {
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  return content.map((part) => part.text ?? '').join('');
}

/** Token counts of a reply, as the API reports them. */
export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** `finish_reason`: the reply ended by itself or at a stop sequence (`stop`), or at `max_tokens` (`length`). */
export type FinishReason = 'stop' | 'length';

/** A chunk of a streamed reply (`data: {…}` of the SSE stream). */
export interface ChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: Array<{ index: 0; delta: { role?: 'assistant'; content?: string }; finish_reason: FinishReason | null }>;
  /** Only in the last chunk before `[DONE]`, when the request asked for it (`stream_options.include_usage`). */
  usage?: Usage | null;
}

/** A whole reply (`stream: false`). */
export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: Array<{ index: 0; message: { role: 'assistant'; content: string }; finish_reason: FinishReason }>;
  usage: Usage;
}

/** `GET /v1/models`. `context_length` is an extension (as OpenRouter and LM Studio spell it): the model's window. */
export interface ModelList {
  object: 'list';
  data: Array<{ id: string; object: 'model'; created: number; owned_by: string; context_length?: number }>;
}

/** The error body of every failed request, in OpenAI's shape. */
export interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** A fresh completion id, `chatcmpl-…`. */
export function completionId(): string {
  return `chatcmpl-${randomBytes(12).toString('base64url')}`;
}

// ---- reading a remote server's answers ----

const positiveInteger = v.pipe(v.number(), v.integer(), v.minValue(1));

/**
 * A model in a server's `GET /models`, with the context window under whichever name the server uses: vLLM's
 * `max_model_len`, OpenRouter's and LM Studio's `context_length` (and Phi Desk's own), Groq's `context_window`,
 * llama-server's `meta.n_ctx_train` (the trained window; the server may run a smaller one).
 */
const RemoteModelSchema = v.looseObject({
  id: v.pipe(v.string(), v.minLength(1)),
  max_model_len: v.optional(v.unknown()),
  context_length: v.optional(v.unknown()),
  context_window: v.optional(v.unknown()),
  meta: v.optional(v.unknown()),
});
export const ModelListSchema = v.looseObject({ data: v.array(RemoteModelSchema) });

/** The context window a model entry reports, or `null`. */
export function reportedContextLength(model: v.InferOutput<typeof RemoteModelSchema>): number | null {
  const meta = typeof model.meta === 'object' && model.meta !== null ? (model.meta as Record<string, unknown>) : {};
  for (const candidate of [model.max_model_len, model.context_length, model.context_window, meta.n_ctx, meta.n_ctx_train]) {
    if (v.is(positiveInteger, candidate)) return candidate;
  }
  return null;
}

const UsageSchema = v.looseObject({
  prompt_tokens: v.optional(v.number()),
  completion_tokens: v.optional(v.number()),
  prompt_tokens_details: optionalNullable(v.looseObject({ cached_tokens: optionalNullable(v.number()) })),
});
export type RemoteUsage = v.InferOutput<typeof UsageSchema>;

/** A chunk of a remote stream: only what the engine reads. */
export const ChunkSchema = v.looseObject({
  choices: optionalNullable(
    v.array(
      v.looseObject({
        delta: optionalNullable(v.looseObject({ content: optionalNullable(v.string()) })),
        finish_reason: optionalNullable(v.string()),
      }),
    ),
  ),
  usage: optionalNullable(UsageSchema),
  /** Sent by some servers (and the local API) in place of a chunk when generation fails mid-stream. */
  error: v.optional(v.unknown()),
});

/** A whole remote reply (`stream: false`, or a server that ignored `stream: true`). */
export const CompletionSchema = v.looseObject({
  choices: v.pipe(
    v.array(
      v.looseObject({
        message: v.looseObject({ content: optionalNullable(v.string()) }),
        finish_reason: optionalNullable(v.string()),
      }),
    ),
    v.minLength(1),
  ),
  usage: optionalNullable(UsageSchema),
});

/**
 * The message of an error body, whichever shape the server uses: OpenAI's `{error: {message}}`, Ollama's
 * `{error: "…"}`, FastAPI's `{detail: "…"}` (vLLM), or `{message: "…"}`; `null` when there is none.
 */
export function errorMessageOf(body: unknown): string | null {
  if (typeof body !== 'object' || body === null) return null;
  const record = body as Record<string, unknown>;
  const error = record.error;
  if (typeof error === 'string') return error;
  if (typeof error === 'object' && error !== null && typeof (error as Record<string, unknown>).message === 'string') {
    return (error as Record<string, string>).message ?? null;
  }
  if (typeof record.detail === 'string') return record.detail;
  if (typeof record.message === 'string') return record.message;
  return null;
}
