import http from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalApiStatus } from '../../../../src-main/common/types';
import { LlamaEngine } from '../../../../src-main/node/engine/llama-engine';
import type { ChatEngine, GenerateResult } from '../../../../src-main/node/engine/port';
import { getTinyModelPath } from '../../../fixtures/models';
import { startHarness, tempDataDir, type Harness } from '../host/compose-harness';
import { enableLocalApi } from './support/local-api-helpers';

// The local API with the official `openai` client, as other programs use it, against the whole app (real store,
// the real engine on the tiny synthetic Phi-2, random weights): assertions are about the protocol, determinism and
// what the app records, never particular words.

/** The engine, recording how each reply ended (the API only says what the client saw). */
function recording(engine: ChatEngine): { engine: ChatEngine; results: GenerateResult[] } {
  const results: GenerateResult[] = [];
  return {
    results,
    engine: {
      status: () => engine.status(),
      onStatus: (listener) => engine.onStatus(listener),
      load: (path, options) => engine.load(path, options),
      generate: async (request, options) => {
        const result = await engine.generate(request, options);
        results.push(result);
        return result;
      },
      prefill: (request, options) => engine.prefill(request, options),
      measure: (request) => engine.measure(request),
      dispose: (options) => engine.dispose(options),
    },
  };
}

/** A raw HTTP request (for what the client library would never send: a wrong Host, a broken body). */
function rawRequest(
  url: string,
  options: { method: string; headers: Record<string, string>; body?: string },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: options.method, headers: options.headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
    request.end(options.body);
  });
}

let data: ReturnType<typeof tempDataDir>;
let harness: Harness;
let recorder: ReturnType<typeof recording>;
let status: LocalApiStatus;
let client: OpenAI;
let modelName: string;

beforeAll(async () => {
  data = tempDataDir();
  const engine = new LlamaEngine({ threads: 2 });
  await engine.load(await getTinyModelPath());
  modelName = engine.status().modelName ?? '';
  recorder = recording(engine);
  harness = startHarness(data.dir, recorder.engine, { openai: { localApiPort: 0 } });
  status = await enableLocalApi(harness);
  client = new OpenAI({ baseURL: status.url ?? '', apiKey: status.key ?? '', maxRetries: 0, timeout: 60_000 });
});

afterAll(async () => {
  await harness?.close();
  data?.remove();
});

const hello = [{ role: 'user' as const, content: 'Hello there' }];

