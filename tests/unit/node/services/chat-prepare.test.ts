import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RpcError } from '../../../../src-main/common/contract';
import { EngineError } from '../../../../src-main/node/engine/port';
import { ScriptedEngine } from '../../../support/scripted-engine';
import { ChatService, type ChatContext } from '../../../../src-main/node/services/chat-service';
import { openStore, type Store } from '../../../../src-main/node/store/open-store';

// `chat.prepare` in the chat service: what the user is typing reaches the engine as the prompt a send would build
// (`engine.prefill`), and after each reply the service prepares the next turn itself. A real store on a SQLite file;
// the scripted engine records every prefill request.

let dir: string;
let opened: Store;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'phi-prepare-'));
  opened = openStore(path.join(dir, 'chat.sqlite'));
});

afterEach(() => {
  opened.close();
  rmSync(dir, { recursive: true, force: true });
});

const ready = (options: ConstructorParameters<typeof ScriptedEngine>[0] = {}): ScriptedEngine =>
  new ScriptedEngine({ initialModelPath: path.join(dir, 'm.gguf'), ...options });

const quiet = (): ChatContext => ({ signal: new AbortController().signal, emit: () => {} });

describe('ChatService.prepare', () => {
  it('prefills the prompt a send of the draft would build: the current branch, the draft last, system prompt, cache key', async () => {
    opened.settings.updateAppSettings({ defaultSystemPrompt: 'Answer in one line.' });
    const conversation = opened.conversations.createConversation();
    const engine = ready({ reply: (request) => `reply ${request.turns.length}` });
    const service = new ChatService(opened, engine);
    const first = await service.send({ conversationId: conversation.id, text: 'first question' }, quiet());
    await service.send({ conversationId: conversation.id, text: 'second question' }, quiet());
    // An edit of the first question: the current branch is now the edited one and its reply.
    const userId = first.parentId ?? '';
    await service.edit({ messageId: userId, text: 'first, edited' }, quiet());

    expect(service.prepare({ conversationId: conversation.id, text: 'And then?' })).toEqual({ prepared: true });
    const prefill = engine.prefills.at(-1);
    expect(prefill).toMatchObject({
      systemPrompt: 'Answer in one line.',
      cacheKey: conversation.id,
      turns: [
        { role: 'user', content: 'first, edited' },
        { role: 'assistant', content: 'reply 1' },
        { role: 'user', content: 'And then?' },
      ],
    });

    // It is exactly the request the send of that draft gives the engine (same settings too: the engine reuses a
    // reply started ahead only for the same prompt and sampling settings).
    await service.send({ conversationId: conversation.id, text: 'And then?' }, quiet());
    expect(engine.requests.at(-1)).toEqual(prefill);
  });

  it('uses the conversation’s own system prompt and sampling settings', async () => {
    opened.settings.updateAppSettings({ defaultSystemPrompt: 'App default.' });
    const conversation = opened.conversations.createConversation({
      systemPrompt: 'Own prompt.',
      generation: { temperature: 1.1, seed: 7 },
    });
    const engine = ready();
    const service = new ChatService(opened, engine);
    expect(service.prepare({ conversationId: conversation.id, text: '' })).toEqual({ prepared: true });
    expect(engine.prefills).toHaveLength(1);
    expect(engine.prefills[0]).toMatchObject({
      systemPrompt: 'Own prompt.',
      cacheKey: conversation.id,
      turns: [{ role: 'user', content: '' }], // a new conversation just opened: only the (empty) draft
      settings: { temperature: 1.1, seed: 7 },
    });
  });

  it('prepares nothing when the setting is off, also after a reply', async () => {
    const conversation = opened.conversations.createConversation();
    const engine = ready();
    const service = new ChatService(opened, engine);
    opened.settings.updateAppSettings({ prepareWhileTyping: false });
    expect(service.prepare({ conversationId: conversation.id, text: 'Hello' })).toEqual({ prepared: false });
    await service.send({ conversationId: conversation.id, text: 'Hello' }, quiet());
    expect(engine.requests).toHaveLength(1);
    expect(engine.prefills).toEqual([]);

    // Read at each call: turning it back on takes effect at once.
    opened.settings.updateAppSettings({ prepareWhileTyping: true });
    expect(service.prepare({ conversationId: conversation.id, text: 'Again' })).toEqual({ prepared: true });
    expect(engine.prefills.at(-1)?.turns.at(-1)).toEqual({ role: 'user', content: 'Again' });
  });

  it('prepares nothing when the engine has no model', () => {
    const conversation = opened.conversations.createConversation();
    const engine = new ScriptedEngine();
    const service = new ChatService(opened, engine);
    expect(service.prepare({ conversationId: conversation.id, text: 'Hello' })).toEqual({ prepared: false });
    expect(engine.prefills).toEqual([]);
  });

  it('waits for a reply being written in the conversation, then prefills the draft typed meanwhile', async () => {
    const conversation = opened.conversations.createConversation();
    const engine = ready({ reply: 'a slow reply', deltaChars: 1, deltaDelayMs: 5 });
    const service = new ChatService(opened, engine);
    const running = service.send({ conversationId: conversation.id, text: 'Hi' }, quiet());
    expect(service.isBusy(conversation.id)).toBe(true);
    expect(service.prepare({ conversationId: conversation.id, text: 'Next' })).toEqual({ prepared: false });
    expect(service.prepare({ conversationId: conversation.id, text: 'Next question' })).toEqual({ prepared: false });
    expect(engine.prefills).toEqual([]);

    const reply = await running;
    expect(reply).toMatchObject({ status: 'complete', content: 'a slow reply' });
    expect(engine.prefills).toHaveLength(1); // the latest draft only, not an empty follow-up as well
    expect(engine.prefills[0]).toMatchObject({
      cacheKey: conversation.id,
      turns: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'a slow reply' },
        { role: 'user', content: 'Next question' },
      ],
    });
  });

  it('passes on whether the user is still typing; what it prepares after a reply is the whole prompt', async () => {
    const conversation = opened.conversations.createConversation();
    const engine = ready();
    const service = new ChatService(opened, engine);
    service.prepare({ conversationId: conversation.id, text: 'Which ap', stillTyping: true });
    service.prepare({ conversationId: conversation.id, text: 'Which apple?' });
    expect(engine.prefillOptions).toEqual([{ stillTyping: true }, { stillTyping: false }]);
    await service.send({ conversationId: conversation.id, text: 'Which apple?' }, quiet());
    expect(engine.prefillOptions.at(-1)).toEqual({ stillTyping: false });
    expect(engine.prefills.at(-1)?.turns.at(-1)).toEqual({ role: 'user', content: '' });
  });

  it('after a reply, prefills the draft typed meanwhile in another conversation', async () => {
    const busy = opened.conversations.createConversation();
    const other = opened.conversations.createConversation();
    const engine = ready({ reply: 'a slow reply', deltaChars: 1, deltaDelayMs: 5 });
    const service = new ChatService(opened, engine);
    const running = service.send({ conversationId: busy.id, text: 'Hi' }, quiet());
    // Another conversation is free: its draft is prefilled at once (waiting behind the reply in the engine)…
    expect(service.prepare({ conversationId: other.id, text: 'Elsewhere' })).toEqual({ prepared: true });
    await running;
    // …and again when the reply ends, since the reply took the engine's cache over meanwhile.
    expect(engine.prefills.map((request) => [request.cacheKey, request.turns.at(-1)?.content])).toEqual([
      [other.id, 'Elsewhere'],
      [other.id, 'Elsewhere'],
    ]);
  });

  it('fails with NOT_FOUND for an unknown conversation, prefilling nothing', () => {
    const engine = ready();
    const service = new ChatService(opened, engine);
    let error: unknown;
    try {
      service.prepare({ conversationId: 'no-such-conversation', text: 'x' });
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(RpcError);
    expect(error).toMatchObject({ code: 'NOT_FOUND' });
    expect(engine.prefills).toEqual([]);
  });
});

