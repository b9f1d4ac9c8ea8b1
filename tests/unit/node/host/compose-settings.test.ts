import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MethodName } from '../../../../src-main/common/contract';
import type { MethodInput } from '../../../../src-main/common/schemas';
import { ScriptedEngine } from '../../../support/scripted-engine';
import { collectChat, send, startHarness, tempDataDir, type Harness } from './compose-harness';

/**
 * Settings, conversation options and what reaches the engine, over the contract: app settings and their validation,
 * conversation overrides over app defaults, the context window reported in messages, and the input schemas of every
 * new method.
 */

let data: ReturnType<typeof tempDataDir>;
let engine: ScriptedEngine;
let harness: Harness;

function boot(options: ConstructorParameters<typeof ScriptedEngine>[0] = {}): void {
  engine = new ScriptedEngine({ initialModelPath: path.join(data.dir, 'phi-2.Q4_K_M.gguf'), reply: 'ok', ...options });
  harness = startHarness(data.dir, engine);
}

beforeEach(() => {
  data = tempDataDir();
  boot();
});

afterEach(async () => {
  await harness.close();
  data.remove();
});

describe('settings over the contract', () => {
  it('settings.get has the defaults; settings.update changes some, returns all, pushes onSettingsChanged and persists', async () => {
    const { client } = harness;
    const defaults = await client.call('settings.get', {});
    expect(defaults).toMatchObject({ theme: 'system', sendShortcut: 'enter', defaultSystemPrompt: '', dailyBackups: true, modelPath: null });
    const updated = await client.call('settings.update', { patch: { theme: 'dark', defaultSystemPrompt: 'Be kind.' } });
    expect(updated).toEqual({ ...defaults, theme: 'dark', defaultSystemPrompt: 'Be kind.' });
    await expect.poll(() => harness.pushes).toContainEqual({ type: 'onSettingsChanged', settings: updated });

    await harness.close();
    boot();
    expect(await harness.client.call('settings.get', {})).toEqual(updated);
  });

  it('rejects invalid settings with BAD_REQUEST naming the field, changes nothing, and the connection stays usable', async () => {
    const { client } = harness;
    const before = await client.call('settings.get', {});
    const bad: unknown[] = [
      { patch: { theme: 'neon' } },
      { patch: { defaultGeneration: { ...before.defaultGeneration, temperature: 5 } } },
      { patch: { defaultGeneration: { temperature: 0.5 } } }, // the defaults are replaced whole
      { patch: { backupsToKeep: 0 } },
      { patch: { modelPath: '/tmp/x.gguf' } }, // chosen with models.useFile, never directly
      { patch: { unknown: true } },
      { theme: 'dark' },
    ];
    for (const params of bad) {
      const error = await client.call('settings.update', params as MethodInput['settings.update']).catch((e: unknown) => e);
      expect(error, JSON.stringify(params)).toMatchObject({ code: 'BAD_REQUEST' });
    }
    const temperature = await client
      .call('settings.update', { patch: { defaultGeneration: { ...before.defaultGeneration, temperature: 5 } } })
      .catch((e: unknown) => e);
    expect(String((temperature as Error).message)).toMatch(/temperature/);
    expect(await client.call('settings.get', {})).toEqual(before);
    expect(harness.pushes.filter((p) => p.type === 'onSettingsChanged')).toEqual([]);
  });
});