describe('the local API with the official openai client and the real engine', () => {
  it('runs on 127.0.0.1 with a generated key, and lists the loaded model with its context window', async () => {
    expect(status).toMatchObject({ state: 'running', requestsServed: 0 });
    expect(status.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    expect(status.key).toMatch(/^phd-[A-Za-z0-9_-]{43}$/);
    const models = [];
    for await (const model of client.models.list()) models.push(model);
    expect(models).toEqual([
      expect.objectContaining({ id: modelName, object: 'model', owned_by: 'phi-desk', context_length: 2048 }),
    ]);
  });

  it('answers whole and streamed alike: the same greedy text, usage, and a finish reason', async () => {
    const whole = await client.chat.completions.create({ model: 'anything', messages: hello, temperature: 0, max_tokens: 12 });
    expect(whole.object).toBe('chat.completion');
    expect(whole.model).toBe(modelName);
    const [choice] = whole.choices;
    expect(choice?.message.role).toBe('assistant');
    expect(['stop', 'length']).toContain(choice?.finish_reason);
    expect(whole.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(whole.usage?.completion_tokens).toBeLessThanOrEqual(12);
    expect(whole.usage?.total_tokens).toBe((whole.usage?.prompt_tokens ?? 0) + (whole.usage?.completion_tokens ?? 0));

    const stream = await client.chat.completions.create({
      model: 'anything',
      messages: hello,
      temperature: 0,
      max_tokens: 12,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant');
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe(choice?.message.content);
    const finishes = chunks.filter((chunk) => chunk.choices[0]?.finish_reason);
    expect(finishes.map((chunk) => chunk.choices[0]?.finish_reason)).toEqual([choice?.finish_reason]);
    // The usage chunk comes last, with no choices, and counts what the whole reply counted.
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage).toEqual(whole.usage);
    expect(chunks.slice(0, -1).every((chunk) => !chunk.usage)).toBe(true);

    // Without include_usage, no usage chunk.
    const plain = await client.chat.completions.create({ model: 'x', messages: hello, temperature: 0, max_tokens: 4, stream: true });
    const plainChunks = [];
    for await (const chunk of plain) plainChunks.push(chunk);
    expect(plainChunks.every((chunk) => !chunk.usage && chunk.choices.length === 1)).toBe(true);
  });

  it('takes temperature, top_p, seed and max_tokens: a seed reproduces a sampled reply, max_tokens caps it', async () => {
    const sampled = () =>
      client.chat.completions.create({ model: 'x', messages: hello, temperature: 1, top_p: 0.95, seed: 1234, max_tokens: 16 });
    const [first, second] = [await sampled(), await sampled()];
    expect(second.choices[0]?.message.content).toBe(first.choices[0]?.message.content);
    const request = recorder.results.length;
    const short = await client.chat.completions.create({ model: 'x', messages: hello, temperature: 1, max_tokens: 3 });
    expect(short.usage?.completion_tokens).toBeLessThanOrEqual(3);
    expect(recorder.results.length).toBe(request + 1);
  });

  it('cuts the reply at a stop sequence of the request and says it stopped', async () => {
    const greedy = await client.chat.completions.create({ model: 'x', messages: hello, temperature: 0, max_tokens: 24 });
    const full = greedy.choices[0]?.message.content ?? '';
    expect(full.length).toBeGreaterThan(8);
    const stop = full.slice(5, 8);
    const cut = await client.chat.completions.create({ model: 'x', messages: hello, temperature: 0, max_tokens: 24, stop: [stop] });
    expect(cut.choices[0]?.message.content).toBe(full.slice(0, full.indexOf(stop)));
    expect(cut.choices[0]?.finish_reason).toBe('stop');
  });

  it('stops generating when the client goes away mid-stream', async () => {
    const before = recorder.results.length;
    const stream = await client.chat.completions.create({
      model: 'x',
      messages: [{ role: 'user', content: 'Write a long essay.' }],
      temperature: 1,
      max_tokens: 1500,
      stream: true,
    });
    let pieces = 0;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) pieces += 1;
      if (pieces === 3) stream.controller.abort();
    }
    await expect.poll(() => recorder.results.length).toBe(before + 1);
    const result = recorder.results.at(-1);
    expect(result?.stopReason).toBe('aborted');
    expect(result?.stats.generatedTokens).toBeLessThan(500);
    // The engine is free at once for the next request.
    const next = await client.chat.completions.create({ model: 'x', messages: hello, temperature: 0, max_tokens: 2 });
    expect(next.choices).toHaveLength(1);
  });

  it('refuses a request without the key, or with a wrong one, with 401 in OpenAI’s shape', async () => {
    const wrong = new OpenAI({ baseURL: status.url ?? '', apiKey: 'phd-wrong', maxRetries: 0 });
    const error = await wrong.chat.completions.create({ model: 'x', messages: hello }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((error as InstanceType<typeof OpenAI.AuthenticationError>).status).toBe(401);
    expect((error as Error).message).toContain('Settings → Local API');
    await expect(wrong.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    const bare = await rawRequest(`${status.url}/models`, { method: 'GET', headers: {} });
    expect(bare.status).toBe(401);
    expect(JSON.parse(bare.body)).toMatchObject({ error: { type: 'invalid_request_error', code: 'invalid_api_key' } });
    await expect.poll(() => harness.app.localApi.status().lastError?.message).toMatch(/^401: Missing or wrong API key/);
  });

  it('refuses a bad body with 400 naming the problem, and nothing reaches the engine', async () => {
    const before = recorder.results.length;
    const refused = async (body: Record<string, unknown>): Promise<string> => {
      const error = await client.chat.completions
        .create({ model: 'x', messages: hello, ...body } as never)
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(OpenAI.BadRequestError);
      return (error as Error).message;
    };
    expect(await refused({ temperature: 5 })).toMatch(/temperature/);
    expect(await refused({ messages: [{ role: 'system', content: 'Be brief.' }] })).toMatch(/"user" message/);
    expect(await refused({ messages: [{ role: 'tool', content: 'x', tool_call_id: 'a' }] })).toMatch(/calls no tools/);
    expect(await refused({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }] })).toMatch(
      /only text parts/,
    );
    expect(await refused({ n: 2 })).toMatch(/only n = 1/);
    const notJson = await rawRequest(`${status.url}/chat/completions`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${status.key}`, 'Content-Type': 'application/json' },
      body: '{"messages": [',
    });
    expect(notJson.status).toBe(400);
    expect(JSON.parse(notJson.body)).toMatchObject({ error: { code: 'invalid_json' } });
    expect(recorder.results.length).toBe(before);
  });

  it('answers an oversized body with 413 without reading it, and a wrong Host with 421', async () => {
    const huge = await rawRequest(`${status.url}/chat/completions`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${status.key}`, 'Content-Type': 'application/json', 'Content-Length': String(50e6) },
    }).catch((error: unknown) => ({ status: -1, body: String(error) }));
    expect(huge.status).toBe(413);
    expect(JSON.parse(huge.body)).toMatchObject({ error: { code: 'request_too_large' } });
    const rebinding = await rawRequest(`${status.url}/models`, {
      method: 'GET',
      headers: { Authorization: `Bearer ${status.key}`, Host: 'evil.example:80' },
    });
    expect(rebinding.status).toBe(421);
  });

  it('counts the requests served, keeps API exchanges in the history only when asked, and a new key replaces the old', async () => {
    const served = harness.app.localApi.status().requestsServed;
    expect(served).toBeGreaterThan(5);
    const conversations = async () => (await harness.client.call('conversations.list', {})).filter((c) => c.title.startsWith('API · '));
    expect(await conversations()).toEqual([]);

    await harness.client.call('settings.update', { patch: { localApiSaveHistory: true } });
    const reply = await client.chat.completions.create({
      model: 'x',
      messages: [
        { role: 'system', content: 'Answer briefly.' },
        { role: 'user', content: 'What is a llama?' },
        { role: 'assistant', content: 'An animal.' },
        { role: 'user', content: 'Where does it live?' },
      ],
      temperature: 0,
      max_tokens: 6,
    });
    const [saved] = await conversations();
    expect(saved).toMatchObject({ title: 'API · Where does it live?', systemPrompt: 'Answer briefly.', model: modelName, engine: null });
    const detail = await harness.client.call('conversations.get', { id: saved?.id ?? '' });
    expect(detail.messages.map((message) => [message.role, message.content])).toEqual([
      ['user', 'What is a llama?'],
      ['assistant', 'An animal.'],
      ['user', 'Where does it live?'],
      ['assistant', reply.choices[0]?.message.content],
    ]);
    expect(detail.messages.at(-1)?.stats).toMatchObject({ model: modelName, generatedTokens: reply.usage?.completion_tokens });
    await harness.client.call('settings.update', { patch: { localApiSaveHistory: false } });
    expect(harness.app.localApi.status().requestsServed).toBe(served + 1);

    const renewed = await harness.client.call('api.regenerateKey', {});
    expect(renewed.key).not.toBe(status.key);
    await expect(client.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    const fresh = new OpenAI({ baseURL: renewed.url ?? '', apiKey: renewed.key ?? '', maxRetries: 0 });
    expect((await fresh.models.list()).data).toHaveLength(1);
    client = fresh;
  });

  it('stops when turned off, and says in words when its port is taken', async () => {
    const blocker = http.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const busyPort = (blocker.address() as AddressInfo).port;
    const other = tempDataDir();
    const second = startHarness(other.dir, new LlamaEngine(), { openai: { localApiPort: busyPort } });
    try {
      await second.client.call('settings.update', { patch: { localApiEnabled: true } });
      await expect.poll(() => second.app.localApi.status().state).toBe('failed');
      const failed = await second.client.call('api.getStatus', {});
      expect(failed.lastError?.message).toBe(
        `Port ${busyPort} on 127.0.0.1 is already in use by another program. Choose another port for the local API.`,
      );
      expect(second.pushes).toContainEqual({ type: 'onApiStatus', status: expect.objectContaining({ state: 'failed' }) as unknown });
    } finally {
      await second.close();
      other.remove();
      blocker.close();
    }

    await harness.client.call('settings.update', { patch: { localApiEnabled: false } });
    await expect.poll(() => harness.app.localApi.status().state).toBe('off');
    await expect(client.models.list()).rejects.toBeInstanceOf(OpenAI.APIConnectionError);
    status = await enableLocalApi(harness); // on again for any test after this one
    client = new OpenAI({ baseURL: status.url ?? '', apiKey: status.key ?? '', maxRetries: 0 });
  });
});

describe('the local API with no model loaded', () => {
  it('answers 503 in words, and lists no model', async () => {
    const folder = tempDataDir();
    const empty = startHarness(folder.dir, new LlamaEngine(), { openai: { localApiPort: 0 } });
    try {
      const running = await enableLocalApi(empty);
      const noModel = new OpenAI({ baseURL: running.url ?? '', apiKey: running.key ?? '', maxRetries: 0 });
      const error = await noModel.chat.completions.create({ model: 'x', messages: hello }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(OpenAI.InternalServerError);
      expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
      expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe('model_not_loaded');
      expect((error as Error).message).toContain('No model is loaded in Phi Desk');
      expect((await noModel.models.list()).data).toEqual([]);
    } finally {
      await empty.close();
      folder.remove();
    }
  });
});
