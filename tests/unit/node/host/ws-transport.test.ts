import type { WebSocket } from 'ws';
import { describe, expect, it } from 'vitest';
import { createWebSocketTransport } from '../../../../src-main/node/host/ws-transport';

/** The part of a `ws` socket the transport uses, recording what is sent. */
function fakeSocket(): { socket: WebSocket; sent: string[]; close(): void } {
  const sent: string[] = [];
  const socket = { OPEN: 1, readyState: 1, send: (text: string) => void sent.push(text), on: () => undefined, off: () => undefined };
  return { socket: socket as unknown as WebSocket, sent, close: () => void (socket.readyState = 3) };
}

const conversations = (count: number) =>
  Array.from({ length: count }, (_, index) => ({ id: `c${index}`, title: `Conversation "${index}" \u2014 \u0000 é`, pinned: index % 7 === 0, updatedAt: index }));

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise<void>((resolve) => setTimeout(resolve, 1));
}

describe('the WebSocket transport', () => {
  it('sends short messages at once, as JSON', () => {
    const { socket, sent } = fakeSocket();
    const transport = createWebSocketTransport(socket);
    const message = { t: 'res', id: 1, ok: true, result: conversations(10) };
    transport.send(message);
    expect(sent).toEqual([JSON.stringify(message)]);
  });

  it('writes a long list a slice at a time, letting the event loop turn, and sends exactly JSON.stringify\'s text', async () => {
    const { socket, sent } = fakeSocket();
    const transport = createWebSocketTransport(socket);
    const message = { t: 'res', id: 7, ok: true, result: conversations(20_000) };
    let turns = 0;
    let counting = true;
    const count = (): void => {
      turns++;
      if (counting) setImmediate(count);
    };
    setImmediate(count);
    transport.send(message);
    expect(sent).toHaveLength(0); // not written in one go
    await until(() => sent.length === 1);
    counting = false;
    expect(sent[0]).toBe(JSON.stringify(message));
    expect(turns).toBeGreaterThanOrEqual(10); // other work ran between the slices
  });

  it('keeps the order: messages sent while a long answer is being written follow it', async () => {
    const { socket, sent } = fakeSocket();
    const transport = createWebSocketTransport(socket);
    const long = { t: 'res', id: 1, ok: true, result: conversations(5_000) };
    const push = { t: 'push', event: 'conversations.changed', payload: null };
    const short = { t: 'res', id: 2, ok: true, result: [] };
    transport.send(long);
    transport.send(push);
    transport.send(short);
    await until(() => sent.length === 3);
    expect(sent.map((text) => JSON.parse(text) as unknown)).toEqual([long, push, short]);
    transport.send(short); // once written, short messages go at once again
    expect(sent).toHaveLength(4);
  });

  it('drops a long answer quietly when the socket closes while it is being written', async () => {
    const { socket, sent, close } = fakeSocket();
    const transport = createWebSocketTransport(socket);
    transport.send({ t: 'res', id: 1, ok: true, result: conversations(5_000) });
    close();
    await new Promise<void>((resolve) => setTimeout(resolve, 50));
    expect(sent).toEqual([]);
    expect(() => transport.send({ t: 'res', id: 2, ok: true, result: [] })).toThrow('socket closed');
  });
});