describe('ChatService after a reply', () => {
  it('prefills the conversation with an empty draft once a reply is complete', async () => {
    const conversation = opened.conversations.createConversation();
    const engine = ready({ reply: 'Blue, mostly.' });
    const service = new ChatService(opened, engine);
    await service.send({ conversationId: conversation.id, text: 'What colour is the sea?' }, quiet());
    expect(engine.prefills).toHaveLength(1);
    expect(engine.prefills[0]).toMatchObject({
      cacheKey: conversation.id,
      turns: [
        { role: 'user', content: 'What colour is the sea?' },
        { role: 'assistant', content: 'Blue, mostly.' },
        { role: 'user', content: '' },
      ],
    });
    // A draft typed before the reply started is old news: the follow-up is prepared, not that draft.
    service.prepare({ conversationId: conversation.id, text: 'old draft' });
    await service.send({ conversationId: conversation.id, text: 'And the sky?' }, quiet());
    expect(engine.prefills.at(-1)?.turns.slice(-3)).toEqual([
      { role: 'user', content: 'And the sky?' },
      { role: 'assistant', content: 'Blue, mostly.' },
      { role: 'user', content: '' },
    ]);
  });

  it('prefills after a stopped reply too (its text is kept), but not after a failed one', async () => {
    const conversation = opened.conversations.createConversation();
    const engine = ready({ reply: 'word '.repeat(50), deltaChars: 5, deltaDelayMs: 2 });
    const service = new ChatService(opened, engine);
    const controller = new AbortController();
    let deltas = 0;
    const stopped = await service.send(
      { conversationId: conversation.id, text: 'Talk' },
      { signal: controller.signal, emit: (event) => event.type === 'onDelta' && ++deltas === 2 && controller.abort() },
    );
    expect(stopped.status).toBe('stopped');
    expect(engine.prefills.at(-1)?.turns.slice(-2)).toEqual([
      { role: 'assistant', content: 'word word ' },
      { role: 'user', content: '' },
    ]);

    const before = engine.prefills.length;
    engine.queueReply({ text: 'half', error: new EngineError('GENERATION_FAILED', 'decode failed') });
    await expect(service.send({ conversationId: conversation.id, text: 'Again' }, quiet())).rejects.toMatchObject({
      code: 'ENGINE_FAILED',
    });
    expect(engine.prefills).toHaveLength(before);
  });
});

