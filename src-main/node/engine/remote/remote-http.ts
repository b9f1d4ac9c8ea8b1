import type { RemoteProbeResult } from '../../../common/types';
import { errorMessageOf } from '../../openai/wire';
import { EngineError } from '../port';

/** Why a remote server could not answer, for the window to say and tests to check. */
export type RemoteFailureReason = Extract<RemoteProbeResult, { ok: false }>['reason'];

/**
 * A remote server's failure, in words that name the server and say what to do. An `EngineError` (`GENERATION_FAILED`),
 * so the chat service ends the reply as `error` with this message and keeps the text streamed so far.
 */
export class RemoteFailure extends EngineError {
  constructor(
    readonly reason: RemoteFailureReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('GENERATION_FAILED', message, options);
    this.name = 'RemoteFailure';
  }
}

/** How long to wait for a remote server, in ms. */
export interface RemoteTimeouts {
  /** From sending the request to the answer's headers (a server may first load the model: Ollama takes a while). */
  responseMs: number;
  /** The longest silence while a reply streams (or its body arrives) before it counts as stalled. */
  idleMs: number;
}

/** Generous for a big model on a busy server, but never a hang. */
export const DEFAULT_REMOTE_TIMEOUTS: RemoteTimeouts = { responseMs: 120_000, idleMs: 60_000 };
/** "Test connection" is a small request: a server that takes longer than this is not one to chat with. */
export const PROBE_TIMEOUT_MS = 15_000;

/** Where and as whom to call a server. */
export interface RemoteTarget {
  /** The user's name for the server, used in messages. */
  name: string;
  /** The API's base URL, ending in `/v1`. */
  baseUrl: string;
  apiKey: string | null;
}

/**
 * `fetch` of `<baseUrl><path>` with the key as a bearer token, bounded by `timeoutMs` until the answer's headers
 * arrive. A failed answer (not 2xx) becomes a {@link RemoteFailure} naming its status in words, with the server's
 * own message when it gave one. Aborting `signal` rejects with its reason (an `AbortError`), not a failure.
 */
export async function remoteFetch(
  target: RemoteTarget,
  path: string,
  init: { method: 'GET' | 'POST'; body?: unknown; signal?: AbortSignal; timeoutMs: number },
): Promise<Response> {
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), init.timeoutMs);
  const signal = init.signal ? AbortSignal.any([init.signal, timeout.signal]) : timeout.signal;
  const headers: Record<string, string> = { Accept: 'application/json, text/event-stream' };
  if (target.apiKey) headers.Authorization = `Bearer ${target.apiKey}`;
  if (init.body !== undefined) headers['Content-Type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(`${target.baseUrl}${path}`, {
      method: init.method,
      headers,
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      signal,
      redirect: 'error', // a redirect could take the key to another host
    });
  } catch (error) {
    if (init.signal?.aborted) throw init.signal.reason;
    if (timeout.signal.aborted) {
      throw new RemoteFailure('TIMEOUT', `${target.name} did not answer within ${seconds(init.timeoutMs)}. Is the server overloaded, or still loading the model?`);
    }
    throw unreachable(target, error);
  } finally {
    clearTimeout(timer);
  }
  if (!response.ok) throw await failedAnswer(target, response);
  return response;
}

/** A server that could not be reached at all, with the system's reason (refused, no such host, TLS…). */
function unreachable(target: RemoteTarget, error: unknown): RemoteFailure {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const why =
    cause?.code === 'ECONNREFUSED'
      ? 'nothing is listening at that address (is the server running?)'
      : cause?.code === 'ENOTFOUND' || cause?.code === 'EAI_AGAIN'
        ? 'the host name is not known'
        : (cause?.message ?? (error instanceof Error ? error.message : String(error)));
  return new RemoteFailure('UNREACHABLE', `Could not reach ${target.name} at ${target.baseUrl}: ${why}.`, { cause: error });
}

/** A non-2xx answer in words, by status. */
async function failedAnswer(target: RemoteTarget, response: Response): Promise<RemoteFailure> {
  const text = await readBounded(response, 64 * 1024).catch(() => '');
  let detail: string | null = null;
  try {
    detail = errorMessageOf(JSON.parse(text));
  } catch {
    detail = text.trim() ? text.trim().slice(0, 300) : null;
  }
  const said = detail ? ` It said: “${detail.slice(0, 500)}”` : '';
  const status = `${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
  const { name } = target;
  if (response.status === 401 || response.status === 403) {
    return new RemoteFailure('UNAUTHORIZED', `${name} refused the API key (${status}). Check the key in Settings → Models.${said}`);
  }
  if (response.status === 404) {
    return new RemoteFailure(
      'NOT_FOUND',
      `${name} answered ${status}: the model is not there, or the address is not an OpenAI-compatible API (it must end in /v1).${said}`,
    );
  }
  if (response.status === 429) {
    const retry = response.headers.get('retry-after');
    return new RemoteFailure(
      'RATE_LIMITED',
      `${name} is busy or over its rate limit (${status}); try again ${retry ? `in ${retry} s` : 'in a moment'}.${said}`,
    );
  }
  if (response.status >= 500) {
    return new RemoteFailure('SERVER_ERROR', `${name} failed with a server error (${status}).${said}`);
  }
  return new RemoteFailure('REFUSED', `${name} refused the request (${status}).${said}`);
}

/**
 * A response body as text, at most `limit` bytes (the rest is not read) — a server's error page or model list can
 * never fill the memory. Stops after `idleMs` without data when given.
 */
export async function readBounded(response: Response, limit: number, idleMs?: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await readWithin(reader, idleMs);
      if (done) break;
      size += value.byteLength;
      if (size > limit) break;
      chunks.push(value);
    }
  } finally {
    void reader.cancel().catch(() => undefined);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}

/** One read of a response body. */
export type ReadResult = Awaited<ReturnType<ReadableStreamDefaultReader<Uint8Array>['read']>>;

/** Raised by {@link readWithin} when nothing arrived in time. */
export class StalledRead extends Error {}

/** One read of a body, failing with {@link StalledRead} after `idleMs` without data (no limit when omitted). */
export async function readWithin(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  idleMs: number | undefined,
): Promise<ReadResult> {
  if (idleMs === undefined) return reader.read();
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      reader.read(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new StalledRead()), idleMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** `12 s`, `1.5 s`, `200 ms`. */
export function seconds(ms: number): string {
  return ms >= 1000 ? `${Number((ms / 1000).toFixed(1))} s` : `${ms} ms`;
}
