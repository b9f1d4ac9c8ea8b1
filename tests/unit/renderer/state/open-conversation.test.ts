// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import type { Conversation } from '../../../../src-main/common/types';
import { OpenConversation } from '../../../../src-renderer/lib/open-conversation.svelte';
import { appendNumbered, numbers, range, useAppSession } from './state-harness';

// The open conversation's loaded run of messages, against the real app over the in-memory pair.

describe('OpenConversation', () => {
  const session = useAppSession();

  async function longConversation(count: number): Promise<{ id: string; ids: string[] }> {
    const { client, app } = session.harness;
    const conversation = await client.call('conversations.create', { title: 'Long' });
    return { id: conversation.id, ids: appendNumbered(app.store.conversations, conversation.id, count) };
  }

  it('opens at the newest page and grows upwards page by page to the first message, without duplicates', async () => {
    const { id } = await longConversation(450);
    const told: Conversation[] = [];
    const open = new OpenConversation(session.harness.client, { onConversation: (c) => told.push(c) });
    await open.open(id);
    expect(numbers(open.messages)).toEqual(range(251, 450));
    expect(open.attached).toBe(true);
    expect(told.map((c) => c.id)).toEqual([id]);
    while (open.olderBefore !== null) expect(await open.loadOlder()).toBe(true);
    expect(numbers(open.messages)).toEqual(range(1, 450));
    expect(await open.loadOlder()).toBe(false);
  });

  it('opens a search hit far up as a window around it, grows it both ways, and reattaches at the newest message', async () => {
    const { id, ids } = await longConversation(1000);
    const open = new OpenConversation(session.harness.client);
    await open.open(id);
    await open.reveal(ids[16] ?? ''); // message 17
    expect(open.selectedId).toBe(id);
    expect(open.highlightId).toBe(ids[16]);
    // 16 older (all there are), the hit, 100 newer: not the 980 messages down to the newest.
    expect(numbers(open.messages)).toEqual(range(1, 117));
    expect(open.olderBefore).toBeNull();
    expect(open.attached).toBe(false);
    expect(await open.loadNewer()).toBe(true);
    expect(numbers(open.messages)).toEqual(range(1, 217));
    await open.attach();
    expect(open.attached).toBe(true);
    expect(numbers(open.messages)).toEqual(range(801, 1000));
    expect(open.olderBefore).not.toBeNull();
  });

  it('scrolls down from the window to the newest message, then new messages can follow', async () => {
    const { id, ids } = await longConversation(600);
    const open = new OpenConversation(session.harness.client);
    await open.reveal(ids[299] ?? ''); // message 300
    expect(numbers(open.messages)).toEqual(range(250, 400));
    expect(open.olderBefore).not.toBeNull();
    while (!open.attached) await open.loadNewer(150);
    expect(numbers(open.messages)).toEqual(range(250, 600));
    expect(await open.loadNewer()).toBe(false);
    // Older pages still load above the window.
    await open.loadOlder();
    expect(numbers(open.messages)).toEqual(range(150, 600));
    // And the newest page, fetched again, continues what is loaded rather than replacing it.
    await open.reload();
    expect(numbers(open.messages)).toEqual(range(150, 600));
    expect(id).toBe(open.selectedId);
  });

  it('reloads the newest page when the branch under a window changed (another window switched it)', async () => {
    const { client, app } = session.harness;
    const { conversations } = app.store;
    const { id, ids } = await longConversation(400);
    const open = new OpenConversation(client);
    await open.reveal(ids[29] ?? ''); // message 30
    expect(open.attached).toBe(false);
    const other = conversations.createSibling(ids[19] ?? '', { content: 'message 20, another version' });
    await client.call('messages.switchBranch', { messageId: other.id });
    await open.loadNewer();
    expect(open.attached).toBe(true);
    expect(open.messages.at(-1)?.content).toBe('message 20, another version');
    expect(open.selectedId).toBe(id);
  });

  it('shows the conversation opened last when two opens overlap', async () => {
    const a = await longConversation(5);
    const b = await longConversation(7);
    const open = new OpenConversation(session.harness.client);
    const first = open.open(a.id);
    const second = open.open(b.id);
    await Promise.all([first, second]);
    expect(open.selectedId).toBe(b.id);
    expect(numbers(open.messages)).toEqual(range(1, 7));
    expect(open.loading).toBe(false);
  });

  it('keeps unchanged messages as the same objects when the view is fetched again', async () => {
    const { id } = await longConversation(10);
    const open = new OpenConversation(session.harness.client);
    await open.open(id);
    const before = open.messages;
    await open.reload();
    expect(open.messages).not.toBe(before);
    open.messages.forEach((message, index) => expect(message).toBe(before[index]));
  });

  it('remembers the open conversation and forgets it for a new chat', async () => {
    const { id } = await longConversation(2);
    let stored: string | null = 'stale';
    const open = new OpenConversation(session.harness.client, {
      memory: { read: () => stored, write: (value) => (stored = value) },
    });
    await open.open(id);
    expect(stored).toBe(id);
    open.show(null);
    expect(stored).toBeNull();
    expect(open.messages).toEqual([]);
  });

  it('puts a started reply where it belongs: after the messages for a send, in place of the old version for a regenerate', async () => {
    const { id, ids } = await longConversation(4);
    const open = new OpenConversation(session.harness.client);
    await open.open(id);
    const shown = open.messages;
    const user = { ...shown[2]!, id: 'u-new', content: 'new question' };
    const assistant = { ...shown[3]!, id: 'a-new', content: '', status: 'streaming' as const };
    open.replyStarted({ type: 'onStarted', userMessage: user, assistantMessage: assistant }, { kind: 'send' });
    expect(open.messages.map((m) => m.id)).toEqual([...ids, 'u-new', 'a-new']);
    open.replyStarted(
      { type: 'onStarted', userMessage: shown[0]!, assistantMessage: { ...assistant, id: 'a-again' } },
      { kind: 'regenerate', messageId: ids[1]! },
    );
    expect(open.messages.map((m) => m.id)).toEqual([ids[0], 'a-again']);
  });
});
