import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { serveApp, type AppServer } from '../../common/app-rpc';
import type { AppLog } from '../logs/app-log';
import { MAX_MESSAGE_LENGTH } from '../../common/schemas';
import { pageKind, type BrowserPages } from './browser-pages';
import type { ComposedApp } from './compose';
import { createWebSocketTransport } from './ws-transport';
import type { TransferArea } from '../history/transfers';
import { serveHistoryRoute } from './history-routes';

/** What the server serves: the contract's handlers and the pushes to every page (a starting or a composed app). */
export type ServedApp = Pick<ComposedApp, 'handlers' | 'onPush'>;

/** Loopback only: the browser host is never reachable from another machine. */
export const HOST_ADDRESS = '127.0.0.1';

/**
 * The largest request read: room for the longest allowed message after JSON escaping (at most 6 bytes per UTF-16
 * unit for `\uXXXX`), plus the envelope. A longer one is answered with a typed `TOO_LARGE` error carrying its id,
 * without being parsed, and the connection stays open (see `OversizeMessage`).
 */
export const MAX_REQUEST_BYTES = MAX_MESSAGE_LENGTH * 6 + 64 * 1024;

/**
 * The socket's own cap (`ws`'s `maxPayload`): a frame past it is not even buffered, and `ws` closes the connection
 * (1009). Far above the largest legal request, so that an oversized one — a 10 MB paste sent as it is — gets an
 * answer instead of a dropped connection; still a bound on what one frame may cost in memory.
 */
