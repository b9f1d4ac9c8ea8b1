import type http from 'node:http';
import type { GenerationSettings as AppGeneration, ReplyStats } from '../../common/types';
import { CONTEXT_WINDOW_TOKENS } from '../../common/schemas';
import { EngineError, type ChatEngine, type ChatTurn, type GenerateRequest, type GenerationSettings } from '../engine/port';
import { StopTextFilter } from '../engine/stop-text-filter';
import { API_HEADERS, ApiError } from './api-errors';
import {
  completionId,
  contentText,
  type ChatCompletion,
  type ChatCompletionChunk,
  type ChatCompletionRequest,
  type FinishReason,
  type Usage,
} from './wire';

/** A chat completion answered in full: what the history keeps when the user asked for it. */
export interface ServedExchange {
  request: GenerateRequest;
  text: string;
  stats: ReplyStats;
  /** The model's name, as the answer gave it. */
  model: string;
}

export interface CompletionContext {
  /** The local engine's API lane. */
  engine: ChatEngine;
  /** The app's default sampling settings: they fill whatever the request leaves out. */
  defaults: AppGeneration;
  /** Aborted when the client goes away: generation stops at once. */
  signal: AbortSignal;
}

/**
 * The engine request for a chat completion: system (and developer) messages become the system prompt, the rest the
 * turns, written in Phi-2's format by the engine like any other reply. Messages without text are no turns. Sampling
 * fields the request leaves out take the app's defaults (Settings → New replies).
 */
export function toGenerateRequest(body: ChatCompletionRequest, defaults: AppGeneration): GenerateRequest {
  const system: string[] = [];
  const turns: ChatTurn[] = [];
  for (const message of body.messages) {
    const text = contentText(message.content);
    if (message.role === 'system' || message.role === 'developer') {
      if (text.trim()) system.push(text.trim());
    } else if (text.trim()) {
      turns.push({ role: message.role, content: text });
    }
  }
  const maxTokens = body.max_completion_tokens ?? body.max_tokens ?? defaults.maxTokens;
  const settings: GenerationSettings = {
    temperature: body.temperature ?? defaults.temperature,
    topP: body.top_p ?? defaults.topP,
    topK: defaults.topK,
    repeatPenalty: defaults.repeatPenalty,
    // The window caps any reply; a larger request (clients often send 4096) means "as long as it can be".
    maxTokens: Math.min(maxTokens, CONTEXT_WINDOW_TOKENS),
  };
  const seed = body.seed ?? defaults.seed;
  // llama.cpp takes a 32-bit unsigned seed; OpenAI's is any integer: the same integer always maps to the same seed.
  if (seed !== null && seed !== undefined) settings.seed = ((seed % 2 ** 32) + 2 ** 32) % 2 ** 32;
  const request: GenerateRequest = { turns, settings };
  if (system.length > 0) request.systemPrompt = system.join('\n\n');
  return request;
}

/**
 * Answers one `POST /v1/chat/completions` (its body already validated): streamed as server-sent events
 * (`data: {chunk}` … `data: [DONE]`) or whole as JSON. Nothing is sent before the prompt is known to fit, so a prompt
 * too long for the window is a plain 400; a failure after the stream began is sent as an `error` event and ends it.
 * `stop` sequences are cut from the text as they appear (held back while they might be starting) and end the reply.
 * Resolves with the exchange once answered, or `null` when the client went away first.
 * @throws ApiError for a failure before anything was sent (the caller answers it).
 */
export async function answerChatCompletion(
  body: ChatCompletionRequest,
  response: http.ServerResponse,
  context: CompletionContext,
): Promise<ServedExchange | null> {
  const { engine, signal } = context;
  const status = engine.status();
  if (status.state !== 'ready') {
    throw new ApiError(
      503,
      status.state === 'loading'
        ? 'The model is still loading; try again in a moment.'
        : 'No model is loaded in Phi Desk. Choose one in the app first.',
      'server_error',
      'model_not_loaded',
    );
  }
  const request = toGenerateRequest(body, context.defaults);
  const model = status.modelName ?? 'phi-2';
  const id = completionId();
  const created = Math.floor(Date.now() / 1000);
  const streaming = body.stream === true;
  const stops = body.stop === undefined || body.stop === null ? [] : typeof body.stop === 'string' ? [body.stop] : body.stop;
  const filter = stops.length > 0 ? new StopTextFilter(stops) : null;
  // Generation stops when the client goes away, or at a stop sequence of the request's.
  const controller = new AbortController();
  const onAbort = (): void => controller.abort();
  signal.addEventListener('abort', onAbort, { once: true });

  const chunk = (delta: ChatCompletionChunk['choices'][0]['delta'], finish: FinishReason | null): ChatCompletionChunk => ({
    id,
    object: 'chat.completion.chunk',
    created,
    model,
    choices: [{ index: 0, delta, finish_reason: finish }],
  });
  const send = (data: unknown): void => {
    if (!response.writableEnded && !response.destroyed) response.write(`data: ${JSON.stringify(data)}\n\n`);
  };
  const startStream = (): void => {
    if (!streaming || response.headersSent) return;
    response.writeHead(200, { ...API_HEADERS, 'Content-Type': 'text/event-stream; charset=utf-8', Connection: 'keep-alive' });
    send(chunk({ role: 'assistant', content: '' }, null));
  };
  let text = '';
  const emit = (piece: string): void => {
    if (!piece) return;
    text += piece;
    if (streaming) {
      startStream();
      send(chunk({ content: piece }, null));
    }
  };

  try {
    const result = await engine.generate(request, {
      signal: controller.signal,
      onContext: startStream,
      onText: (delta) => {
        if (!filter) return emit(delta);
        emit(filter.push(delta));
        if (filter.stopped) controller.abort();
      },
    });
    if (signal.aborted) return null;
    if (filter) emit(filter.flush());
    const finish: FinishReason = result.stopReason === 'maxTokens' && !filter?.stopped ? 'length' : 'stop';
    const usage: Usage = {
      prompt_tokens: result.stats.promptTokens,
      completion_tokens: result.stats.generatedTokens,
      total_tokens: result.stats.promptTokens + result.stats.generatedTokens,
    };
    if (streaming) {
      startStream();
      send(chunk({}, finish));
      if (body.stream_options?.include_usage) send({ ...chunk({}, null), choices: [], usage });
      response.end('data: [DONE]\n\n');
    } else {
      const completion: ChatCompletion = {
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: finish }],
        usage,
      };
      response.writeHead(200, { ...API_HEADERS, 'Content-Type': 'application/json' });
      response.end(JSON.stringify(completion));
    }
    const stopReason = filter?.stopped ? 'stopText' : result.stopReason;
    return { request, text, stats: { ...result.stats, stopReason, model }, model };
  } catch (error) {
    const failure = toApiError(error);
    if (!response.headersSent) throw failure;
    // The stream has begun: say why it ends, in the shape OpenAI's clients read from a stream, and end it.
    send(failure.body);
    response.end();
    throw failure;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** An engine failure as the API's error: a prompt too long is the client's (400); anything else is the server's. */
function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof EngineError) {
    if (error.code === 'CONTEXT_OVERFLOW') return new ApiError(400, error.message, 'invalid_request_error', 'context_length_exceeded', 'messages');
    if (error.code === 'NO_MODEL') return new ApiError(503, error.message, 'server_error', 'model_not_loaded');
    return new ApiError(500, error.message, 'server_error', 'generation_failed');
  }
  return new ApiError(500, `Internal error: ${error instanceof Error ? error.message : String(error)}`, 'server_error', 'internal_error');
}
