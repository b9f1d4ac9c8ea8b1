import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { RpcError } from '../../../../src-main/common/contract';
import { connectApp, type AppClient } from '../../../../src-main/common/app-rpc';
import { createWebSocketTransport } from '../../../../src-main/node/host/ws-transport';
import { ScriptedEngine } from '../../../support/scripted-engine';
import { startBrowserHost, type BrowserHost } from '../../../../src-main/node/host/browser-host';
import { LoopbackServerError } from '../../../../src-main/node/host/loopback-server';
import { getTinyModelPath } from '../../../fixtures/models';

let dir: string;
let rendererDir: string;
let host: BrowserHost | undefined;
let engine: ScriptedEngine;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'phi-host-'));
  rendererDir = path.join(dir, 'renderer');
  mkdirSync(path.join(rendererDir, 'assets'), { recursive: true });
  writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Phi Desk</title>');
  writeFileSync(path.join(rendererDir, 'quick.html'), '<!doctype html><title>Phi Desk — Quick prompt</title>');
  writeFileSync(path.join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(path.join(dir, 'secret.txt'), 'do not serve');
  engine = new ScriptedEngine({ initialModelPath: path.join(dir, 'model.gguf'), reply: 'Hello from the engine.' });
});

afterEach(async () => {
  await host?.close();
  host = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function start(): Promise<BrowserHost> {
  host = await startBrowserHost({ dataDir: path.join(dir, 'data'), engine, rendererDir });
  return host;
}

function get(port: number, pathname: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port, path: pathname, headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    request.on('error', reject);
    request.end();
  });
}

/** Open a WebSocket the way a page on `origin` would; resolves with the socket or the HTTP status it was refused with. */
function connect(url: string, headers: Record<string, string>): Promise<WebSocket | number> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, { headers });
    socket.once('open', () => resolve(socket));
    socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
    socket.once('error', () => resolve(-1));
  });
}