export const MAX_FRAME_BYTES = 64 * 1024 * 1024;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/** The page's Content Security Policy: only our own scripts, and only our own WebSocket. */
export function contentSecurityPolicy(port: number): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    // 'self': uploads of history files to import (POST /history/upload) go to this same host.
    `connect-src 'self' ws://${HOST_ADDRESS}:${port} ws://localhost:${port}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export interface LoopbackServerOptions {
  app: ServedApp;
  /** Folder with the built renderer (`index.html` and assets). */
  rendererDir: string;
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Fixed token for tests; a fresh random one per launch otherwise. */
  token?: string;
  /** Told of every connection and the page it serves (`windows.showConversation` reaches the chat pages). */
  pages?: BrowserPages;
  /** The staging folder for history downloads and uploads (`history-routes.ts`); without it those routes are 404. */
  transfers?: TransferArea;
  /** Where a handler's bug (a failure that is not a contract error) is written. */
  log?: AppLog;
}

export interface LoopbackServer {
  /** The full URL to open, token included. */
  readonly url: string;
  readonly port: number;
  readonly token: string;
  /** Number of open RPC connections. */
  readonly connections: number;
  /** Stop accepting, close every connection and the server. Does not dispose the app. */
  close(): Promise<void>;
}

/** Why a host could not start, in words for the person who ran it. */
export class LoopbackServerError extends Error {
  constructor(
    readonly code: 'PORT_IN_USE' | 'LISTEN_FAILED' | 'RENDERER_MISSING',
    message: string,
  ) {
    super(message);
    this.name = 'LoopbackServerError';
  }
}

/**
 * Serve the renderer (the chat page at `/`, the quick prompt at `/quick`), the RPC (WebSocket at `/rpc`) and, with
 * `transfers`, history downloads and uploads (`history-routes.ts`) on 127.0.0.1. Every request must carry a Host header naming
 * this loopback server (a DNS-rebinding defence); the WebSocket must also come from our own Origin and present the
 * per-launch token.
 */
export async function startLoopbackServer(options: LoopbackServerOptions): Promise<LoopbackServer> {
  const rendererDir = path.resolve(options.rendererDir);
  const indexFile = path.join(rendererDir, 'index.html');
  if (!(await stat(indexFile).catch(() => null))?.isFile()) {
    throw new LoopbackServerError('RENDERER_MISSING', `The renderer is not built: ${indexFile} is missing. Run "npm run build:renderer".`);
  }
  const token = options.token ?? randomBytes(32).toString('base64url');
  const tokenBytes = Buffer.from(token);
  let port = 0;

  const allowedHosts = (): Set<string> => new Set([`${HOST_ADDRESS}:${port}`, `localhost:${port}`]);
  const allowedOrigins = (): Set<string> => new Set([`http://${HOST_ADDRESS}:${port}`, `http://localhost:${port}`]);
  const tokenMatches = (candidate: string | null): boolean => {
    if (candidate === null) return false;
    const bytes = Buffer.from(candidate);
    return bytes.length === tokenBytes.length && timingSafeEqual(bytes, tokenBytes);
  };

  const server = http.createServer((request, response) => {
    void serveStatic(request, response);
  });

  const serveStatic = async (request: http.IncomingMessage, response: http.ServerResponse): Promise<void> => {
    const securityHeaders = {
      'Content-Security-Policy': contentSecurityPolicy(port),
      'X-Content-Type-Options': 'nosniff',
      // The token is in the page URL: never send it anywhere as a Referer.
      'Referrer-Policy': 'no-referrer',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Resource-Policy': 'same-origin',
      'X-Frame-Options': 'DENY',
      'Cache-Control': 'no-store',
    };
    const fail = (status: number, text: string): void => {
      response.writeHead(status, { ...securityHeaders, 'Content-Type': 'text/plain; charset=utf-8' });
      response.end(text);
    };
    if (!allowedHosts().has(request.headers.host ?? '')) return fail(421, 'Wrong Host header.');
    const url = new URL(request.url ?? '/', `http://${HOST_ADDRESS}:${port}`);
    const transfers = options.transfers;
    if (transfers && serveHistoryRoute(request, response, url, { transfers, tokenMatches, allowedOrigins, securityHeaders })) return;
    if (request.method !== 'GET' && request.method !== 'HEAD') return fail(405, 'Method not allowed.');
    let relative: string;
    try {
      relative = decodeURIComponent(url.pathname);
    } catch {
      return fail(400, 'Bad path.');
    }
    if (relative === '/' || relative === '') relative = '/index.html';
    // The quick prompt: the same page the desktop app shows in its popup, driven the same way.
    else if (relative === '/quick') relative = '/quick.html';
    const file = path.join(rendererDir, path.normalize(relative));
    if (!file.startsWith(rendererDir + path.sep) || relative.includes('\0')) return fail(404, 'Not found.');
    const info = await stat(file).catch(() => null);
    if (!info?.isFile()) return fail(404, 'Not found.');
    response.writeHead(200, {
      ...securityHeaders,
      'Content-Type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream',
      'Content-Length': info.size,
    });
    if (request.method === 'HEAD') {
      response.end();
      return;
    }
    createReadStream(file).on('error', () => response.destroy()).pipe(response);
  };

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  const sessions = new Map<WebSocket, AppServer>();
  const offPush = options.app.onPush((event) => {
    for (const session of sessions.values()) session.push(event);
  });

  server.on('upgrade', (request, socket, head) => {
    const refuse = (status: number, reason: string): void => {
      socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    const url = new URL(request.url ?? '/', `http://${HOST_ADDRESS}:${port}`);
    if (!allowedHosts().has(request.headers.host ?? '')) return refuse(421, 'Misdirected Request');
    if (url.pathname !== '/rpc') return refuse(404, 'Not Found');
    if (!allowedOrigins().has(request.headers.origin ?? '')) return refuse(403, 'Forbidden');
    if (!tokenMatches(url.searchParams.get('token'))) return refuse(401, 'Unauthorized');
    wss.handleUpgrade(request, socket, head, (ws) => {
      const session = serveApp(createWebSocketTransport(ws, { maxMessageBytes: MAX_REQUEST_BYTES }), options.app.handlers, {
        onInternalError: (method, error) => options.log?.write('error', `${method} failed`, error),
      });
      sessions.set(ws, session);
      options.pages?.add(session, pageKind(url.searchParams.get('page')));
      ws.on('close', () => {
        sessions.delete(ws);
        options.pages?.remove(session);
      });
      ws.on('error', () => ws.terminate());
    });
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      reject(
        error.code === 'EADDRINUSE'
          ? new LoopbackServerError('PORT_IN_USE', `Port ${options.port} on ${HOST_ADDRESS} is already in use. Pick another with --port, or 0 for any free port.`)
          : new LoopbackServerError('LISTEN_FAILED', `Could not listen on ${HOST_ADDRESS}:${options.port ?? 0}: ${error.message}`),
      );
    };
    server.once('error', onError);
    server.listen(options.port ?? 0, HOST_ADDRESS, () => {
      server.off('error', onError);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${HOST_ADDRESS}:${port}/?token=${token}`,
    port,
    token,
    get connections() {
      return sessions.size;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        offPush();
        for (const [ws, session] of sessions) {
          options.pages?.remove(session);
          session.close();
          ws.terminate();
        }
        sessions.clear();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      });
      return closing;
    },
  };
}
