import type { WebSocket } from 'ws';
import type { Transport } from '../../common/rpc';

/**
 * The RPC transport over one WebSocket (either end: the browser host's server side, and Node clients in tests and the bench). Messages are JSON text frames. A frame
 * that is not JSON is handed to the RPC layer as the raw string, which answers it with a typed `BAD_REQUEST`
 * instead of dropping the connection.
 */
export function createWebSocketTransport(socket: WebSocket): Transport {
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
        const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
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
