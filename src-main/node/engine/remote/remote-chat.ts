import { createParser, type EventSourceMessage } from 'eventsource-parser';
import * as v from 'valibot';
import { ChunkSchema, CompletionSchema, errorMessageOf, type RemoteUsage } from '../../openai/wire';
import {
  readBounded,
  readWithin,
  remoteFetch,
  type ReadResult,
  RemoteFailure,
  seconds,
  StalledRead,
  type RemoteTarget,
  type RemoteTimeouts,
} from './remote-http';

/** The body of one chat completion request (OpenAI's standard fields only: any compatible server takes them). */
export interface RemoteChatBody {
  model: string;
  messages: Array<{ role: 'system' | 'user' | 'assistant'; content: string }>;
  temperature: number;
  top_p: number;
  max_tokens: number;
  seed?: number;
}

/** How a remote reply ended. */
export interface RemoteChatOutcome {
  /** The server's `finish_reason` (`stop`, `length`…), `null` when it gave none or the reply was aborted. */
  finishReason: string | null;
  /** Token counts, when the server reported them. */
  usage: RemoteUsage | null;
  /** Pieces of text received (a stand-in for generated tokens when the server reports no usage). */
  pieces: number;
  /** False when the server answered with a whole reply instead of a stream (it does not stream). */
  streamed: boolean;
}

/** The most one SSE event may hold before the stream counts as malformed (a reply chunk is a few hundred bytes). */
const MAX_EVENT_BYTES = 1024 * 1024;
/** The most a whole (non-streamed) reply may be. */
const MAX_COMPLETION_BYTES = 16 * 1024 * 1024;

/**
 * One chat completion from an OpenAI-compatible server, streamed: `POST <baseUrl>/chat/completions` with
 * `stream: true` (and `stream_options.include_usage`, for token counts), read as server-sent events with
 * `eventsource-parser`, each `choices[0].delta.content` passed to `onPiece` as it arrives. A server that answers with
 * a whole JSON reply instead (it does not stream) is read as one: the text arrives in one piece.
 *
 * Never hangs: the answer's headers must come within `timeouts.responseMs`, and then data at least every
 * `timeouts.idleMs`. Every failure is a {@link RemoteFailure} in words: unreachable, timeout, key refused, not found,
 * rate limited, server error, a malformed chunk or an `error` event, a stream cut before its end. Aborting `signal`
 * ends the request (the HTTP connection is closed) and resolves with what came so far.
 */
export async function remoteChat(
  target: RemoteTarget,
  body: RemoteChatBody,
  options: { signal: AbortSignal; timeouts: RemoteTimeouts; onPiece: (text: string) => void },
): Promise<RemoteChatOutcome> {
  const { signal, timeouts } = options;
  const outcome: RemoteChatOutcome = { finishReason: null, usage: null, pieces: 0, streamed: true };
  let response: Response;
  try {
    response = await remoteFetch(target, '/chat/completions', {
      method: 'POST',
      body: { ...body, stream: true, stream_options: { include_usage: true } },
      signal,
      timeoutMs: timeouts.responseMs,
    });
  } catch (error) {
    if (signal.aborted) return outcome;
    throw error;
  }
  const type = response.headers.get('content-type') ?? '';
  try {
    if (!/^text\/event-stream/i.test(type)) {
      outcome.streamed = false;
      await readWhole(target, response, timeouts, outcome, options.onPiece);
    } else {
      await readStream(target, response, signal, timeouts, outcome, options.onPiece);
    }
  } catch (error) {
    if (signal.aborted) return outcome;
    throw error;
  }
  return outcome;
}

