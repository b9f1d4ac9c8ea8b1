import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ChatSendEvents } from '../../../../src-main/common/contract';
import { EngineError } from '../../../../src-main/node/engine/port';
import { ScriptedEngine } from '../../../support/scripted-engine';
import { ChatService } from '../../../../src-main/node/services/chat-service';
import { ConversationStore } from '../../../../src-main/node/store/conversation-store';
import { openStore, type Store } from '../../../../src-main/node/store/open-store';

let dir: string;
let file: string;
let opened: Store;
let store: ConversationStore;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'phi-chat-'));
  file = path.join(dir, 'chat.sqlite');
  opened = openStore(file);
  store = opened.conversations;
});

afterEach(() => {
  opened.close();
  rmSync(dir, { recursive: true, force: true });
});

const ready = (options: ConstructorParameters<typeof ScriptedEngine>[0] = {}): ScriptedEngine =>
  new ScriptedEngine({ initialModelPath: path.join(dir, 'm.gguf'), ...options });

function collect(): { events: ChatSendEvents[]; emit: (event: ChatSendEvents) => void } {
  const events: ChatSendEvents[] = [];
  return { events, emit: (event) => events.push(event) };
}

describe('ChatService.send', () => {
  it('commits the user message before generation starts and the reply as it streams', async () => {
    const conversation = store.createConversation();
    let seenByEngine: string[] = [];
    const engine = ready({
      reply: () => {
        // The engine runs after the user's message is safely stored.
        seenByEngine = store.listMessages(conversation.id).map((m) => `${m.role}:${m.status}:${m.content}`);
        return 'A reply long enough to be written in several batches.';
      },
      deltaChars: 2,
      deltaDelayMs: 5,
    });
    const service = new ChatService(opened, engine, { writer: { maxDelayMs: 0, maxTokens: 2 } });
    const { events, emit } = collect();
    let midStream = '';
    const reply = await service.send(
      { conversationId: conversation.id, text: 'Hello?' },
      {
        signal: new AbortController().signal,
        emit: (event) => {
          emit(event);
          if (event.type === 'onDelta' && events.length === 10) {
            midStream = store.getMessage(event.messageId)?.content ?? '';
          }
        },
      },
    );
    expect(seenByEngine).toEqual(['user:complete:Hello?', 'assistant:streaming:']);
    expect(midStream.length).toBeGreaterThan(0);
    expect('A reply long enough to be written in several batches.'.startsWith(midStream)).toBe(true);
    expect(events[0]).toMatchObject({ type: 'onStarted', userMessage: { content: 'Hello?' } });
    expect(reply).toMatchObject({ status: 'complete', content: 'A reply long enough to be written in several batches.' });
    expect(reply.stats).toMatchObject({ stopReason: 'eos' });
    expect(reply.stats?.generatedTokens).toBeGreaterThan(0);
    const reopened = ConversationStore.open(file);
    expect(reopened.listMessages(conversation.id).map((m) => [m.role, m.status, m.content])).toEqual([
      ['user', 'complete', 'Hello?'],
      ['assistant', 'complete', 'A reply long enough to be written in several batches.'],
    ]);
    reopened.close();
  });

  it('sends the whole conversation so far to the engine, keyed for cache reuse', async () => {
    const conversation = store.createConversation();
    const engine = ready({ reply: (request) => `echo ${request.turns.length}` });
    const service = new ChatService(opened, engine);
    const context = { signal: new AbortController().signal, emit: () => {} };
    await service.send({ conversationId: conversation.id, text: 'one' }, context);
    await service.send({ conversationId: conversation.id, text: 'two' }, context);
    expect(engine.requests.at(-1)).toMatchObject({
      cacheKey: conversation.id,
      turns: [
        { role: 'user', content: 'one' },
        { role: 'assistant', content: 'echo 1' },
        { role: 'user', content: 'two' },
      ],
    });
  });

  it('Stop keeps the text so far and marks the reply stopped', async () => {
    const conversation = store.createConversation();
    const engine = ready({ reply: 'word '.repeat(200), deltaChars: 5, deltaDelayMs: 2 });
    const service = new ChatService(opened, engine);
    const controller = new AbortController();
    let deltas = 0;
    const reply = await service.send(
      { conversationId: conversation.id, text: 'Talk' },
      {
        signal: controller.signal,
        emit: (event) => {
          if (event.type === 'onDelta' && ++deltas === 3) controller.abort();
        },
      },
    );
    expect(reply.status).toBe('stopped');
    expect(reply.content).toBe('word word word ');
    expect(store.getMessage(reply.id)).toMatchObject({ status: 'stopped', content: 'word word word ' });
  });

  it('a failure mid-reply keeps the partial text, records the error and reports ENGINE_FAILED', async () => {
    const conversation = store.createConversation();
    const engine = ready({ reply: { text: 'partial', error: new EngineError('GENERATION_FAILED', 'llama.cpp decode failed') } });
    const service = new ChatService(opened, engine);
    const error = await service
      .send({ conversationId: conversation.id, text: 'x' }, { signal: new AbortController().signal, emit: () => {} })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ENGINE_FAILED', message: 'llama.cpp decode failed' });
    const [user, assistant] = store.listMessages(conversation.id);
    expect(user).toMatchObject({ content: 'x', status: 'complete' });
    expect(assistant).toMatchObject({ content: 'partial', status: 'error', error: 'llama.cpp decode failed' });
  });

  it('refuses with NO_MODEL before storing anything when no model is loaded', async () => {
    const conversation = store.createConversation();
    const service = new ChatService(opened, new ScriptedEngine());
    await expect(
      service.send({ conversationId: conversation.id, text: 'x' }, { signal: new AbortController().signal, emit: () => {} }),
    ).rejects.toMatchObject({ code: 'NO_MODEL' });
    expect(store.listMessages(conversation.id)).toEqual([]);
  });

  it('NOT_FOUND for a missing conversation; BUSY for a second send to the same one', async () => {
    const conversation = store.createConversation();
    const service = new ChatService(opened, ready({ reply: 'slow reply', deltaDelayMs: 20, deltaChars: 1 }));
    const context = { signal: new AbortController().signal, emit: () => {} };
    await expect(service.send({ conversationId: 'nope', text: 'x' }, context)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const first = service.send({ conversationId: conversation.id, text: 'a' }, context);
    await expect(service.send({ conversationId: conversation.id, text: 'b' }, context)).rejects.toMatchObject({ code: 'BUSY' });
    await expect(first).resolves.toMatchObject({ status: 'complete' });
  });

  it('titles a new conversation from its first message', async () => {
    const conversation = store.createConversation();
    const service = new ChatService(opened, ready());
    const context = { signal: new AbortController().signal, emit: () => {} };
    await service.send({ conversationId: conversation.id, text: `  How do I bake bread?\nDetails follow ${'x'.repeat(100)}` }, context);
    expect(store.getConversation(conversation.id)?.title).toBe('How do I bake bread?');
    await service.send({ conversationId: conversation.id, text: 'Another question' }, context);
    expect(store.getConversation(conversation.id)?.title).toBe('How do I bake bread?');
  });
});

describe('ChatService on the message tree', () => {
  const context = () => ({ signal: new AbortController().signal, emit: () => {} });

  it('edit and regenerate add siblings; the engine sees only the branch being answered', async () => {
    const conversation = store.createConversation();
    const engine = ready({ reply: (request) => `re: ${request.turns.map((t) => t.content).join(' | ')}` });
    const service = new ChatService(opened, engine);
    const first = await service.send({ conversationId: conversation.id, text: 'one' }, context());
    const edited = await service.edit({ messageId: first.parentId ?? '', text: 'uno' }, context());
    expect(edited.content).toBe('re: uno');
    const again = await service.regenerate({ messageId: edited.id }, context());
    expect(again).toMatchObject({ parentId: edited.parentId, content: 're: uno', status: 'complete' });
    expect(opened.tree.listSiblings(first.parentId ?? '').map((m) => m.content)).toEqual(['one', 'uno']);
    expect(opened.tree.listSiblings(edited.id).map((m) => m.id)).toEqual([edited.id, again.id]);
    expect(store.getMessage(first.id)).toMatchObject({ content: 're: one', status: 'complete' });
  });

  it('stopAll ends every running reply as stopped, with its text, and waits until it is stored', async () => {
    const a = store.createConversation();
    const b = store.createConversation();
    const engine = ready({ reply: 'word '.repeat(100), deltaDelayMs: 3 });
    const service = new ChatService(opened, engine);
    const started: string[] = [];
    const run = (id: string) =>
      service.send({ conversationId: id, text: 'go' }, { signal: new AbortController().signal, emit: (e) => started.push(e.type) });
    const replies = [run(a.id), run(b.id)];
    await vi.waitFor(() => expect(started.filter((type) => type === 'onDelta').length).toBeGreaterThan(2));
    expect(service.isBusy(a.id) && service.isBusy(b.id)).toBe(true);
    await service.stopAll();
    expect(service.isBusy(a.id) || service.isBusy(b.id)).toBe(false);
    for (const id of [a.id, b.id]) expect(store.listMessages(id).at(-1)?.status).toBe('stopped');
    await expect(Promise.all(replies)).resolves.toHaveLength(2);
    // Shutting down, nothing is prepared ahead: the engine is about to be disposed.
    expect(engine.prefills).toEqual([]);
    expect(service.prepare({ conversationId: a.id, text: 'more' })).toEqual({ prepared: false });
  });
});
