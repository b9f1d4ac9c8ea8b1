/**
 * The remote engine: a conversation answered by an OpenAI-compatible server the user added (llama.cpp's
 * `llama-server`, vLLM, Ollama, LM Studio…) behind the same `ChatEngine` port as the local model.
 *
 * Client choice — `fetch` and `eventsource-parser`, not the official `openai` package. The engine needs control the
 * SDK keeps to itself: a stall timeout between chunks (the SDK has one timeout for the whole request, which a long
 * reply must be allowed to exceed, so a server that stops mid-reply would hang until it), the fallback to a whole JSON
 * reply when a server ignores `stream: true` (the SDK would read such a body as an empty stream), error messages
 * worded per status for this app's user, no retries of its own (a retried reply would repeat text already shown),
 * and no redirects (an API key must not follow one to another host). What is left is small: the request is one
 * `fetch` (built into Node and Electron), and the one part worth a library, parsing the SSE stream, is
 * `eventsource-parser` (maintained, no dependencies, ~3 kB). The official client is used by the tests instead, to
 * check the local API against what real programs send.
 */
import type { EngineStatus, GenerationSettings as AppGeneration, RemoteServer, StopReason } from '../../../common/types';
import { PHI2_GENERATION_DEFAULTS } from '../../../common/schemas';
import { fitContextWindow, measureContextWindow, toPromptMeasure, type ContextWindowInput, type ContextWindowOptions } from '../context-window';
import {
  EngineError,
  prefillSkipped,
  type ChatEngine,
  type GenerateOptions,
  type GenerateRequest,
  type GenerateResult,
  type PrefillResult,
  type PromptMeasure,
} from '../port';
import { StatsClock, TextSink } from '../reply-stats';
import { remoteChat, type RemoteChatBody } from './remote-chat';
import { DEFAULT_REMOTE_TIMEOUTS, type RemoteTarget, type RemoteTimeouts } from './remote-http';

export interface RemoteEngineOptions {
  /** The API key, read at each request (it can change in Settings); `null` for none. */
  apiKey: () => string | null;
  timeouts?: RemoteTimeouts;
}

/**
 * Characters per token assumed when counting a prompt for a remote model, whose tokenizer is not here. English prose
 * runs about 4 characters a token and code about 3; 3 over-counts a little, so the window is never overfilled (the
 * server would refuse the request), at the price of dropping old messages a little early. Each message costs a few
 * tokens more for its role markers.
 */
const CHARS_PER_TOKEN = 3;
const TOKENS_PER_MESSAGE = 4;

/** A prompt's estimated token count: what the remote engine fits the window with. */
export function estimateTokens(input: ContextWindowInput): number {
  let tokens = TOKENS_PER_MESSAGE; // the reply's own opening
  const count = (text: string): number => Math.ceil(text.length / CHARS_PER_TOKEN) + TOKENS_PER_MESSAGE;
  if (input.systemPrompt?.trim()) tokens += count(input.systemPrompt.trim());
  for (const turn of input.turns) tokens += count(turn.content.trim());
  return tokens;
}

export class RemoteEngine implements ChatEngine {
  readonly #server: RemoteServer;
  readonly #options: RemoteEngineOptions;

  constructor(server: RemoteServer, options: RemoteEngineOptions) {
    this.#server = server;
    this.#options = options;
  }

  /** The server this engine calls (as it was when the engine was made: a changed server gets a new engine). */
  get server(): RemoteServer {
    return this.#server;
  }

  /**
   * Always `ready`: whether the server answers is found out by asking it (and said then, in words). The model's name
   * says where it runs, e.g. `llama3.1:8b · Lab GPU`.
   */
  status(): EngineStatus {
    return {
      state: 'ready',
      modelPath: null,
      modelName: `${this.#server.model} · ${this.#server.name}`,
      loadProgress: null,
      contextSize: this.#server.contextLength,
      error: null,
    };
  }

  onStatus(): () => void {
    return () => undefined; // it never changes: a changed server is a new engine
  }

