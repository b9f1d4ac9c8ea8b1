import { afterEach, describe, expect, it } from 'vitest';
import { RpcError, type PushEvents } from '../../../src-main/common/contract';
import { connectApp, serveApp, type AppClient, type AppServer, type Handlers } from '../../../src-main/common/app-rpc';
import { OversizeMessage } from '../../../src-main/common/rpc';
import { createMemoryTransportPair, type MemoryTransportPair } from '../../support/memory-transport';
import type { Conversation, Message } from '../../../src-main/common/types';

const conversation = (id: string, title = 'New chat'): Conversation => ({
  id,
  title,
  createdAt: 1,
  updatedAt: 1,
  pinned: false,
  archived: false,
  systemPrompt: null,
  generation: {},
  model: null,
  source: 'chat',
  engine: null,
});
const message = (id: string, content: string, status: Message['status'] = 'complete'): Message => ({
  id,
  conversationId: 'c1',
  parentId: null,
  role: 'assistant',
  content,
  status,
  createdAt: 1,
  stats: null,
  error: null,
});

function notImplemented(): never {
  throw new RpcError('INTERNAL', 'not used in this test');
}

/** Handlers that behave like a tiny service, so the RPC layer is tested with realistic calls. */
function makeHandlers(overrides: Partial<Handlers> = {}): Handlers {
  return {
    'app.getInfo': () => ({ name: 'Phi Desk', version: '0', host: 'browser', dataDir: '/tmp', logFile: '/tmp/logs/phi-desk.log', processors: 2 }),
    'app.getStartup': notImplemented,
    'engine.getStatus': notImplemented,
    'conversations.list': () => [conversation('c1')],
    'conversations.listPage': () => ({ conversations: [conversation('c1')], next: null }),
    'conversations.create': (params) => conversation('new', params.title ?? 'New chat'),
    'conversations.get': ({ id }) => {
      throw new RpcError('NOT_FOUND', `No conversation ${id}.`);
    },
    'conversations.rename': ({ id, title }) => conversation(id, title),
    'conversations.delete': () => null,
    'conversations.restore': notImplemented,
    'app.getNotices': () => [],
    'app.dismissNotice': () => null,
    'settings.get': notImplemented,
    'settings.update': notImplemented,
    'conversations.update': notImplemented,
    'messages.page': notImplemented,
    'messages.switchBranch': notImplemented,
    'messages.deleteSubtree': notImplemented,
    'search.query': notImplemented,
    'search.reveal': notImplemented,
    'models.getState': notImplemented,
    'models.download': notImplemented,
    'models.pauseDownload': notImplemented,
    'models.resumeDownload': notImplemented,
    'models.cancelDownload': notImplemented,
    'models.useFile': notImplemented,
    'models.chooseFile': notImplemented,
    'history.export': notImplemented,
    'history.import': notImplemented,
    'history.choosePath': notImplemented,
    'chat.edit': notImplemented,
    'chat.prepare': notImplemented,
    'chat.measure': notImplemented,
    'chat.regenerate': notImplemented,
    'drafts.get': notImplemented,
    'drafts.save': notImplemented,
    'windows.showConversation': notImplemented,
    'quick.getStatus': notImplemented,
    'quick.hide': notImplemented,
    'quick.resize': notImplemented,
    'quick.readClipboard': notImplemented,
    'api.getStatus': notImplemented,
    'api.regenerateKey': notImplemented,
    'remote.probe': notImplemented,
    'remote.save': notImplemented,
    'remote.remove': notImplemented,
    'chat.send': async ({ text }, { signal, emit }) => {
      emit({ type: 'onStarted', userMessage: message('u', text), assistantMessage: message('a', '', 'streaming') });
      let reply = '';
      for (const word of ['one ', 'two ', 'three ']) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        if (signal.aborted) return message('a', reply, 'stopped');
        reply += word;
        emit({ type: 'onDelta', messageId: 'a', text: word });
      }
      return message('a', reply);
    },
    ...overrides,
  };
}

let pair: MemoryTransportPair;
let server: AppServer;
let client: AppClient;

