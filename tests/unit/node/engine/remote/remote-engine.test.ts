import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatSendEvents } from '../../../../../src-main/common/contract';
import type { RemoteServer } from '../../../../../src-main/common/types';
import { ScriptedEngine } from '../../../../support/scripted-engine';
import { getTinyModelPath } from '../../../../fixtures/models';
import { startHarness, tempDataDir, type Harness } from '../../host/compose-harness';
import { startLocalApiChild, type LocalApiChild } from '../../openai/support/local-api-child';

// The remote engine against Phi Desk's own local API in another process: real HTTP over loopback, the real engine
// (node-llama-cpp on the tiny synthetic Phi-2) on the far side. This side is the whole app with no local model at all
// (a scripted engine with nothing loaded), so every reply below can only have come from the server.

let child: LocalApiChild;
let data: ReturnType<typeof tempDataDir>;
let harness: Harness;
let server: RemoteServer;

beforeAll(async () => {
  child = await startLocalApiChild(await getTinyModelPath());
  data = tempDataDir();
  harness = startHarness(data.dir, new ScriptedEngine());
});

afterAll(async () => {
  await harness?.close();
  data?.remove();
  await child?.stop();
});

describe('a conversation on a remote server (Phi Desk’s local API in another process)', () => {
  it('tests the connection: the server’s models with their context window; a wrong key is refused in words', async () => {
    const probe = await harness.client.call('remote.probe', { baseUrl: `${child.url}/`, apiKey: child.key });
    expect(probe).toEqual({ ok: true, models: [{ id: child.model, contextLength: 2048 }] });
    const refused = await harness.client.call('remote.probe', { baseUrl: child.url, apiKey: 'phd-not-the-key' });
    expect(refused).toMatchObject({ ok: false, reason: 'UNAUTHORIZED' });
    expect(refused.ok ? '' : refused.message).toMatch(/refused the API key \(401/);
  });

  it('adds the server (its key kept apart), and a conversation on it streams its reply with the model recorded', async () => {
    server = await harness.client.call('remote.save', {
      name: 'Child',
      baseUrl: child.url,
      model: child.model,
      contextLength: 2048,
      contextReported: true,
      apiKey: child.key,
    });
    expect(server).toMatchObject({ name: 'Child', baseUrl: child.url, model: child.model, hasKey: true });
    const settings = await harness.client.call('settings.get', {});
    expect(settings.remoteServers).toEqual([server]);
    expect(JSON.stringify(settings)).not.toContain(child.key);

    const conversation = await harness.client.call('conversations.create', { engine: server.id });
    expect(conversation.engine).toBe(server.id);
    await harness.client.call('conversations.update', { id: conversation.id, generation: { temperature: 0, maxTokens: 16 } });
    const measure = await harness.client.call('chat.measure', { conversationId: conversation.id, text: 'Hello there' });
    expect(measure).toMatchObject({ available: true, contextSize: 2048, estimated: true, fits: true });

    const events: ChatSendEvents[] = [];
    const reply = await harness.client.call('chat.send', { conversationId: conversation.id, text: 'Hello there' }, {
      onEvent: (event) => events.push(event),
    });
    const deltas = events.flatMap((event) => (event.type === 'onDelta' ? [event.text] : []));
    expect(reply.status).toBe('complete');
    expect(reply.content).toBe(deltas.join(''));
    expect(reply.stats).toMatchObject({ model: `${child.model} · Child`, stopReason: expect.stringMatching(/^(eos|maxTokens)$/) as unknown });
    // The server's own token counts (stream_options.include_usage), not the estimate.
    expect(reply.stats?.generatedTokens).toBeLessThanOrEqual(16);
    expect(reply.stats?.promptTokens).toBeGreaterThan(0);
    expect(reply.stats?.promptTokens).toBeLessThan(measure.available ? measure.promptTokens : Infinity);
    const view = await harness.client.call('conversations.get', { id: conversation.id });
    expect(view.conversation.model).toBe(`${child.model} · Child`);

    // Greedy on the far side: asked again, the same text (the request carried the settings).
    const again = await harness.client.call('chat.regenerate', { messageId: reply.id });
    expect(again.content).toBe(reply.content);
  });

  it('Stop aborts the HTTP request and keeps the text streamed so far', async () => {
    const conversation = await harness.client.call('conversations.create', { engine: server.id });
    await harness.client.call('conversations.update', { id: conversation.id, generation: { temperature: 1, maxTokens: 1500 } });
    const controller = new AbortController();
    const deltas: string[] = [];
    const stopped = await harness.client.call('chat.send', { conversationId: conversation.id, text: 'Write a long essay.' }, {
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type !== 'onDelta') return;
        deltas.push(event.text);
        if (deltas.length === 3) controller.abort();
      },
    });
    expect(stopped.status).toBe('stopped');
    expect(stopped.content).toBe(deltas.join(''));
    expect(stopped.content.length).toBeGreaterThan(0);
    expect(stopped.stats?.stopReason).toBe('aborted');
    const stored = await harness.client.call('conversations.get', { id: conversation.id });
    expect(stored.messages.map((message) => [message.role, message.status])).toEqual([
      ['user', 'complete'],
      ['assistant', 'stopped'],
    ]);
    // The server was freed at once: the next reply comes while the aborted one would still be writing.
    const next = await harness.client.call('chat.send', { conversationId: conversation.id, text: 'Short, please.' });
    expect(next.status).toBe('complete');
  });

  it('a removed server: its conversations keep their messages and say so when asked to reply', async () => {
    const conversation = await harness.client.call('conversations.create', { engine: server.id });
    await harness.client.call('settings.update', { patch: { defaultEngine: server.id } });
    expect((await harness.client.call('conversations.create', {})).engine).toBe(server.id);
    await harness.client.call('remote.remove', { id: server.id });
    const settings = await harness.client.call('settings.get', {});
    expect(settings).toMatchObject({ remoteServers: [], defaultEngine: null });
    await expect(harness.client.call('chat.send', { conversationId: conversation.id, text: 'Still there?' })).rejects.toMatchObject({
      code: 'NO_MODEL',
      message: expect.stringContaining('was removed from Settings → Models') as unknown,
    });
    await expect(harness.client.call('conversations.update', { id: conversation.id, engine: server.id })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    await expect(harness.client.call('settings.update', { patch: { defaultEngine: server.id } })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    // Back on the local model (none is loaded here): the usual "no model".
    await harness.client.call('conversations.update', { id: conversation.id, engine: null });
    await expect(harness.client.call('chat.send', { conversationId: conversation.id, text: 'Hello?' })).rejects.toMatchObject({
      code: 'NO_MODEL',
      message: 'No model is loaded.',
    });
  });
});