  load(): Promise<void> {
    return Promise.reject(new EngineError('MODEL_LOAD_FAILED', 'A remote server’s model is chosen in Settings → Models, not loaded here.'));
  }

  async generate(request: GenerateRequest, options: GenerateOptions = {}): Promise<GenerateResult> {
    const requestedAt = performance.now();
    const settings = this.#settings(request);
    const fitted = fitContextWindow(request, this.#fitOptions(settings.maxTokens));
    options.onContext?.(fitted.info);
    const input = fitted.text;
    const messages: RemoteChatBody['messages'] = [];
    if (input.systemPrompt?.trim()) messages.push({ role: 'system', content: input.systemPrompt.trim() });
    for (const turn of input.turns) messages.push({ role: turn.role, content: turn.content });
    const room = this.#server.contextLength - fitted.info.promptTokens;
    const body: RemoteChatBody = {
      model: this.#server.model,
      messages,
      temperature: settings.temperature,
      top_p: settings.topP,
      max_tokens: Math.max(1, Math.min(settings.maxTokens, room)),
    };
    if (settings.seed !== null) body.seed = settings.seed;

    const signal = options.signal ?? new AbortController().signal;
    const sink = new TextSink(options.onText);
    const clock = new StatsClock(requestedAt, fitted.info.promptTokens);
    const target: RemoteTarget = { name: this.#server.name, baseUrl: this.#server.baseUrl, apiKey: this.#options.apiKey() };
    const outcome = await remoteChat(target, body, {
      signal,
      timeouts: this.#options.timeouts ?? DEFAULT_REMOTE_TIMEOUTS,
      onPiece: (text) => {
        clock.tokenArrived();
        sink.append(text);
      },
    });
    const stopReason: StopReason = signal.aborted ? 'aborted' : outcome.finishReason === 'length' ? 'maxTokens' : 'eos';
    const stats = clock.finish(outcome.usage?.completion_tokens ?? outcome.pieces, stopReason);
    // The server's own counts when it gave them: they are exact, the window's estimate is not.
    if (outcome.usage?.prompt_tokens !== undefined) {
      stats.promptTokens = outcome.usage.prompt_tokens;
      stats.evaluatedPromptTokens = outcome.usage.prompt_tokens - (outcome.usage.prompt_tokens_details?.cached_tokens ?? 0);
    }
    return { text: sink.value, stopReason, stats, context: fitted.info };
  }

  prefill(): Promise<PrefillResult> {
    return Promise.resolve(prefillSkipped()); // the server keeps its own cache, if any
  }

  /** The prompt's size estimated (`estimated: true`), fitted into the server's window as `generate` fits it. */
  measure(request: GenerateRequest): Promise<PromptMeasure | null> {
    const { maxTokens } = this.#settings(request);
    const options = this.#fitOptions(maxTokens);
    const measured = measureContextWindow(request, options);
    const window = { contextSize: this.#server.contextLength, replyReserve: options.replyReserve, maxTokens };
    return Promise.resolve({ ...toPromptMeasure(measured, window), estimated: true });
  }

  dispose(): Promise<void> {
    return Promise.resolve();
  }

  #settings(request: GenerateRequest): AppGeneration {
    const given = request.settings ?? {};
    const defined = Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined));
    return { ...PHI2_GENERATION_DEFAULTS, ...defined } as AppGeneration;
  }

  /**
   * Window fitting with estimated counts. The reply's room is its `maxTokens` (a server such as vLLM refuses a
   * request whose prompt and `max_tokens` exceed the window), but at most half the window, so a small window still
   * takes a conversation.
   */
  #fitOptions(maxTokens: number): ContextWindowOptions<number, ContextWindowInput> {
    const contextSize = this.#server.contextLength;
    return {
      contextSize,
      replyReserve: Math.max(1, Math.min(maxTokens, Math.floor(contextSize / 2))),
      format: (input) => input,
      // Only the count matters: the "tokens" are placeholders (never more than the window's worth are made).
      tokenize: (input) => new Array<number>(estimateTokens(input)).fill(0),
      minTokens: estimateTokens,
    };
  }
}
