import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RemoteServer } from '../../../../../src-main/common/types';
import type { GenerateRequest } from '../../../../../src-main/node/engine/port';
import { RemoteEngine } from '../../../../../src-main/node/engine/remote/remote-engine';
import { RemoteFailure } from '../../../../../src-main/node/engine/remote/remote-http';
import { probeRemote } from '../../../../../src-main/node/engine/remote/remote-models';
import { ScriptedEngine } from '../../../../support/scripted-engine';
import { startHarness, tempDataDir } from '../../host/compose-harness';

// Every way a remote server can fail, from a small loopback server of the test's own: each failure ends in words,
// within the (small, for the test) timeouts, and keeps what was streamed before it. Never a hang.

type Behaviour = (request: http.IncomingMessage, response: http.ServerResponse, body: unknown) => void;

let behaviour: Behaviour = (_request, response) => response.end();
/** What the server received, in order. */
const received: Array<{ path: string; authorization: string | undefined; body: unknown }> = [];
/** Resolves when the current request's connection closes (the engine hung up). */
let closed: Promise<void> = Promise.resolve();
let server: http.Server;
let baseUrl: string;

beforeAll(async () => {
  server = http.createServer((request, response) => {
    let text = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (text += chunk));
    closed = new Promise((resolve) => response.on('close', resolve));
    request.on('end', () => {
      const body: unknown = text ? JSON.parse(text) : null;
      received.push({ path: request.url ?? '', authorization: request.headers.authorization, body });
      behaviour(request, response, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

afterEach(() => {
  received.length = 0;
});

const TIMEOUTS = { responseMs: 400, idleMs: 250 };
const record = (): RemoteServer => ({
  id: 'faulty',
  name: 'Faulty',
  baseUrl,
  model: 'big-model',
  contextLength: 8192,
  contextReported: false,
  hasKey: true,
});
const engine = (): RemoteEngine => new RemoteEngine(record(), { apiKey: () => 'sk-test', timeouts: TIMEOUTS });
const ask: GenerateRequest = { turns: [{ role: 'user', content: 'Hello' }], settings: { temperature: 0.5, maxTokens: 64 } };

/** An SSE line with a chunk holding `text`. */
const chunk = (text: string, finish: string | null = null): string =>
  `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: text }, finish_reason: finish }] })}\n\n`;
const streamHead = (response: http.ServerResponse): void => {
  response.writeHead(200, { 'Content-Type': 'text/event-stream' });
};
const jsonError = (status: number, message: string, headers: Record<string, string> = {}): Behaviour => (_q, response) => {
  response.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  response.end(JSON.stringify({ error: { message, type: 'x', code: null } }));
};

/** Generate, collecting the pieces; resolves with them and the failure (if any). */
async function run(target = engine(), signal?: AbortSignal) {
  const pieces: string[] = [];
  const started = performance.now();
  try {
    const result = await target.generate(ask, { onText: (text) => pieces.push(text), ...(signal ? { signal } : {}) });
    return { pieces, result, failure: null, ms: performance.now() - started };
  } catch (error) {
    return { pieces, result: null, failure: error as RemoteFailure, ms: performance.now() - started };
  }
}

describe('the remote engine against a faulty server', () => {
  it('streams a reply, sending only standard fields and the key as a bearer token', async () => {
    behaviour = (_q, response) => {
      streamHead(response);
      response.write(chunk('Hel'));
      response.write(chunk('lo!'));
      response.write(chunk('', 'stop'));
      response.write(`data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 11, completion_tokens: 2 } })}\n\n`);
      response.end('data: [DONE]\n\n');
    };
    const { pieces, result } = await run();
    expect(pieces).toEqual(['Hel', 'lo!']);
    expect(result).toMatchObject({ text: 'Hello!', stopReason: 'eos', stats: { promptTokens: 11, generatedTokens: 2 } });
    expect(received).toEqual([
      {
        path: '/v1/chat/completions',
        authorization: 'Bearer sk-test',
        body: {
          model: 'big-model',
          messages: [{ role: 'user', content: 'Hello' }],
          temperature: 0.5,
          top_p: 0.9,
          max_tokens: 64,
          stream: true,
          stream_options: { include_usage: true },
        },
      },
    ]);
  });

  it('reads a whole JSON reply when the server does not stream', async () => {
    behaviour = (_q, response) => {
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ choices: [{ message: { role: 'assistant', content: 'All at once.' }, finish_reason: 'length' }] }));
    };
    const { pieces, result } = await run();
    expect(pieces).toEqual(['All at once.']);
    expect(result).toMatchObject({ text: 'All at once.', stopReason: 'maxTokens' });
  });

  it('says the key was refused (401, 403), with the server’s own words', async () => {
    for (const status of [401, 403]) {
      behaviour = jsonError(status, 'Invalid API key provided');
      const { failure } = await run();
      expect(failure).toBeInstanceOf(RemoteFailure);
      expect(failure).toMatchObject({ reason: 'UNAUTHORIZED', code: 'GENERATION_FAILED' });
      expect(failure?.message).toMatch(new RegExp(`^Faulty refused the API key \\(${status} .*\\)\\. Check the key in Settings → Models\\.`));
      expect(failure?.message).toContain('“Invalid API key provided”');
    }
  });

  it('names a missing model (404), a rate limit (429, with its Retry-After) and a server error (500)', async () => {
    behaviour = (_q, response) => {
      response.writeHead(404, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ error: "model 'big-model' not found" })); // Ollama's shape
    };
    let { failure } = await run();
    expect(failure).toMatchObject({ reason: 'NOT_FOUND' });
    expect(failure?.message).toContain("“model 'big-model' not found”");

    behaviour = jsonError(429, 'Slow down', { 'Retry-After': '7' });
    ({ failure } = await run());
    expect(failure).toMatchObject({ reason: 'RATE_LIMITED' });
    expect(failure?.message).toContain('try again in 7 s');

    behaviour = (_q, response) => {
      response.writeHead(500, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ detail: 'CUDA out of memory' })); // FastAPI's shape (vLLM)
    };
    ({ failure } = await run());
    expect(failure).toMatchObject({ reason: 'SERVER_ERROR' });
    expect(failure?.message).toBe('Faulty failed with a server error (500 Internal Server Error). It said: “CUDA out of memory”');
  });

  it('gives up on a server that never answers, and on a stream that stalls, keeping what came', async () => {
    behaviour = () => undefined; // never answers
    let outcome = await run();
    expect(outcome.failure).toMatchObject({ reason: 'TIMEOUT' });
    expect(outcome.failure?.message).toBe('Faulty did not answer within 400 ms. Is the server overloaded, or still loading the model?');
    expect(outcome.ms).toBeLessThan(3000);
    await closed; // and it hung up

    behaviour = (_q, response) => {
      streamHead(response);
      response.write(chunk('Half a '));
      response.write(chunk('sentence'));
      // …and nothing more, the connection left open
    };
    outcome = await run();
    expect(outcome.pieces).toEqual(['Half a ', 'sentence']);
    expect(outcome.failure).toMatchObject({ reason: 'TIMEOUT' });
    expect(outcome.failure?.message).toBe(
      'Faulty stopped sending in the middle of the reply (nothing for 250 ms); the text so far is kept.',
    );
    await closed;
  });

  it('finishes a slow trickle that never pauses for long, however long it takes in all', async () => {
    behaviour = (_q, response) => {
      streamHead(response);
      let sent = 0;
      const timer = setInterval(() => {
        sent += 1;
        if (sent <= 8) response.write(chunk(`${sent} `));
        else {
          clearInterval(timer);
          response.end(`${chunk('', 'stop')}data: [DONE]\n\n`);
        }
      }, 100);
    };
    const { pieces, result, failure, ms } = await run();
    expect(failure).toBeNull();
    expect(pieces.join('')).toBe('1 2 3 4 5 6 7 8 ');
    expect(result?.stopReason).toBe('eos');
    expect(ms).toBeGreaterThan(TIMEOUTS.responseMs); // longer than the answer timeout: only silence counts
  });

  it('says a malformed chunk, an error event, or a cut stream broke the reply, keeping what came before', async () => {
    behaviour = (_q, response) => {
      streamHead(response);
      response.write(chunk('Fine so far'));
      response.end('data: {"choices": [{"delta": {"content": "broken\n\n');
    };
    let outcome = await run();
    expect(outcome.pieces).toEqual(['Fine so far']);
    expect(outcome.failure).toMatchObject({ reason: 'BAD_RESPONSE' });
    expect(outcome.failure?.message).toMatch(/^Faulty sent a malformed answer \(a chunk is not JSON: .*\); the text so far is kept\.$/);

    behaviour = (_q, response) => {
      streamHead(response);
      response.write(chunk('Before '));
      response.end(`data: ${JSON.stringify({ error: { message: 'the GPU fell off the bus' } })}\n\n`);
    };
    outcome = await run();
    expect(outcome.pieces).toEqual(['Before ']);
    expect(outcome.failure?.message).toBe('Faulty stopped the reply with an error: “the GPU fell off the bus”');

    behaviour = (_q, response) => {
      streamHead(response);
      response.end(chunk('Cut off'));
    };
    outcome = await run();
    expect(outcome.pieces).toEqual(['Cut off']);
    expect(outcome.failure).toMatchObject({ reason: 'BAD_RESPONSE' });
    expect(outcome.failure?.message).toBe('The stream from Faulty ended before the reply was complete; the text so far is kept.');
  });

  it('says when nothing listens at the address', async () => {
    const closedServer = http.createServer();
    await new Promise<void>((resolve) => closedServer.listen(0, '127.0.0.1', resolve));
    const port = (closedServer.address() as AddressInfo).port;
    await new Promise((resolve) => closedServer.close(resolve));
    const nowhere = new RemoteEngine({ ...record(), baseUrl: `http://127.0.0.1:${port}/v1` }, { apiKey: () => null, timeouts: TIMEOUTS });
    const { failure } = await run(nowhere);
    expect(failure).toMatchObject({ reason: 'UNREACHABLE' });
    expect(failure?.message).toBe(`Could not reach Faulty at http://127.0.0.1:${port}/v1: nothing is listening at that address (is the server running?).`);
  });

  it('Stop closes the HTTP request at once and keeps the text so far', async () => {
    behaviour = (_q, response) => {
      streamHead(response);
      const timer = setInterval(() => response.write(chunk('word ')), 20);
      response.on('close', () => clearInterval(timer));
    };
    const controller = new AbortController();
    const pieces: string[] = [];
    const result = await engine().generate(ask, {
      signal: controller.signal,
      onText: (text) => {
        pieces.push(text);
        if (pieces.length === 3) controller.abort();
      },
    });
    expect(result).toMatchObject({ text: 'word word word ', stopReason: 'aborted' });
    await closed; // the server saw the connection close
  });

  it('"Test connection" reports each failure as a result in words, never throws', async () => {
    const target = { name: 'The server', baseUrl, apiKey: 'sk-test' };
    behaviour = jsonError(401, 'no');
    expect(await probeRemote(target, 400)).toMatchObject({ ok: false, reason: 'UNAUTHORIZED' });
    behaviour = (_q, response) => response.end('<html>Welcome to nginx</html>');
    expect(await probeRemote(target, 400)).toMatchObject({ ok: false, reason: 'BAD_RESPONSE' });
    behaviour = () => undefined;
    expect(await probeRemote(target, 300)).toMatchObject({ ok: false, reason: 'TIMEOUT' });
    await closed;
    behaviour = (_q, response) => {
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end(
        JSON.stringify({
          object: 'list',
          data: [
            { id: 'qwen', object: 'model', max_model_len: 32768 },
            { id: 'llama', object: 'model', meta: { n_ctx_train: 8192 } },
            { id: 'mistral', object: 'model' },
          ],
        }),
      );
    };
    expect(await probeRemote(target, 400)).toEqual({
      ok: true,
      models: [
        { id: 'llama', contextLength: 8192 },
        { id: 'mistral', contextLength: null },
        { id: 'qwen', contextLength: 32768 },
      ],
    });
    expect(received.at(-1)).toMatchObject({ path: '/v1/models', authorization: 'Bearer sk-test' });
  });
});

