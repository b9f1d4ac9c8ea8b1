import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChatSendEvents } from '../../../../src-main/common/contract';
import type { ContextMeasured } from '../../../../src-main/common/types';
import { ScriptedEngine } from '../../../support/scripted-engine';
import { ChatService, type ChatContext } from '../../../../src-main/node/services/chat-service';
import { waitForStatus } from '../engine/support/engine-test-helpers';
import { openStore, type Store } from '../../../../src-main/node/store/open-store';

// `chat.measure` in the chat service: the request is the one a send of the draft would give the engine (current
// branch, draft last, system prompt, settings, cache key), and the engine's figures come back in messages of the
// branch. A real store on a SQLite file; the scripted engine (4 characters a token) records every measure.

let dir: string;
let opened: Store;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'phi-measure-'));
  opened = openStore(path.join(dir, 'chat.sqlite'));
});

afterEach(() => {
  opened.close();
  rmSync(dir, { recursive: true, force: true });
});

const ready = (options: ConstructorParameters<typeof ScriptedEngine>[0] = {}): ScriptedEngine =>
  new ScriptedEngine({ initialModelPath: path.join(dir, 'm.gguf'), ...options });

/** A chat context that keeps the events. */
function collecting(): ChatContext & { events: ChatSendEvents[] } {
  const events: ChatSendEvents[] = [];
  return { events, signal: new AbortController().signal, emit: (event) => events.push(event) };
}

function measured(result: Awaited<ReturnType<ChatService['measure']>>): ContextMeasured {
  if (!result.available) throw new Error(`not available: ${result.reason}`);
  return result;
}

