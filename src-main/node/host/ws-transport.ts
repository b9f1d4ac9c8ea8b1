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
  /** A long answer being written a slice at a time; later messages wait for it, so that none overtakes another. */
  let writing: Promise<void> | null = null;
  const write = (text: string): void => {
    if (socket.readyState === socket.OPEN) socket.send(text);
  };
  return {
    send(message) {
      if (socket.readyState !== socket.OPEN) throw new Error('socket closed');
      if (writing === null && !isLongAnswer(message)) {
        socket.send(JSON.stringify(message));
        return;
      }
      const queued: Promise<void> = (writing ?? Promise.resolve())
        .then(async () => write(isLongAnswer(message) ? await stringifyLongAnswer(message) : JSON.stringify(message)))
        .catch(() => undefined) // the socket closed meanwhile: its close handler cleans up
        .finally(() => {
          if (writing === queued) writing = null;
        });
      writing = queued;
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

/** Items of a long result written per turn of the event loop. */
const SLICE_ITEMS = 1000;
/** Stands for the result in the envelope's text: a string no result can be (the envelope holds only `t`, `id`, `ok`). */
const RESULT_PLACEHOLDER = '\u0000phi-desk-result\u0000';
const RESULT_SLOT = JSON.stringify(RESULT_PLACEHOLDER);

/** An RPC answer whose result is a long array (the conversation list of a big history: 100,000 items, ~30 MB). */
function isLongAnswer(message: unknown): message is { result: unknown[] } {
  return (
    typeof message === 'object' &&
    message !== null &&
    Array.isArray((message as { result?: unknown }).result) &&
    (message as { result: unknown[] }).result.length > SLICE_ITEMS
  );
}

/**
 * The same text as `JSON.stringify(message)`, made {@link SLICE_ITEMS} items of its result at a time with a turn of the
 * event loop between: serialising a 100,000-conversation list at once held the browser host for 200–350 ms (the
 * start-up bench's CPU profile), in which it answered nobody.
 */
async function stringifyLongAnswer(message: { result: unknown[] }): Promise<string> {
  const { result } = message;
  const parts: string[] = [];
  for (let start = 0; start < result.length; start += SLICE_ITEMS) {
    if (start > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    parts.push(JSON.stringify(result.slice(start, start + SLICE_ITEMS)).slice(1, -1));
  }
  const envelope = JSON.stringify({ ...message, result: RESULT_PLACEHOLDER });
  return envelope.replace(RESULT_SLOT, () => `[${parts.join(',')}]`);
}