function connect(handlers: Handlers = makeHandlers()): void {
  pair = createMemoryTransportPair();
  server = serveApp(pair.server, handlers);
  client = connectApp(pair.client);
}

/** Send a raw message from the client end and collect what the server answers. */
async function rawExchange(message: unknown): Promise<unknown[]> {
  const received: unknown[] = [];
  const off = pair.client.onMessage((m) => received.push(m));
  pair.client.send(message);
  await new Promise((resolve) => setTimeout(resolve, 10));
  off();
  return received;
}

afterEach(() => {
  client?.close();
  server?.close();
});

describe('RPC over an in-memory transport pair', () => {
  it('answers a call with the handler result', async () => {
    connect();
    await expect(client.call('conversations.create', { title: 'Plans' })).resolves.toMatchObject({ title: 'Plans' });
  });

  it('carries typed errors across the wire', async () => {
    connect();
    const error = await client.call('conversations.get', { id: 'missing' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcError);
    expect(error).toMatchObject({ code: 'NOT_FOUND', message: 'No conversation missing.' });
  });

  it('rejects params that do not match the schema before the handler runs', async () => {
    let ran = false;
    connect(makeHandlers({ 'conversations.rename': () => ((ran = true), conversation('x')) }));
    const error = await client.call('conversations.rename', { id: 'c1', title: '   ' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'BAD_REQUEST' });
    expect((error as RpcError).message).toContain('title');
    expect(ran).toBe(false);
  });

  it('rejects unknown properties (strict objects)', async () => {
    connect();
    const error = await client
      .call('conversations.create', { title: 'x', admin: true } as never)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('an error never repeats more than a short excerpt of the input (a 5 MB unknown key, a 5 MB method name)', async () => {
    connect();
    const huge = 'k'.repeat(5 * 1024 * 1024);
    const [keyReply] = await rawExchange({ t: 'req', id: 3, method: 'conversations.create', params: { [huge]: 1 } });
    expect(keyReply).toMatchObject({ t: 'res', id: 3, ok: false, error: { code: 'BAD_REQUEST' } });
    expect(JSON.stringify(keyReply).length).toBeLessThan(1000);
    const { message, details } = (keyReply as { error: { message: string; details: string[] } }).error;
    expect(message).toMatch(
      /^Invalid params for conversations\.create: k{120}… \(5,242,880 characters in all\): Invalid key: Expected never but received "k{198}… \(5,242,923 characters in all\)$/,
    );
    expect(details).toHaveLength(1);

    const [methodReply] = await rawExchange({ t: 'req', id: 4, method: huge, params: {} });
    expect(methodReply).toMatchObject({ t: 'res', id: 4, ok: false, error: { code: 'UNKNOWN_METHOD' } });
    expect(JSON.stringify(methodReply).length).toBeLessThan(500);
  });

  it('answers an oversized message (never parsed) by its id, or untied when that id is in flight, leaving that request be', async () => {
    // A transport of our own: the in-memory pair deep-copies messages, and an OversizeMessage only ever comes from
    // the transport itself (a class instance, so no peer can forge one in JSON).
    let deliver: (message: unknown) => void = () => undefined;
    const sent: unknown[] = [];
    let release!: () => void;
    const slow = new Promise<void>((resolve) => (release = resolve));
    serveApp(
      { send: (message) => sent.push(message), onMessage: (listener) => ((deliver = listener), () => undefined) },
      makeHandlers({ 'conversations.list': async () => (await slow, [conversation('slow')]) }),
    );
    deliver({ t: 'req', id: 1, method: 'conversations.list', params: {} });
    deliver(new OversizeMessage(10_000_000, 6_000_000, 2));
    deliver(new OversizeMessage(10_000_000, 6_000_000, 1)); // the id of the request in flight
    deliver(new OversizeMessage(10_000_000, 6_000_000, null));
    release();
    await expect.poll(() => sent.length).toBe(4);
    const error = { code: 'BAD_REQUEST', details: { reason: 'TOO_LARGE', bytes: 10_000_000, limit: 6_000_000 } };
    expect(sent[0]).toMatchObject({ t: 'res', id: 2, ok: false, error });
    expect(sent[1]).toMatchObject({ t: 'err', error });
    expect(sent[2]).toMatchObject({ t: 'err', error });
    expect(sent[3]).toEqual({ t: 'res', id: 1, ok: true, result: [conversation('slow')] });
  });

  it('lists at most five issues, and counts the rest', async () => {
    connect();
    const params = { id: 'c1', pinned: 1, archived: 2, systemPrompt: 3, generation: { temperature: 'a', topP: 'b', topK: 'c', seed: 'd' } };
    const error = (await client.call('conversations.update', params as never).catch((e: unknown) => e)) as RpcError;
    expect(error.details).toHaveLength(6);
    expect((error.details as string[]).slice(0, 2)).toEqual(['pinned: Invalid type: Expected boolean but received 1', 'archived: Invalid type: Expected boolean but received 2']);
    expect((error.details as string[]).at(-1)).toBe('and 2 more issues'); // topK and seed
  });

  it('hides internal error details but keeps the message', async () => {
    const errors: unknown[] = [];
    pair = createMemoryTransportPair();
    server = serveApp(
      pair.server,
      makeHandlers({
        'conversations.list': () => {
          throw new TypeError('boom');
        },
      }),
      { onInternalError: (_method, error) => errors.push(error) },
    );
    client = connectApp(pair.client);
    const error = await client.call('conversations.list', {}).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'INTERNAL', message: 'Internal error: boom' });
    expect(JSON.stringify(error)).not.toContain('at ');
    expect(errors).toHaveLength(1);
  });

  it('streams events keyed by request, in order', async () => {
    connect();
    const events: string[] = [];
    const result = await client.call(
      'chat.send',
      { conversationId: 'c1', text: 'hi' },
      { onEvent: (event) => events.push(event.type === 'onDelta' ? event.text : event.type) },
    );
    expect(events).toEqual(['onStarted', 'one ', 'two ', 'three ']);
    expect(result.content).toBe('one two three ');
  });

  it('cancellation crosses the wire and the call settles with the partial result', async () => {
    connect();
    const controller = new AbortController();
    const deltas: string[] = [];
    const done = client.call(
      'chat.send',
      { conversationId: 'c1', text: 'hi' },
      {
        signal: controller.signal,
        onEvent: (event) => {
          if (event.type !== 'onDelta') return;
          deltas.push(event.text);
          controller.abort();
        },
      },
    );
    const result = await done;
    expect(result.status).toBe('stopped');
    expect(result.content).toBe('one ');
    expect(deltas).toEqual(['one ']);
    expect(server.inFlight).toBe(0);
  });

  it('a handler that throws after cancel reports ABORTED', async () => {
    connect(
      makeHandlers({
        'conversations.list': (_params, { signal }) =>
          new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('stopped')))),
      }),
    );
    const controller = new AbortController();
    const call = client.call('conversations.list', {}, { signal: controller.signal });
    setTimeout(() => controller.abort(), 5);
    await expect(call).rejects.toMatchObject({ code: 'ABORTED' });
  });

  it('keeps many concurrent calls apart', async () => {
    connect(
      makeHandlers({
        'conversations.rename': async ({ id, title }) => {
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 20));
          return conversation(id, title);
        },
      }),
    );
    const calls = Array.from({ length: 50 }, (_, i) => client.call('conversations.rename', { id: `c${i}`, title: `T${i}` }));
    const results = await Promise.all(calls);
    results.forEach((result, i) => expect(result).toMatchObject({ id: `c${i}`, title: `T${i}` }));
    expect(client.pendingCount).toBe(0);
  });

  it('delivers push events to subscribers', async () => {
    connect();
    const seen: PushEvents[] = [];
    client.onPush((event) => seen.push(event));
    server.push({ type: 'onConversationsChanged' });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(seen).toEqual([{ type: 'onConversationsChanged' }]);
  });

  it('rejects pending calls with DISCONNECTED when the transport closes, and aborts the handlers', async () => {
    let handlerSignal: AbortSignal | undefined;
    connect(
      makeHandlers({
        'conversations.list': (_params, { signal }) => {
          handlerSignal = signal;
          return new Promise(() => {});
        },
      }),
    );
    const call = client.call('conversations.list', {});
    await new Promise((resolve) => setTimeout(resolve, 5));
    pair.close();
    await expect(call).rejects.toMatchObject({ code: 'DISCONNECTED' });
    expect(handlerSignal?.aborted).toBe(true);
    await expect(client.call('conversations.list', {})).rejects.toMatchObject({ code: 'DISCONNECTED' });
  });
});

