import { Emitter } from '../../src-main/common/emitter';
import type { Transport } from '../../src-main/common/rpc';

/** Which channel the renderer talks to the app over. */
export type TransportKind = 'electron' | 'websocket';

export interface RendererTransport extends Transport {
  readonly kind: TransportKind;
  /** Subscribe to the channel opening (at once for Electron); returns an unsubscribe function. */
  onOpen(listener: () => void): () => void;
  /** Subscribe to the channel closing for good; `everOpened` tells a refused connection from a dropped one. */
  onClose(listener: (info: { everOpened: boolean }) => void): () => void;
}

/**
 * The transport for this page: the Electron preload's bridge when it exists (the desktop app), otherwise a
 * WebSocket to the browser host that served the page, authenticated with the `token` from the page's URL.
 */
export function connectTransport(): RendererTransport {
  const bridge = window.phiDesk;
  if (bridge) return bridgeTransport(bridge);
  return webSocketTransport(rpcUrl(window.location));
}

/**
 * `ws(s)://<host>/rpc?token=<token>` for a page served by the browser host; the quick prompt (`/quick`) adds
 * `&page=quick`, so the host knows which connections are chat pages ("Continue in Phi Desk" switches those).
 */
export function rpcUrl(location: Pick<Location, 'protocol' | 'host' | 'search' | 'pathname'>): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const token = new URLSearchParams(location.search).get('token') ?? '';
  const page = isQuickPage(location.pathname) ? '&page=quick' : '';
  return `${scheme}//${location.host}/rpc?token=${encodeURIComponent(token)}${page}`;
}

/** The quick prompt's page: `/quick` in the browser host, `quick.html` in the desktop app. */
export function isQuickPage(pathname: string): boolean {
  return /\/quick(\.html)?$/.test(pathname);
}

/** The preload's two functions; the channel lives as long as the window, so it never closes. */
function bridgeTransport(bridge: PhiDeskBridge): RendererTransport {
  return {
    kind: 'electron',
    send: (message) => bridge.send(message),
    onMessage: (listener) => bridge.onMessage(listener),
    onOpen(listener) {
      queueMicrotask(listener);
      return () => {};
    },
    onClose: () => () => {},
  };
}

/**
 * One WebSocket, JSON text frames. Messages sent while it connects are queued and flushed on open; once it has
 * closed, `send` throws, which the RPC client turns into a `DISCONNECTED` error. It never reconnects by itself:
 * the server aborts a closed connection's requests, so a silent reconnect would hide lost replies.
 */
function webSocketTransport(url: string): RendererTransport {
  const socket = new WebSocket(url);
  const queue: string[] = [];
  const messages = new Emitter<unknown>();
  const opens = new Emitter<void>();
  const closes = new Emitter<{ everOpened: boolean }>();
  let everOpened = false;
  let closed = false;

  socket.addEventListener('open', () => {
    everOpened = true;
    for (const frame of queue.splice(0)) socket.send(frame);
    opens.emit();
  });
  socket.addEventListener('message', (event: MessageEvent<unknown>) => {
    if (typeof event.data !== 'string') return;
    let message: unknown;
    try {
      message = JSON.parse(event.data);
    } catch {
      return; // The RPC client reports protocol errors; a frame that is not even JSON is dropped.
    }
    messages.emit(message);
  });
  // An `error` is always followed by `close`; only `close` ends the connection.
  socket.addEventListener('close', () => {
    if (closed) return;
    closed = true;
    queue.length = 0;
    closes.emit({ everOpened });
  });

  return {
    kind: 'websocket',
    send(message) {
      if (closed || socket.readyState === WebSocket.CLOSING || socket.readyState === WebSocket.CLOSED) {
        throw new Error('The connection to Phi Desk is closed.');
      }
      const frame = JSON.stringify(message);
      if (socket.readyState === WebSocket.CONNECTING) queue.push(frame);
      else socket.send(frame);
    },
    onMessage: (listener) => messages.on(listener),
    onOpen(listener) {
      if (!everOpened) return opens.on(listener);
      queueMicrotask(listener);
      return () => undefined;
    },
    onClose(listener) {
      if (!closed) return closes.on(listener);
      queueMicrotask(() => listener({ everOpened }));
      return () => undefined;
    },
  };
}
