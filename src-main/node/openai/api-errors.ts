import type http from 'node:http';
import type { ErrorBody } from './wire';

/** A failed request, answered in OpenAI's error shape with its HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** OpenAI's `type`: `invalid_request_error`, `authentication_error`, `server_error`… */
    readonly type: string,
    /** OpenAI's `code`, for programs to branch on (`invalid_api_key`, `model_not_loaded`…). */
    readonly code: string | null = null,
    readonly param: string | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  get body(): ErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/** Headers on every answer: JSON (or SSE) only, never cached, never sniffed. */
export const API_HEADERS = { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' } as const;

/** Answer `response` with `error` as JSON (when nothing has been sent yet). */
export function sendApiError(response: http.ServerResponse, error: ApiError, extraHeaders: Record<string, string> = {}): void {
  if (response.headersSent) return;
  response.writeHead(error.status, { ...API_HEADERS, ...extraHeaders, 'Content-Type': 'application/json' });
  response.end(JSON.stringify(error.body));
}
