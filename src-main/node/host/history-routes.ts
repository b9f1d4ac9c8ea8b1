import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type http from 'node:http';
import type { TransferArea } from '../history/transfers';
import { UploadTooLarge } from '../history/transfers';

/** Where the browser host serves history files. */
export const DOWNLOAD_PATH = '/history/download/';
export const UPLOAD_PATH = '/history/upload';

export interface HistoryRouteContext {
  transfers: TransferArea;
  /** The per-launch token, compared in constant time. */
  tokenMatches(candidate: string | null): boolean;
  /** The page's own origins (`http://127.0.0.1:<port>`, `http://localhost:<port>`). */
  allowedOrigins(): Set<string>;
  /** Headers every answer carries (CSP, nosniff, no-referrer, no-store…). */
  securityHeaders: Record<string, string>;
}

/**
 * The browser host's two HTTP routes for history files, both behind the launch token (as the WebSocket is) and the
 * Host check done before them:
 * - `GET /history/download/<id>?token=…`: an export staged by `history.export` with `download: true`, streamed once
 *   from disk as an attachment (a real browser download, with the browser's own progress), then deleted. A request
 *   another site's page makes (`Sec-Fetch-Site: cross-site`/`same-site`) is refused even with the token.
 * - `POST /history/upload?token=…&name=…`: a file to import, streamed to the staging folder (never held in memory),
 *   at most `transfers.maxUploadBytes`; only from the page's own origin (`Origin` checked, as for the WebSocket).
 *   Answers `{ id, bytes, name }` for `history.import`'s `uploads`.
 * Returns false for any other path.
 */
export function serveHistoryRoute(request: http.IncomingMessage, response: http.ServerResponse, url: URL, context: HistoryRouteContext): boolean {
  if (url.pathname.startsWith(DOWNLOAD_PATH)) {
    void download(request, response, url, context);
    return true;
  }
  if (url.pathname === UPLOAD_PATH) {
    void upload(request, response, url, context);
    return true;
  }
  return false;
}

async function download(request: http.IncomingMessage, response: http.ServerResponse, url: URL, context: HistoryRouteContext): Promise<void> {
  if (request.method !== 'GET') return answer(response, context, 405, 'Method not allowed.');
  if (!context.tokenMatches(url.searchParams.get('token'))) return answer(response, context, 401, 'Unauthorized.');
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return answer(response, context, 403, 'Forbidden.');
  const file = context.transfers.takeDownload(url.pathname.slice(DOWNLOAD_PATH.length));
  if (!file) return answer(response, context, 404, 'This download is gone: each export downloads once. Export again.');
  const release = (): void => void context.transfers.release(file);
  try {
    const info = await stat(file.path);
    response.writeHead(200, {
      ...context.securityHeaders,
      'Content-Type': file.mediaType,
      'Content-Length': info.size,
      'Content-Disposition': attachment(file.name),
    });
    const stream = createReadStream(file.path);
    stream.on('error', () => response.destroy());
    response.on('close', release);
    stream.pipe(response);
  } catch {
    release();
    answer(response, context, 404, 'This download is gone. Export again.');
  }
}

async function upload(request: http.IncomingMessage, response: http.ServerResponse, url: URL, context: HistoryRouteContext): Promise<void> {
  const refuse = (status: number, message: string): void => {
    request.resume(); // drain what the client still sends, so it reads the answer
    json(response, context, status, { error: message });
  };
  if (request.method !== 'POST') return refuse(405, 'Method not allowed.');
  if (!context.allowedOrigins().has(request.headers.origin ?? '')) return refuse(403, 'Forbidden.');
  if (!context.tokenMatches(url.searchParams.get('token'))) return refuse(401, 'Unauthorized.');
  const limit = context.transfers.maxUploadBytes;
  const declared = Number(request.headers['content-length'] ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limit) return refuse(413, new UploadTooLarge(limit).message);
  const name = (url.searchParams.get('name') ?? '').replace(/[\\/\0]/g, '_').slice(0, 255) || 'upload';
  try {
    const { id, bytes } = await context.transfers.receiveUpload(request, name);
    json(response, context, 201, { id, bytes, name });
  } catch (error) {
    if (error instanceof UploadTooLarge) return refuse(413, error.message);
    // The client went away mid-upload: nobody is left to answer.
    response.destroy();
  }
}

/** `attachment; filename="…"` with an ASCII fallback and the exact name in RFC 5987 form. */
export function attachment(name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}

function answer(response: http.ServerResponse, context: HistoryRouteContext, status: number, text: string): void {
  response.writeHead(status, { ...context.securityHeaders, 'Content-Type': 'text/plain; charset=utf-8' });
  response.end(text);
}

function json(response: http.ServerResponse, context: HistoryRouteContext, status: number, body: unknown): void {
  response.writeHead(status, { ...context.securityHeaders, 'Content-Type': 'application/json' });
  response.end(JSON.stringify(body));
}