describe('ChatService.prepare on a long conversation', () => {
  it('reads the branch once while it is unchanged, and again once it changes (a reply, a switch of version)', async () => {
    const conversation = opened.conversations.createConversation();
    const engine = ready({ reply: (request) => `reply ${request.turns.length}` });
    const service = new ChatService(opened, engine);
    const first = await service.send({ conversationId: conversation.id, text: 'one' }, quiet());
    const reads = vi.spyOn(opened.conversations, 'listMessages');
    for (const text of ['t', 'tw', 'two', 'two?']) service.prepare({ conversationId: conversation.id, text, stillTyping: true });
    expect(reads).toHaveBeenCalledTimes(0); // the branch the reply's own prefill read is still current
    expect(engine.prefills.at(-1)?.turns.map((turn) => turn.content)).toEqual(['one', 'reply 1', 'two?']);

    // Another version of the first message: the branch changes, and so does what is prepared.
    const other = opened.conversations.createSibling(first.parentId ?? '', { content: 'uno', status: 'complete' });
    opened.tree.switchBranch(other.id);
    service.prepare({ conversationId: conversation.id, text: 'dos' });
    expect(reads).toHaveBeenCalledTimes(1);
    expect(engine.prefills.at(-1)?.turns.map((turn) => turn.content)).toEqual(['uno', 'dos']);
    opened.tree.switchBranch(first.id);
    service.prepare({ conversationId: conversation.id, text: 'dos' });
    expect(reads).toHaveBeenCalledTimes(2);
    expect(engine.prefills.at(-1)?.turns.map((turn) => turn.content)).toEqual(['one', 'reply 1', 'dos']);
  });
});