async function readStream(
  target: RemoteTarget,
  response: Response,
  signal: AbortSignal,
  timeouts: RemoteTimeouts,
  outcome: RemoteChatOutcome,
  onPiece: (text: string) => void,
): Promise<void> {
  if (!response.body) throw malformed(target, 'the answer has no body');
  const reader = response.body.getReader();
  const onAbort = (): void => void reader.cancel().catch(() => undefined);
  signal.addEventListener('abort', onAbort, { once: true });
  let done = false;
  let failure: RemoteFailure | null = null;
  const parser = createParser({
    maxBufferSize: MAX_EVENT_BYTES,
    onError: (error) => (failure ??= malformed(target, error.message)),
    onEvent: (event: EventSourceMessage) => {
      if (done || failure) return;
      if (event.data.trim() === '[DONE]') {
        done = true;
        return;
      }
      let data: unknown;
      try {
        data = JSON.parse(event.data);
      } catch {
        failure = malformed(target, `a chunk is not JSON: ${JSON.stringify(event.data.slice(0, 80))}`);
        return;
      }
      const chunk = v.safeParse(ChunkSchema, data);
      if (!chunk.success) {
        failure = malformed(target, `a chunk is not a chat completion chunk: ${JSON.stringify(event.data.slice(0, 80))}`);
        return;
      }
      if (chunk.output.error !== undefined) {
        const message = errorMessageOf(chunk.output) ?? JSON.stringify(chunk.output.error).slice(0, 300);
        failure = new RemoteFailure('SERVER_ERROR', `${target.name} stopped the reply with an error: “${message}”`);
        return;
      }
      if (chunk.output.usage) outcome.usage = chunk.output.usage;
      const choice = chunk.output.choices?.[0];
      if (!choice) return;
      if (choice.finish_reason) outcome.finishReason = choice.finish_reason;
      const text = choice.delta?.content;
      if (text) {
        outcome.pieces += 1;
        onPiece(text);
      }
    },
  });
  const decoder = new TextDecoder();
  try {
    while (!done && !failure && !signal.aborted) {
      let read: ReadResult;
      try {
        read = await readWithin(reader, timeouts.idleMs);
      } catch (error) {
        if (signal.aborted) return;
        if (error instanceof StalledRead) {
          throw new RemoteFailure(
            'TIMEOUT',
            `${target.name} stopped sending in the middle of the reply (nothing for ${seconds(timeouts.idleMs)}); the text so far is kept.`,
          );
        }
        throw new RemoteFailure('UNREACHABLE', `The connection to ${target.name} broke in the middle of the reply: ${(error as Error).message}`, {
          cause: error,
        });
      }
      if (read.done) break;
      parser.feed(decoder.decode(read.value, { stream: true }));
    }
    if (failure) throw failure;
    // A stream may end without `[DONE]` once the reply said it finished; ending before that is a cut connection.
    if (!done && !signal.aborted && outcome.finishReason === null) {
      throw new RemoteFailure('BAD_RESPONSE', `The stream from ${target.name} ended before the reply was complete; the text so far is kept.`);
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    void reader.cancel().catch(() => undefined);
  }
}

/** A server that ignored `stream: true`: its whole reply, as one piece. */
async function readWhole(
  target: RemoteTarget,
  response: Response,
  timeouts: RemoteTimeouts,
  outcome: RemoteChatOutcome,
  onPiece: (text: string) => void,
): Promise<void> {
  let text: string;
  try {
    text = await readBounded(response, MAX_COMPLETION_BYTES, timeouts.idleMs);
  } catch (error) {
    if (error instanceof StalledRead) {
      throw new RemoteFailure('TIMEOUT', `${target.name} stopped sending its reply (nothing for ${seconds(timeouts.idleMs)}).`);
    }
    throw error;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw malformed(target, `its answer is neither a stream nor JSON: ${JSON.stringify(text.slice(0, 80))}`);
  }
  const completion = v.safeParse(CompletionSchema, data);
  if (!completion.success) throw malformed(target, 'its answer is not a chat completion');
  const choice = completion.output.choices[0];
  outcome.finishReason = choice?.finish_reason ?? 'stop';
  outcome.usage = completion.output.usage ?? null;
  const content = choice?.message.content ?? '';
  if (content) {
    outcome.pieces = 1;
    onPiece(content);
  }
}

function malformed(target: RemoteTarget, what: string): RemoteFailure {
  return new RemoteFailure('BAD_RESPONSE', `${target.name} sent a malformed answer (${what}); the text so far is kept.`);
}