describe('ChatService.measure', () => {
  it('measures the request a send of the draft gives the engine, and the same figures the send reports', async () => {
    opened.settings.updateAppSettings({ defaultSystemPrompt: 'Answer in one line.' });
    const conversation = opened.conversations.createConversation({ generation: { maxTokens: 300 } });
    const engine = ready({ reply: (request) => `reply ${request.turns.length}` });
    const service = new ChatService(opened, engine);
    const first = await service.send({ conversationId: conversation.id, text: 'first question' }, collecting());
    await service.send({ conversationId: conversation.id, text: 'second question' }, collecting());
    // An edit of the first question: the branch shown is now the edited one and its reply.
    const edited = await service.edit({ messageId: first.parentId ?? '', text: 'first, edited' }, collecting());

    const result = measured(await service.measure({ conversationId: conversation.id, text: 'And then?' }));
    const request = engine.measures.at(-1);
    expect(request).toMatchObject({
      systemPrompt: 'Answer in one line.',
      cacheKey: conversation.id,
      turns: [
        { role: 'user', content: 'first, edited' },
        { role: 'assistant', content: 'reply 1' },
        { role: 'user', content: 'And then?' },
      ],
      settings: { maxTokens: 300 },
    });
    const context = collecting();
    await service.send({ conversationId: conversation.id, text: 'And then?' }, context);
    expect(engine.requests.at(-1)).toEqual(request);
    const onContext = context.events.find((event) => event.type === 'onContext');
    // 'Answer in one line.\nInstruct: first, edited\nOutput: reply 1\nInstruct: And then?\nOutput:' is 86 characters.
    expect(result).toEqual({
      available: true,
      contextSize: 2048,
      promptTokens: 22,
      exact: true,
      fits: true,
      promptBudget: 2048 - 256,
      replyReserve: 256,
      maxReplyTokens: 300,
      replyTokens: 300,
      messagesInView: 2,
      messagesDropped: 0,
      afterMessageId: edited.id,
    } satisfies ContextMeasured);
    expect(onContext).toMatchObject({ promptTokens: result.promptTokens, messagesInView: 3, messagesDropped: 0 });
  });

  it('says which messages of the branch would drop out of a full window, as the send then reports them', async () => {
    const engine = ready({ contextSize: 120, replyReserveTokens: 20, reply: 'an answer of about twenty characters' });
    const service = new ChatService(opened, engine);
    const conversation = opened.conversations.createConversation();
    for (let i = 0; i < 5; i++) {
      await service.send({ conversationId: conversation.id, text: `question ${i} with a few more words in it` }, collecting());
    }
    const draft = 'and one more question with words';
    const result = measured(await service.measure({ conversationId: conversation.id, text: draft }));
    expect(result.fits).toBe(true);
    expect(result.messagesDropped).toBeGreaterThan(0);
    expect(result.messagesInView + result.messagesDropped).toBe(10);
    expect(result.promptTokens).toBeLessThanOrEqual(result.promptBudget);

    const context = collecting();
    await service.send({ conversationId: conversation.id, text: draft }, context);
    // The send counts its own (new) message in view too.
    expect(context.events.find((event) => event.type === 'onContext')).toMatchObject({
      promptTokens: result.promptTokens,
      messagesInView: result.messagesInView + 1,
      messagesDropped: result.messagesDropped,
    });
  });

  it('says a draft too long for the window does not fit, by how much; the send then refuses it', async () => {
    const engine = ready({ contextSize: 100, replyReserveTokens: 20 });
    const service = new ChatService(opened, engine);
    const conversation = opened.conversations.createConversation();
    await service.send({ conversationId: conversation.id, text: 'Hello' }, collecting());
    const result = measured(await service.measure({ conversationId: conversation.id, text: 'x'.repeat(400) }));
    // 'Instruct: xxx…\nOutput:' alone is 418 characters, 105 tokens: over the 80 a prompt may take.
    expect(result).toMatchObject({ fits: false, exact: true, promptTokens: 105, promptBudget: 80, replyTokens: 0 });
    expect(result).toMatchObject({ messagesInView: 0, messagesDropped: 2 });
    await expect(service.send({ conversationId: conversation.id, text: 'x'.repeat(400) }, collecting())).rejects.toMatchObject({
      code: 'CONTEXT_OVERFLOW',
    });
  });

  it('measures a new chat with the app defaults, and answers while a reply is written in the conversation', async () => {
    opened.settings.updateAppSettings({ defaultSystemPrompt: 'Be kind.' });
    const engine = ready({ deltaChars: 1, deltaDelayMs: 5 });
    const service = new ChatService(opened, engine);
    const fresh = measured(await service.measure({ conversationId: null, text: 'Hi' }));
    expect(engine.measures.at(-1)).toEqual({
      systemPrompt: 'Be kind.',
      turns: [{ role: 'user', content: 'Hi' }],
      settings: expect.objectContaining({ maxTokens: 512 }),
    });
    // 'Be kind.\nInstruct: Hi\nOutput:' is 29 characters.
    expect(fresh).toMatchObject({ promptTokens: 8, messagesInView: 0, messagesDropped: 0, afterMessageId: null });

    const conversation = opened.conversations.createConversation();
    let done = false;
    const writing = service.send({ conversationId: conversation.id, text: 'Tell me a long story' }, collecting()).then(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 30));
    const during = measured(await service.measure({ conversationId: conversation.id, text: '' }));
    expect(done).toBe(false);
    expect(during.messagesInView).toBe(2); // the message, and the reply being written
    await writing;
  });

  it('is NOT_FOUND for an unknown conversation (with or without a model); unavailable, in words, without a model', async () => {
    const none = new ScriptedEngine();
    const service = new ChatService(opened, none);
    await expect(service.measure({ conversationId: 'missing', text: 'x' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const conversation = opened.conversations.createConversation();
    expect(await service.measure({ conversationId: conversation.id, text: 'x' })).toEqual({
      available: false,
      reason: 'noModel',
      contextSize: null,
    });
    const loading = new ScriptedEngine({ loadDelayMs: 50 });
    const whileLoading = new ChatService(opened, loading);
    const load = loading.load(path.join(dir, 'm.gguf'));
    await waitForStatus(loading, (status) => status.state === 'loading');
    expect(await whileLoading.measure({ conversationId: null, text: 'x' })).toMatchObject({ available: false, reason: 'loading' });
    await load;
    expect(await whileLoading.measure({ conversationId: null, text: 'x' })).toMatchObject({ available: true, contextSize: 2048 });
    expect(loading.measures).toHaveLength(1);
    expect(none.measures).toEqual([]);
  });
});
