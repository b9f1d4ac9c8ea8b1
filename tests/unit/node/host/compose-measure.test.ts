import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_MESSAGE_LENGTH, type MethodInput } from '../../../../src-main/common/schemas';
import { ScriptedEngine } from '../../../support/scripted-engine';
import { send, startHarness, tempDataDir, type Harness } from './compose-harness';

// `chat.measure` over the real contract (schemas, RPC, in-memory transport) on the composed app: a real store on a
// SQLite file, the scripted engine (4 characters a token) recording every measure.

let data: ReturnType<typeof tempDataDir>;
let engine: ScriptedEngine;
let harness: Harness;

beforeEach(() => {
  data = tempDataDir();
  engine = new ScriptedEngine({ initialModelPath: path.join(data.dir, 'phi-2.Q4_K_M.gguf'), reply: 'ok', contextSize: 300 });
  harness = startHarness(data.dir, engine);
});

afterEach(async () => {
  await harness.close();
  data.remove();
});

describe('chat.measure over the contract', () => {
  it('counts the open conversation’s next prompt with the draft, and a new chat’s', async () => {
    const { client } = harness;
    const conversation = await client.call('conversations.create', {});
    const { result: reply } = await send(client, conversation.id, 'Hello');
    // 'Instruct: Hello\nOutput: ok\nInstruct: Tell me more\nOutput:' is 57 characters: 15 tokens.
    expect(await client.call('chat.measure', { conversationId: conversation.id, text: 'Tell me more' })).toEqual({
      available: true,
      contextSize: 300,
      promptTokens: 15,
      exact: true,
      fits: true,
      promptBudget: 300 - 256,
      replyReserve: 256,
      maxReplyTokens: 512,
      replyTokens: 300 - 1 - 15,
      messagesInView: 2,
      messagesDropped: 0,
      afterMessageId: reply.id,
    });
    expect(await client.call('chat.measure', { conversationId: null, text: '' })).toMatchObject({
      available: true,
      promptTokens: Math.ceil('Instruct: \nOutput:'.length / 4),
      afterMessageId: null,
    });
    // Nothing is stored by measuring.
    const detail = await client.call('conversations.get', { id: conversation.id });
    expect(detail.messages.map((message) => message.content)).toEqual(['Hello', 'ok']);
  });

  it('accepts a draft of exactly the longest message length, and says it does not fit', async () => {
    const { client } = harness;
    const result = await client.call('chat.measure', { conversationId: null, text: 'x'.repeat(MAX_MESSAGE_LENGTH) });
    expect(result).toMatchObject({ available: true, fits: false, replyTokens: 0 });
    expect(result.available && result.promptTokens - result.promptBudget).toBeGreaterThan(200_000);
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
      { text: 'x' }, // a new chat says so: conversationId null
      { conversationId: 7, text: 'x' },
      { conversationId: conversation.id, text: 42 },
      { conversationId: conversation.id, text: 'x', stillTyping: true },
      null,
      'x',
    ];
    for (const params of bad) {
      const error = await client.call('chat.measure', params as MethodInput['chat.measure']).catch((e: unknown) => e);
      expect(error, JSON.stringify(params)?.slice(0, 80)).toMatchObject({ code: 'BAD_REQUEST' });
    }
    const tooLong = await client
      .call('chat.measure', { conversationId: null, text: 'x'.repeat(MAX_MESSAGE_LENGTH + 1) })
      .catch((e: unknown) => e);
    expect(tooLong).toMatchObject({ message: expect.stringContaining('1,000,000 characters') });
    await expect(client.call('chat.measure', { conversationId: 'unknown-id', text: 'x' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    expect(engine.measures).toEqual([]);
    // The connection stays usable.
    await expect(client.call('chat.measure', { conversationId: conversation.id, text: 'fine' })).resolves.toMatchObject({
      available: true,
    });
  });
});
