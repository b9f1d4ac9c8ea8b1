// @vitest-environment jsdom
import { describe, expect, it, vi } from 'vitest';
import { connectApp, serveApp } from '../../../../src-main/common/app-rpc';
import { createMemoryTransportPair } from '../../../support/memory-transport';
import { ChatState } from '../../../../src-renderer/lib/chat.svelte';
import { appendNumbered, numbers, range, useAppSession } from './state-harness';

// The chat window's state as a whole — list, open conversation and reply tied together — against the real app over
// the in-memory pair.

describe('ChatState', () => {
  const session = useAppSession();

  async function startedChat(): Promise<ChatState> {
    const chat = new ChatState(session.harness.client);
    await chat.start();
    return chat;
  }

  it('a first message turns a new chat into a conversation at the top of the list, with its reply', async () => {
    session.engine.queueReply('Hello to you.');
    const chat = await startedChat();
    expect(chat.ready).toBe(true);
    expect(chat.selectedId).toBeNull();
    expect(await chat.send('Hello')).toBe(true);
    expect(chat.selectedId).not.toBeNull();
    expect(chat.conversations.map((c) => c.id)).toEqual([chat.selectedId]);
    expect(chat.messages.map((m) => [m.role, m.content, m.status])).toEqual([
      ['user', 'Hello', 'complete'],
      ['assistant', 'Hello to you.', 'complete'],
    ]);
    expect(chat.streaming).toBe(false);
    expect(chat.notice).toBeNull();
    chat.dispose();
  });

  it('sending from a window far up a long conversation shows the newest messages and the reply after them', async () => {
    const { client, app } = session.harness;
    const conversation = await client.call('conversations.create', { title: 'Long' });
    const ids = appendNumbered(app.store.conversations, conversation.id, 600);
    session.engine.queueReply('message 602');
    const chat = await startedChat();
    await chat.reveal(ids[9] ?? '');
    expect(chat.open.attached).toBe(false);
    expect(await chat.send('message 601')).toBe(true);
    expect(chat.open.attached).toBe(true);
    expect(numbers(chat.messages)).toEqual(range(401, 602));
    chat.dispose();
  });

  it('a change made in another window reaches this one: the list and the open conversation are fetched again', async () => {
    const { app, client } = session.harness;
    const chat = await startedChat();
    session.engine.queueReply('First answer.');
    await chat.send('First question');
    const conversationId = chat.selectedId!;
    // A second window on the same app.
    const pair = createMemoryTransportPair();
    const server = serveApp(pair.server, app.handlers);
    const offPush = app.onPush((event) => server.push(event));
    const other = connectApp(pair.client);
    try {
      session.engine.queueReply('Second answer.');
      await other.call('chat.send', { conversationId, text: 'Second question' }, { onEvent: () => {} });
      await other.call('conversations.rename', { id: conversationId, title: 'Renamed elsewhere' });
      await vi.waitFor(() => {
        expect(chat.selected?.title).toBe('Renamed elsewhere');
        expect(chat.messages.map((m) => m.content)).toEqual(['First question', 'First answer.', 'Second question', 'Second answer.']);
      });
    } finally {
      other.close();
      offPush();
      server.close();
      pair.close();
    }
    expect(client).toBe(session.harness.client);
    chat.dispose();
  });

  it('deletes a conversation without asking, offers Undo, and an undo brings it back open; too late says so', async () => {
    const chat = await startedChat();
    session.engine.queueReply('Reply.');
    await chat.send('Keep or delete?');
    const conversationId = chat.selectedId!;

    expect(await chat.deleteConversation(conversationId)).toBe(true);
    expect(chat.confirm.request).toBeNull();
    expect(chat.conversations).toEqual([]);
    expect(chat.selectedId).toBeNull();
    expect(await session.harness.client.call('conversations.list', {})).toEqual([]);
    const [toast] = chat.deletions.toasts;
    expect(toast).toMatchObject({ conversationId, title: 'Keep or delete?', wasOpen: true });

    await chat.undoDelete(toast!.key);
    expect(chat.deletions.toasts).toEqual([]);
    expect(chat.conversations.map((c) => c.id)).toEqual([conversationId]);
    expect(chat.selectedId).toBe(conversationId);
    expect(chat.messages.map((m) => m.content)).toEqual(['Keep or delete?', 'Reply.']);

    // Deleted for good meanwhile (here: by hand, as the app does when the undo window ends): Undo says so and goes.
    await chat.deleteConversation(conversationId);
    session.harness.app.store.conversations.purgeDeleted(Number.MAX_SAFE_INTEGER);
    await chat.undoDelete(chat.deletions.toasts[0]!.key);
    expect(chat.notice).toMatchObject({ code: 'NOT_FOUND', detail: 'That conversation was deleted for good; it can no longer be restored.' });
    expect(chat.deletions.toasts).toEqual([]);
    expect(chat.conversations).toEqual([]);
    chat.dispose();
  });
});

describe('ChatState with no model loaded', () => {
  const session = useAppSession({ initialModelPath: undefined });

  it('a first message the app refuses leaves no empty conversation behind, and says why', async () => {
    const chat = new ChatState(session.harness.client);
    await chat.start();
    expect(await chat.send('Anyone there?')).toBe(false);
    expect(chat.notice?.code).toBe('NO_MODEL');
    expect(chat.selectedId).toBeNull();
    await vi.waitFor(async () => expect(await session.harness.client.call('conversations.list', {})).toEqual([]));
    expect(chat.conversations).toEqual([]);
    expect(chat.streaming).toBe(false);
    chat.dispose();
  });
});