describe('a remote failure in a conversation', () => {
  it('keeps the user’s message and the text streamed, and says why the reply ended', async () => {
    const folder = tempDataDir();
    const harness = startHarness(folder.dir, new ScriptedEngine(), { openai: { remoteTimeouts: TIMEOUTS } });
    try {
      const saved = await harness.client.call('remote.save', {
        name: 'Faulty',
        baseUrl,
        model: 'big-model',
        contextLength: 4096,
        contextReported: false,
      });
      expect(saved.hasKey).toBe(false);
      const conversation = await harness.client.call('conversations.create', { engine: saved.id });
      behaviour = (_q, response) => {
        streamHead(response);
        response.write(chunk('The first half'));
      };
      await expect(
        harness.client.call('chat.send', { conversationId: conversation.id, text: 'A question I typed with care' }),
      ).rejects.toMatchObject({ code: 'ENGINE_FAILED', message: expect.stringContaining('Faulty stopped sending') as unknown });
      const view = await harness.client.call('conversations.get', { id: conversation.id });
      expect(view.messages).toMatchObject([
        { role: 'user', content: 'A question I typed with care', status: 'complete' },
        { role: 'assistant', content: 'The first half', status: 'error', error: expect.stringContaining('the text so far is kept') as unknown },
      ]);
      // No key was sent: none is stored for this server.
      expect(received.at(-1)?.authorization).toBeUndefined();
    } finally {
      await harness.close();
      folder.remove();
    }
  });
});
