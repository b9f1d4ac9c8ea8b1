import { timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as v from 'valibot';
import { describeIssues } from '../../common/issues';
import { CONTEXT_WINDOW_TOKENS, MAX_MESSAGE_LENGTH } from '../../common/schemas';
import type { GenerationSettings } from '../../common/types';
import type { ChatEngine } from '../engine/port';
import { API_HEADERS, ApiError, sendApiError } from './api-errors';
import { answerChatCompletion, type ServedExchange } from './chat-completions';
import { ChatCompletionRequestSchema, type ModelList } from './wire';

/** Loopback only: the local API is never reachable from another machine. */
export const LOCAL_API_ADDRESS = '127.0.0.1';

/**
 * The largest request body read: the longest message the app accepts, JSON-escaped at worst (6 bytes per UTF-16
 * unit), plus room for the rest of a conversation. A larger body is answered 413 without being read.
 */
export const MAX_API_BODY_BYTES = MAX_MESSAGE_LENGTH * 6 + 1024 * 1024;

export interface LocalApiServerOptions {
  /** The local engine's API lane (requests wait behind the user's own replies). */
  engine: ChatEngine;
  /** Port on 127.0.0.1; 0 picks a free one (tests). */
  port: number;
  /** The bearer key requests must carry, read at each request (a regenerated key applies at once). */
  key: () => string;
  /** The app's default sampling settings, read at each request. */
  defaults: () => GenerationSettings;
  /** The largest body read, in bytes; {@link MAX_API_BODY_BYTES} by default. */
  maxBodyBytes?: number;
  /** Told of every chat completion answered in full. */
  onServed?: (exchange: ServedExchange) => void;
  /** Told of every request refused or failed, with the status and the message sent. */
  onFailed?: (status: number, message: string) => void;
}

export interface LocalApiServer {
  readonly port: number;
  /** The base URL to give clients: `http://127.0.0.1:<port>/v1`. */
  readonly url: string;
  /** Stop listening and end every connection (a reply being written is aborted). */
  close(): Promise<void>;
}

/** Why the local API could not start, in words for the Settings dialog. */
export class LocalApiListenError extends Error {
  constructor(
    readonly code: 'PORT_IN_USE' | 'LISTEN_FAILED',
    message: string,
  ) {
    super(message);
    this.name = 'LocalApiListenError';
  }
}

/**
 * The OpenAI-compatible local API: `GET /v1/models` and `POST /v1/chat/completions` on 127.0.0.1, answered by the
 * local model. Every request must name this server in its Host header (a DNS-rebinding defence, as for the browser
 * host) and carry `Authorization: Bearer <key>`; no CORS headers are sent, so web pages in a browser cannot call it.
 * Bodies are checked against {@link ChatCompletionRequestSchema} (400 naming each problem), bounded in size (413),
 * and a client that disconnects stops its reply at once.
 */
export async function startLocalApiServer(options: LocalApiServerOptions): Promise<LocalApiServer> {
  const maxBodyBytes = options.maxBodyBytes ?? MAX_API_BODY_BYTES;
  let port = 0;
  const allowedHosts = (): Set<string> => new Set([`${LOCAL_API_ADDRESS}:${port}`, `localhost:${port}`]);
  const keyMatches = (header: string | undefined): boolean => {
    const match = /^Bearer +(.+)$/i.exec(header ?? '');
    const expected = Buffer.from(options.key());
    const given = Buffer.from(match?.[1]?.trim() ?? '');
    return expected.length > 0 && given.length === expected.length && timingSafeEqual(given, expected);
  };

  const fail = (response: http.ServerResponse, error: ApiError, headers: Record<string, string> = {}): void => {
    options.onFailed?.(error.status, error.message);
    sendApiError(response, error, headers);
  };

  const handle = async (request: http.IncomingMessage, response: http.ServerResponse): Promise<void> => {
    if (!allowedHosts().has(request.headers.host ?? '')) {
      return fail(response, new ApiError(421, 'Wrong Host header: use http://127.0.0.1 or http://localhost.', 'invalid_request_error', 'wrong_host'));
    }
    const path = new URL(request.url ?? '/', `http://${LOCAL_API_ADDRESS}`).pathname.replace(/\/+$/, '');
    const route = ROUTES[path];
    if (!route) {
      return fail(response, new ApiError(404, `There is no ${path || '/'} here: the local API serves /v1/models and /v1/chat/completions.`, 'invalid_request_error', 'not_found'));
    }
    if (request.method !== route) {
      return fail(response, new ApiError(405, `Use ${route} for ${path}.`, 'invalid_request_error', 'method_not_allowed'), { Allow: route });
    }
    if (!keyMatches(request.headers.authorization)) {
      return fail(
        response,
        new ApiError(401, 'Missing or wrong API key: send "Authorization: Bearer <key>" with the key shown in Phi Desk → Settings → Local API.', 'invalid_request_error', 'invalid_api_key'),
        { 'WWW-Authenticate': 'Bearer' },
      );
    }
    if (path === '/v1/models') return listModels(response);

    const body = await readJsonBody(request, maxBodyBytes);
    const parsed = v.safeParse(ChatCompletionRequestSchema, body);
    if (!parsed.success) {
      const issues = describeIssues(parsed.issues);
      throw new ApiError(400, `Invalid request: ${issues.join('; ')}`, 'invalid_request_error', 'invalid_request', v.getDotPath(parsed.issues[0]) ?? null);
    }
    const client = new AbortController();
    response.on('close', () => {
      if (!response.writableFinished) client.abort();
    });
    const served = await answerChatCompletion(parsed.output, response, {
      engine: options.engine,
      defaults: options.defaults(),
      signal: client.signal,
    });
    if (served) options.onServed?.(served);
  };

  const listModels = (response: http.ServerResponse): void => {
    const status = options.engine.status();
    const list: ModelList = { object: 'list', data: [] };
    if (status.state === 'ready' && status.modelName) {
      list.data.push({
        id: status.modelName,
        object: 'model',
        created: 0,
        owned_by: 'phi-desk',
        context_length: status.contextSize ?? CONTEXT_WINDOW_TOKENS,
      });
    }
    response.writeHead(200, { ...API_HEADERS, 'Content-Type': 'application/json' });
    response.end(JSON.stringify(list));
  };

  const server = http.createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      const failure =
        error instanceof ApiError
          ? error
          : new ApiError(500, `Internal error: ${error instanceof Error ? error.message : String(error)}`, 'server_error');
      if (response.headersSent) {
        options.onFailed?.(failure.status, failure.message); // told to the client in the stream already
        return;
      }
      // A body too large is not read to its end: the connection closes after the answer.
      fail(response, failure, failure.status === 413 ? { Connection: 'close' } : {});
    });
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      reject(
        error.code === 'EADDRINUSE'
          ? new LocalApiListenError(
              'PORT_IN_USE',
              `Port ${options.port} on ${LOCAL_API_ADDRESS} is already in use by another program. Choose another port for the local API.`,
            )
          : new LocalApiListenError('LISTEN_FAILED', `Could not listen on ${LOCAL_API_ADDRESS}:${options.port}: ${error.message}`),
      );
    };
    server.once('error', onError);
    server.listen(options.port, LOCAL_API_ADDRESS, () => {
      server.off('error', onError);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;

  let closing: Promise<void> | undefined;
  return {
    port,
    url: `http://${LOCAL_API_ADDRESS}:${port}/v1`,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/** Each path and the one method it answers. */
const ROUTES: Record<string, 'GET' | 'POST'> = { '/v1/models': 'GET', '/v1/chat/completions': 'POST' };

/**
 * The request's body parsed as JSON, read up to `limit` bytes.
 * @throws ApiError 413 past the limit (by its Content-Length, or as it arrives), 400 when it is not JSON.
 */
async function readJsonBody(request: http.IncomingMessage, limit: number): Promise<unknown> {
  const tooLarge = (): ApiError =>
    new ApiError(
      413,
      `The request body is larger than the ${(limit / 1e6).toFixed(1)} MB the local API reads: a message may have at most ${MAX_MESSAGE_LENGTH.toLocaleString('en-US')} characters.`,
      'invalid_request_error',
      'request_too_large',
    );
  const declared = Number(request.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge();
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ApiError(400, `The request body is not valid JSON: ${(error as Error).message}`, 'invalid_request_error', 'invalid_json');
  }
}