describe('the order of answers', () => {
  it('answers a request whose handler answers at once before the next request that arrived with it runs', () => {
    // Two requests read from the socket together: the second's handler works for a while before its first await.
    const sent: unknown[] = [];
    let deliver: (message: unknown) => void = () => {};
    const transport = { send: (m: unknown) => void sent.push(m), onMessage: (listener: (m: unknown) => void) => ((deliver = listener), () => {}) };
    let answeredFirst: unknown[] = [];
    server = serveApp(
      transport,
      makeHandlers({
        'chat.measure': async () => {
          answeredFirst = [...sent];
          return { available: false, reason: 'noModel', contextSize: null };
        },
      }),
    );
    deliver({ t: 'req', id: 1, method: 'conversations.list', params: {} });
    deliver({ t: 'req', id: 2, method: 'chat.measure', params: { conversationId: 'c1', text: '' } });
    expect(answeredFirst).toEqual([expect.objectContaining({ t: 'res', id: 1, ok: true })]);
  });
});

describe('malformed messages', () => {
  it.each([
    ['a string', 'hello'],
    ['null', null],
    ['an array', [1, 2]],
    ['an unknown kind', { t: 'bogus', id: 1 }],
    ['a request without method', { t: 'req', id: 7 }],
    ['a negative id', { t: 'req', id: -1, method: 'conversations.list' }],
    ['a fractional id', { t: 'req', id: 1.5, method: 'conversations.list' }],
  ])('%s gets a typed error and the connection stays usable', async (_name, raw) => {
    connect();
    const replies = await rawExchange(raw);
    expect(replies).toHaveLength(1);
    expect(replies[0]).toMatchObject({ error: { code: 'BAD_REQUEST' } });
    await expect(client.call('conversations.list', {})).resolves.toHaveLength(1);
  });

  it('an unknown method gets UNKNOWN_METHOD, including prototype names', async () => {
    connect();
    for (const method of ['nope', '__proto__', 'constructor', 'toString']) {
      const replies = await rawExchange({ t: 'req', id: 9, method, params: {} });
      expect(replies[0]).toMatchObject({ t: 'res', id: 9, ok: false, error: { code: 'UNKNOWN_METHOD' } });
    }
  });

  it('a reused in-flight id is refused without disturbing the first request', async () => {
    connect(
      makeHandlers({
        'conversations.list': async () => {
          await new Promise((resolve) => setTimeout(resolve, 30));
          return [conversation('slow')];
        },
      }),
    );
    const received: unknown[] = [];
    pair.client.onMessage((m) => received.push(m));
    pair.client.send({ t: 'req', id: 5, method: 'conversations.list', params: {} });
    pair.client.send({ t: 'req', id: 5, method: 'conversations.list', params: {} });
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(received).toEqual([
      { t: 'res', id: 5, ok: false, error: { code: 'BAD_REQUEST', message: 'Request id 5 is already in use.' } },
      { t: 'res', id: 5, ok: true, result: [conversation('slow')] },
    ]);
  });

  it('the client ignores garbage from the server and reports it', async () => {
    connect();
    const errors: RpcError[] = [];
    client.onProtocolError((error) => errors.push(error));
    pair.server.send({ t: 'res', id: 'x' });
    pair.server.send({ t: 'err', error: { code: 'BAD_REQUEST', message: 'you sent junk' } });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(errors.map((e) => e.message)).toEqual([
      'The server sent a message that does not match the protocol.',
      'you sent junk',
    ]);
    await expect(client.call('conversations.list', {})).resolves.toHaveLength(1);
  });
});
