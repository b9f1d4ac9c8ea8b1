import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_MESSAGE_LENGTH, type MethodInput } from '../../../../src-main/common/schemas';
import { ScriptedEngine } from '../../../support/scripted-engine';
import { send, startHarness, tempDataDir, type Harness } from './compose-harness';

// `chat.prepare` over the real contract (schemas, RPC, in-memory transport) on the composed app: a real store on a
// SQLite file, the scripted engine recording every prefill.

let data: ReturnType<typeof tempDataDir>;
let engine: ScriptedEngine;
let harness: Harness;

beforeEach(() => {
  data = tempDataDir();
  engine = new ScriptedEngine({ initialModelPath: path.join(data.dir, 'phi-2.Q4_K_M.gguf'), reply: 'ok' });
  harness = startHarness(data.dir, engine);
});

afterEach(async () => {
  await harness.close();
  data.remove();
});

describe('chat.prepare over the contract', () => {
  it('prefills the draft as the conversation’s next message; the prepareWhileTyping setting turns it off', async () => {
    const { client } = harness;
    const conversation = await client.call('conversations.create', {});
    await send(client, conversation.id, 'Hello');
    expect(await client.call('chat.prepare', { conversationId: conversation.id, text: 'Tell me more' })).toEqual({ prepared: true });
    expect(engine.prefills.at(-1)).toMatchObject({
      cacheKey: conversation.id,
      turns: [
        { role: 'user', content: 'Hello' },
        { role: 'assistant', content: 'ok' },
        { role: 'user', content: 'Tell me more' },
      ],
    });
    expect(await client.call('settings.get', {})).toMatchObject({ prepareWhileTyping: true });

    const updated = await client.call('settings.update', { patch: { prepareWhileTyping: false } });
    expect(updated.prepareWhileTyping).toBe(false);
    const count = engine.prefills.length;
    expect(await client.call('chat.prepare', { conversationId: conversation.id, text: 'Tell me less' })).toEqual({ prepared: false });
    expect(engine.prefills).toHaveLength(count);
    // Nothing is stored by preparing.
    const detail = await client.call('conversations.get', { id: conversation.id });
    expect(detail.messages.map((message) => message.content)).toEqual(['Hello', 'ok']);
  });

  it('accepts an empty draft and one of exactly the longest message length', async () => {
    const { client } = harness;
    const conversation = await client.call('conversations.create', {});
    await expect(client.call('chat.prepare', { conversationId: conversation.id, text: '' })).resolves.toEqual({ prepared: true });
    await expect(
      client.call('chat.prepare', { conversationId: conversation.id, text: 'x'.repeat(MAX_MESSAGE_LENGTH) }),
    ).resolves.toEqual({ prepared: true });
    expect(engine.prefills.map((request) => request.turns.at(-1)?.content.length)).toEqual([0, MAX_MESSAGE_LENGTH]);
  });

  it('refuses malformed params with BAD_REQUEST before reaching the engine; NOT_FOUND for an unknown conversation', async () => {
    const { client } = harness;
    const conversation = await client.call('conversations.create', {});
    const bad: unknown[] = [
      { conversationId: conversation.id, text: 'x'.repeat(MAX_MESSAGE_LENGTH + 1) },
      { conversationId: 'has spaces', text: 'x' },
      { conversationId: '', text: 'x' },
      { conversationId: 'x'.repeat(65), text: 'x' },
      { conversationId: conversation.id },
      { conversationId: conversation.id, text: 42 },
      { conversationId: conversation.id, text: 'x', extra: true },
      { text: 'x' },
      null,
    ];
    for (const params of bad) {
      const error = await client.call('chat.prepare', params as MethodInput['chat.prepare']).catch((e: unknown) => e);
      expect(error, JSON.stringify(params)?.slice(0, 80)).toMatchObject({ code: 'BAD_REQUEST' });
    }
    const tooLong = await client
      .call('chat.prepare', { conversationId: conversation.id, text: 'x'.repeat(MAX_MESSAGE_LENGTH + 1) })
      .catch((e: unknown) => e);
    expect(tooLong).toMatchObject({ message: expect.stringContaining('1,000,000 characters') });
    await expect(client.call('chat.prepare', { conversationId: 'unknown-id', text: 'x' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    expect(engine.prefills).toEqual([]);
    // The connection stays usable.
    await expect(client.call('chat.prepare', { conversationId: conversation.id, text: 'fine' })).resolves.toEqual({ prepared: true });
  });
});