describe('browser host', () => {
  it('listens on 127.0.0.1 only and prints a URL carrying a long random token', async () => {
    const { url, port, token } = await start();
    expect(url).toBe(`http://127.0.0.1:${port}/?token=${token}`);
    expect(token).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    const other = await startBrowserHost({ dataDir: path.join(dir, 'data2'), engine: new ScriptedEngine(), rendererDir });
    expect(other.token).not.toBe(token);
    await other.close();
  });

  it('serves the renderer with a strict CSP and no-referrer (the token is in the URL)', async () => {
    const { port } = await start();
    const page = await get(port, '/', { Host: `127.0.0.1:${port}` });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>Phi Desk</title>');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    const asset = await get(port, '/assets/app.js', { Host: `localhost:${port}` });
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toContain('text/javascript');
  });

  it('refuses a foreign Host header (DNS rebinding) and paths outside the renderer', async () => {
    const { port } = await start();
    expect((await get(port, '/', { Host: `evil.example:${port}` })).status).toBe(421);
    expect((await get(port, '/', { Host: `127.0.0.1:${port + 1}` })).status).toBe(421);
    for (const sneaky of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt']) {
      const response = await get(port, sneaky, { Host: `127.0.0.1:${port}` });
      expect(response.status).toBe(404);
      expect(response.body).not.toContain('do not serve');
    }
  });

  it('accepts the WebSocket only with the right token, Host and Origin', async () => {
    const { port, token } = await start();
    const origin = `http://127.0.0.1:${port}`;
    const rpc = (query: string): string => `ws://127.0.0.1:${port}/rpc${query}`;
    expect(await connect(rpc(''), { Origin: origin })).toBe(401);
    expect(await connect(rpc(`?token=${token.slice(0, -1)}x`), { Origin: origin })).toBe(401);
    expect(await connect(rpc(`?token=${token}`), { Origin: 'http://evil.example' })).toBe(403);
    expect(await connect(rpc(`?token=${token}`), {})).toBe(403);
    expect(await connect(rpc(`?token=${token}`), { Origin: origin, Host: 'evil.example' })).toBe(421);
    const socket = await connect(rpc(`?token=${token}`), { Origin: origin });
    expect(socket).toBeInstanceOf(WebSocket);
    (socket as WebSocket).close();
  });

  it('serves the contract over the socket: create, send with streamed deltas, read back', async () => {
    const { port, token } = await start();
    const socket = (await connect(`ws://127.0.0.1:${port}/rpc?token=${token}`, { Origin: `http://localhost:${port}` })) as WebSocket;
    const client = connectApp(createWebSocketTransport(socket));
    const conversation = await client.call('conversations.create', {});
    const deltas: string[] = [];
    const reply = await client.call(
      'chat.send',
      { conversationId: conversation.id, text: 'Hi' },
      { onEvent: (event) => event.type === 'onDelta' && deltas.push(event.text) },
    );
    expect(reply).toMatchObject({ role: 'assistant', status: 'complete', content: 'Hello from the engine.' });
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe(reply.content);
    const detail = await client.call('conversations.get', { id: conversation.id });
    expect(detail.messages.map((m) => [m.role, m.content])).toEqual([
      ['user', 'Hi'],
      ['assistant', 'Hello from the engine.'],
    ]);
    client.close();
    socket.close();
  });

  it('answers malformed frames with a typed error and keeps the connection usable', async () => {
    const { port, token } = await start();
    const socket = (await connect(`ws://127.0.0.1:${port}/rpc?token=${token}`, { Origin: `http://127.0.0.1:${port}` })) as WebSocket;
    const replies: unknown[] = [];
    socket.on('message', (data) => {
      const reply = JSON.parse(data.toString()) as { t: string };
      if (reply.t !== 'push') replies.push(reply); // pushes (models state, engine status) may arrive at any time
    });
    socket.send('this is not json');
    socket.send(JSON.stringify({ t: 'req', id: 3, method: 'chat.send', params: { conversationId: 'x', text: 42 } }));
    socket.send(Buffer.from([1, 2, 3]), { binary: true });
    socket.send(JSON.stringify({ t: 'req', id: 4, method: 'conversations.list', params: {} }));
    await expect.poll(() => replies.length).toBe(4);
    expect(replies[0]).toMatchObject({ t: 'err', error: { code: 'BAD_REQUEST' } });
    expect(replies[1]).toMatchObject({ t: 'res', id: 3, ok: false, error: { code: 'BAD_REQUEST' } });
    expect(replies[2]).toMatchObject({ t: 'err', error: { code: 'BAD_REQUEST' } });
    expect(replies[3]).toMatchObject({ t: 'res', id: 4, ok: true, result: [] });
    socket.close();
  });

  it('answers a 10 MB request with TOO_LARGE carrying its id, keeps the connection, and a reply streaming on it completes (issue 12)', async () => {
    engine = new ScriptedEngine({ initialModelPath: path.join(dir, 'model.gguf'), reply: 'word '.repeat(40), deltaDelayMs: 15 });
    const { port, token } = await start();
    const socket = (await connect(`ws://127.0.0.1:${port}/rpc?token=${token}`, { Origin: `http://127.0.0.1:${port}` })) as WebSocket;
    const client = connectApp(createWebSocketTransport(socket));
    const streaming = await client.call('conversations.create', { title: 'Streaming' });
    const other = await client.call('conversations.create', { title: 'Pasted into' });
    const deltas: string[] = [];
    const reply = client.call(
      'chat.send',
      { conversationId: streaming.id, text: 'Talk to me' },
      { onEvent: (event) => event.type === 'onDelta' && deltas.push(event.text) },
    );
    await expect.poll(() => deltas.length).toBeGreaterThan(2);

    // A 10 MB paste sent as it is (the window refuses it before sending; a client that does not check gets this).
    const pasted = await client.call('chat.send', { conversationId: other.id, text: 'x'.repeat(10_000_000) }).catch((e: unknown) => e);
    expect(pasted).toBeInstanceOf(RpcError);
    expect(pasted).toMatchObject({ code: 'BAD_REQUEST', details: { reason: 'TOO_LARGE', limit: 6_065_536 } });
    expect((pasted as RpcError & { details: { bytes: number } }).details.bytes).toBeGreaterThan(10_000_000);
    expect((pasted as RpcError).message).toBe(
      'This request is 10.0 MB, more than the 6.07 MB the app reads at once: a message may have at most 1,000,000 characters.',
    );
    expect(deltas.length).toBeLessThan(40); // answered while the reply was still streaming

    const done = await reply;
    expect(done).toMatchObject({ status: 'complete', content: 'word '.repeat(40) });
    expect(deltas.join('')).toBe(done.content);
    expect(socket.readyState).toBe(WebSocket.OPEN);
    expect((await client.call('conversations.get', { id: other.id })).messages).toEqual([]); // nothing was stored
    client.close();
    socket.close();
  });

  it('an oversized frame whose request id cannot be read gets an untied typed error; the connection stays', async () => {
    const { port, token } = await start();
    const socket = (await connect(`ws://127.0.0.1:${port}/rpc?token=${token}`, { Origin: `http://127.0.0.1:${port}` })) as WebSocket;
    const replies: unknown[] = [];
    socket.on('message', (data) => {
      const reply = JSON.parse(data.toString()) as { t: string };
      if (reply.t !== 'push') replies.push(reply);
    });
    // The id after the params: not where a request has it, so not trusted (it could be anything inside them).
    socket.send(`{"t":"req","method":"chat.send","params":{"text":"${'y'.repeat(7_000_000)}"},"id":5}`);
    socket.send(JSON.stringify({ t: 'req', id: 6, method: 'conversations.list', params: {} }));
    await expect.poll(() => replies.length).toBe(2);
    expect(replies[0]).toMatchObject({ t: 'err', error: { code: 'BAD_REQUEST', details: { reason: 'TOO_LARGE' } } });
    expect(replies[1]).toMatchObject({ t: 'res', id: 6, ok: true, result: [] });
    socket.close();
  });

  it('pushes engine status changes to connected pages', async () => {
    const { port, token } = await start();
    const socket = (await connect(`ws://127.0.0.1:${port}/rpc?token=${token}`, { Origin: `http://127.0.0.1:${port}` })) as WebSocket;
    const client = connectApp(createWebSocketTransport(socket));
    const states: string[] = [];
    client.onPush((event) => event.type === 'onEngineStatus' && states.push(event.status.state));
    await engine.load(path.join(dir, 'other.gguf'));
    await expect.poll(() => states.at(-1)).toBe('ready');
    expect(states).toContain('loading');
    client.close();
    socket.close();
  });

  it('serves the quick prompt at /quick, under the same headers and Host rule', async () => {
    const { port } = await start();
    const page = await get(port, '/quick?token=anything', { Host: `127.0.0.1:${port}` });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>Phi Desk — Quick prompt</title>');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect((await get(port, '/quick', { Host: `evil.example:${port}` })).status).toBe(421);
    expect((await get(port, '/quickly', { Host: `127.0.0.1:${port}` })).status).toBe(404);
  });

  it('knows which connections are chat pages: "Continue in Phi Desk" switches those, and says when there is none', async () => {
    const { port, token, pages } = await start();
    const open = async (query: string): Promise<{ client: AppClient; socket: WebSocket }> => {
      const socket = (await connect(`ws://127.0.0.1:${port}/rpc?token=${token}${query}`, { Origin: `http://127.0.0.1:${port}` })) as WebSocket;
      return { client: connectApp(createWebSocketTransport(socket)), socket };
    };
    const quick = await open('&page=quick');
    const conversation = await quick.client.call('conversations.create', { source: 'quick' });
    expect(pages.count('quick')).toBe(1);
    expect(pages.count('chat')).toBe(0);
    // No chat page open: the quick page is told to open one itself.
    expect(await quick.client.call('windows.showConversation', { conversationId: conversation.id })).toEqual({ shown: false });

    const chat = await open('');
    const toChat: string[] = [];
    const toQuick: string[] = [];
    chat.client.onPush((event) => event.type === 'onShowConversation' && toChat.push(event.conversationId));
    quick.client.onPush((event) => event.type === 'onShowConversation' && toQuick.push(event.conversationId));
    expect(await quick.client.call('windows.showConversation', { conversationId: conversation.id })).toEqual({ shown: true });
    await expect.poll(() => toChat).toEqual([conversation.id]);
    expect(toQuick).toEqual([]);

    // Esc in a tab: the host cannot hide it; it records the request and says so.
    expect(await quick.client.call('quick.hide', {})).toEqual({ hidden: false });
    expect(pages.quickHides).toBe(1);

    const closed = new Promise((resolve) => chat.socket.once('close', resolve));
    chat.client.close();
    chat.socket.close();
    await closed;
    await expect.poll(() => pages.count('chat')).toBe(0);
    expect(await quick.client.call('windows.showConversation', { conversationId: conversation.id })).toEqual({ shown: false });
    quick.client.close();
    quick.socket.close();
  });

  it('reports a port in use clearly and releases what it opened', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    const error = await startBrowserHost({ dataDir: path.join(dir, 'data'), engine, rendererDir, port }).catch((e: unknown) => e);
    blocker.close();
    expect(error).toBeInstanceOf(LoopbackServerError);
    expect(error).toMatchObject({ code: 'PORT_IN_USE' });
    expect((error as Error).message).toContain(`Port ${port}`);
    // The engine was disposed and the database closed: a fresh host can open the same folder.
    await expect(engine.generate({ turns: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({ code: 'DISPOSED' });
  });

  it('serves the page while the model named at launch still loads; closing then gives up on a load that never ends at once', async () => {
    let loadStarted!: () => void;
    const loading = new Promise<void>((resolve) => (loadStarted = resolve));
    // A load stuck in native code: it never settles and ignores its abort signal.
    const stuck = new (class extends ScriptedEngine {
      override load(): Promise<void> {
        loadStarted();
        return new Promise<void>(() => {});
      }
    })();
    const started = await startBrowserHost({ dataDir: path.join(dir, 'data'), engine: stuck, rendererDir, modelPath: await getTinyModelPath() });
    await loading;
    expect((await get(started.port, '/', { Host: `127.0.0.1:${started.port}` })).status).toBe(200);
    expect(stuck.status().state).not.toBe('ready');
    const stoppedAt = Date.now();
    await started.close();
    expect(Date.now() - stoppedAt).toBeLessThan(1000);
    // The database is closed and the folder's lock released: another start on the folder works.
    host = await startBrowserHost({ dataDir: path.join(dir, 'data'), engine, rendererDir });
    expect(await host.app.handlers['conversations.list']({}, { signal: new AbortController().signal, emit: () => {} })).toEqual([]);
  });

  it('close() ends connections, disposes the engine and closes the database', async () => {
    const { port, token, app } = await start();
    const socket = (await connect(`ws://127.0.0.1:${port}/rpc?token=${token}`, { Origin: `http://127.0.0.1:${port}` })) as WebSocket;
    const closed = new Promise((resolve) => socket.once('close', resolve));
    await host?.close();
    await closed;
    expect(() => app.store.conversations.listConversations()).toThrow(/closed/i);
    await expect(engine.generate({ turns: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({ code: 'DISPOSED' });
  });
});