describe('conversation options and the engine request', () => {
  it('system prompt and sampling reach the engine: conversation overrides over the app defaults, seed null omitted', async () => {
    const { client } = harness;
    const defaults = await client.call('settings.get', {});
    await client.call('settings.update', {
      patch: {
        defaultSystemPrompt: 'You are Phi Desk.',
        defaultGeneration: { ...defaults.defaultGeneration, temperature: 0.3, maxTokens: 100, seed: null },
      },
    });
    const conversation = await client.call('conversations.create', {});
    await send(client, conversation.id, 'hello');
    expect(engine.requests.at(-1)?.systemPrompt).toBe('You are Phi Desk.');
    expect(engine.requests.at(-1)?.settings).toEqual({ temperature: 0.3, topP: 0.9, topK: 40, repeatPenalty: 1.1, maxTokens: 100 });

    const updated = await client.call('conversations.update', {
      id: conversation.id,
      systemPrompt: 'Answer in French.',
      generation: { topK: 5, seed: 42 },
    });
    expect(updated).toMatchObject({ systemPrompt: 'Answer in French.', generation: { topK: 5, seed: 42 } });
    await send(client, conversation.id, 'again');
    expect(engine.requests.at(-1)).toMatchObject({
      systemPrompt: 'Answer in French.',
      settings: { temperature: 0.3, topP: 0.9, topK: 5, repeatPenalty: 1.1, maxTokens: 100, seed: 42 },
    });

    // null = the app default again; {} clears the overrides.
    await client.call('conversations.update', { id: conversation.id, systemPrompt: null, generation: {} });
    await send(client, conversation.id, 'third');
    expect(engine.requests.at(-1)?.systemPrompt).toBe('You are Phi Desk.');
    expect(engine.requests.at(-1)?.settings).not.toHaveProperty('seed');
    expect(engine.requests.at(-1)?.settings).toMatchObject({ topK: 40 });

    // An empty app default means no system prompt at all.
    await client.call('settings.update', { patch: { defaultSystemPrompt: '' } });
    await send(client, conversation.id, 'fourth');
    expect(engine.requests.at(-1)).not.toHaveProperty('systemPrompt');
  });

  it('maxTokens from the settings caps the reply', async () => {
    await harness.close();
    boot({ reply: 'one two three four five six seven eight nine ten', deltaChars: 4 });
    const { client } = harness;
    const conversation = await client.call('conversations.create', {});
    await client.call('conversations.update', { id: conversation.id, generation: { maxTokens: 3 } });
    const run = await send(client, conversation.id, 'count');
    expect(run.result).toMatchObject({ content: 'one two thre', stats: { stopReason: 'maxTokens', generatedTokens: 3 } });
  });

  it('conversations.update pins, archives and pushes onConversationsChanged; the list honours both', async () => {
    const { client } = harness;
    const a = await client.call('conversations.create', { title: 'A' });
    const b = await client.call('conversations.create', { title: 'B' });
    const c = await client.call('conversations.create', { title: 'C' });
    harness.pushes.length = 0;
    expect(await client.call('conversations.update', { id: a.id, pinned: true })).toMatchObject({ id: a.id, pinned: true });
    await client.call('conversations.update', { id: b.id, archived: true });
    await expect.poll(() => harness.pushes.filter((p) => p.type === 'onConversationsChanged').length).toBe(2);
    expect((await client.call('conversations.list', {})).map((x) => x.title)).toEqual(['A', 'C']);
    expect((await client.call('conversations.list', { archived: true })).map((x) => x.title)).toEqual(['B']);
    expect((await client.call('conversations.list', { archived: false })).map((x) => x.id)).toEqual([a.id, c.id]);
    await expect(client.call('conversations.update', { id: 'missing', pinned: true })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('stores the model that wrote the latest reply on the conversation', async () => {
    const { client } = harness;
    const conversation = await client.call('conversations.create', {});
    expect(conversation.model).toBeNull();
    await send(client, conversation.id, 'hello');
    const view = await client.call('conversations.get', { id: conversation.id });
    expect(view.conversation.model).toBe('phi-2.Q4_K_M.gguf');
  });
});

describe('the context window in messages', () => {
  it('emits onContext before the first delta and stores messagesInView/messagesDropped with the reply', async () => {
    await harness.close();
    // 120 tokens of context, 10 kept for the reply: about 440 characters of prompt.
    boot({ contextSize: 120, replyReserveTokens: 10 });
    const { client } = harness;
    const conversation = await client.call('conversations.create', {});
    const first = await send(client, conversation.id, 'x'.repeat(360));
    expect(first.events.map((e) => e.type)).toEqual(['onStarted', 'onContext', 'onDelta']);
    expect(first.events[1]).toMatchObject({ type: 'onContext', messageId: first.result.id, messagesInView: 1, messagesDropped: 0 });
    expect(first.result.stats).toMatchObject({ messagesInView: 1, messagesDropped: 0 });

    // A reply stopped before its first word: an empty message, which the engine never sees as a turn.
    const controller = new AbortController();
    await harness.close();
    boot({ contextSize: 120, replyReserveTokens: 10, deltaDelayMs: 200 });
    const stopped = await collectChat((onEvent) =>
      harness.client.call('chat.send', { conversationId: conversation.id, text: 'y'.repeat(40) }, {
        signal: controller.signal,
        onEvent: (event) => {
          onEvent(event);
          if (event.type === 'onContext') controller.abort();
        },
      }),
    );
    expect(stopped.result).toMatchObject({ status: 'stopped', content: '' });
    await harness.close();
    boot({ contextSize: 120, replyReserveTokens: 10 });

    // Branch: long user, ok, y…, (empty), z… — the engine drops the first exchange (2 turns = 2 messages) and keeps
    // 2 turns, which are 3 messages because of the empty reply between them.
    const third = await send(harness.client, conversation.id, 'z'.repeat(40));
    const context = third.events.find((e) => e.type === 'onContext');
    expect(context).toMatchObject({ messageId: third.result.id, messagesInView: 3, messagesDropped: 2 });
    expect(engine.requests.at(-1)?.turns.map((t) => t.content[0])).toEqual(['x', 'o', 'y', 'z']);
    expect(third.result.stats).toMatchObject({ messagesInView: 3, messagesDropped: 2 });
    expect(third.result.stats?.promptTokens).toBe(context?.type === 'onContext' ? context.promptTokens : -1);
    const stored = (await harness.client.call('conversations.get', { id: conversation.id })).messages.at(-1);
    expect(stored?.stats).toMatchObject({ messagesInView: 3, messagesDropped: 2 });
  });

  it('a message too long for the context window fails with CONTEXT_OVERFLOW; the user message is kept', async () => {
    await harness.close();
    boot({ contextSize: 64, replyReserveTokens: 10 });
    const { client } = harness;
    const conversation = await client.call('conversations.create', {});
    await expect(client.call('chat.send', { conversationId: conversation.id, text: 'w'.repeat(1000) })).rejects.toMatchObject({
      code: 'CONTEXT_OVERFLOW',
    });
    const view = await client.call('conversations.get', { id: conversation.id });
    expect(view.messages.map((m) => [m.role, m.status])).toEqual([
      ['user', 'complete'],
      ['assistant', 'error'],
    ]);
  });
});

describe('input validation of the new methods', () => {
  it('malformed params get BAD_REQUEST for each method, and the connection stays usable', async () => {
    const { client } = harness;
    const cases: Array<[MethodName, unknown]> = [
      ['app.getNotices', { extra: 1 }],
      ['app.dismissNotice', {}],
      ['app.dismissNotice', { id: 'has spaces' }],
      ['settings.get', { x: 1 }],
      ['settings.update', { patch: { sendShortcut: 'space' } }],
      ['conversations.list', { archived: 'yes' }],
      ['conversations.update', { id: 'c', pinned: 'true' }],
      ['conversations.update', { id: 'c', systemPrompt: 'x'.repeat(20_001) }],
      ['conversations.update', { id: 'c', generation: { topP: 2 } }],
      ['conversations.update', { id: 'c', title: 'no titles here' }],
      ['messages.page', { conversationId: 'c' }],
      ['messages.page', { conversationId: 'c', beforeSeq: -1 }],
      ['messages.page', { conversationId: 'c', beforeSeq: 10, limit: 501 }],
      ['messages.switchBranch', { messageId: 42 }],
      ['messages.deleteSubtree', {}],
      ['search.query', { query: 'x'.repeat(501) }],
      ['search.query', { query: 'x', limit: 0 }],
      ['search.query', { query: 'x', from: 'yesterday' }],
      ['search.reveal', { messageId: '' }],
      ['chat.edit', { messageId: 'm', text: '   ' }],
      ['chat.edit', { messageId: 'm' }],
      ['chat.regenerate', { messageId: 'm', text: 'x' }],
      ['chat.regenerate', null],
    ];
    for (const [method, params] of cases) {
      const error = await client.call(method, params as never).catch((e: unknown) => e);
      expect(error, `${method} ${JSON.stringify(params)?.slice(0, 80)}`).toMatchObject({ code: 'BAD_REQUEST' });
    }
    expect(await client.call('app.getNotices', {})).toEqual([]);
    expect(await client.call('search.query', { query: '' })).toEqual({ conversations: [], messages: [] });
    await expect(client.call('app.dismissNotice', { id: 'never-shown' })).resolves.toBeNull();
  });
});
