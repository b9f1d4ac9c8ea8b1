import type { WebSocket } from 'ws';
import { OversizeMessage, type Transport } from '../../common/rpc';

export interface WebSocketTransportOptions {
  /**
   * The largest message read, in bytes. A longer one is not parsed: the RPC layer gets an {@link OversizeMessage}
   * and answers it with a typed error, keeping the connection. Default: no limit here (the socket's own
   * `maxPayload` still applies — past that `ws` closes the connection with 1009).
   */
  maxMessageBytes?: number;
}

/**
 * The RPC transport over one WebSocket (either end: the browser host's server side, and Node clients in tests and the
 * bench). Messages are JSON text frames. A frame that is not JSON is handed to the RPC layer as the raw string, which
 * answers it with a typed `BAD_REQUEST` instead of dropping the connection; so is one over `maxMessageBytes`.
 */
export function createWebSocketTransport(socket: WebSocket, options: WebSocketTransportOptions = {}): Transport {
  const limit = options.maxMessageBytes ?? Number.POSITIVE_INFINITY;
  return {
    send(message) {
      if (socket.readyState !== socket.OPEN) throw new Error('socket closed');
      socket.send(JSON.stringify(message));
    },
    onMessage(listener) {
      const onMessage = (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void => {
        if (isBinary) {
          listener('<binary frame>');
          return;
        }
        const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
        if (bytes.length > limit) {
          listener(new OversizeMessage(bytes.length, limit, requestIdAtStart(bytes)));
          return;
        }
        const text = bytes.toString('utf8');
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = text;
        }
        listener(parsed);
      };
      socket.on('message', onMessage);
      return () => socket.off('message', onMessage);
    },
    onClose(listener) {
      socket.on('close', listener);
      return () => socket.off('close', listener);
    },
  };
}

/**
 * The id of a request, read from the start of its frame without parsing the rest: `{"t":"req","id":12,…` is how
 * `RpcClient` writes every request (JSON.stringify keeps its key order). Anything else gives `null`: an id found
 * elsewhere could belong to something inside the params, and answering the wrong request would be worse than
 * answering none.
 */
function requestIdAtStart(bytes: Buffer): number | null {
  const match = /^\s*\{\s*"t"\s*:\s*"req"\s*,\s*"id"\s*:\s*(\d{1,16})\s*,/.exec(bytes.subarray(0, 80).toString('latin1'));
  return match ? Number(match[1]) : null;
}
