import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ScriptedEngine } from '../../../support/scripted-engine';
import type { ConversationStore } from '../../../../src-main/node/store/conversation-store';
import { edit, lines, regenerate, send, startHarness, tempDataDir, type Harness } from './compose-harness';

/**
 * The message tree over the contract: chat.edit / chat.regenerate make branches, the old ones stay, the view follows
 * messages.switchBranch, messages.deleteSubtree and search.reveal. Real SQLite file, scripted engine for exact text.
 */

let data: ReturnType<typeof tempDataDir>;
let engine: ScriptedEngine;
let harness: Harness;

/** A fresh app with a scripted engine that answers "Answer to <last message>". */
function boot(options: ConstructorParameters<typeof ScriptedEngine>[0] = {}): void {
  engine = new ScriptedEngine({
    initialModelPath: path.join(data.dir, 'tiny.gguf'),
    reply: (request) => `Answer to ${request.turns.at(-1)?.content ?? ''}`,
    ...options,
  });
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

/** A conversation with two exchanges: "first" and "second", each answered. */
async function twoExchanges() {
  const { client } = harness;
  const conversation = await client.call('conversations.create', {});
  const first = await send(client, conversation.id, 'first');
  const second = await send(client, conversation.id, 'second');
  return { conversation, first, second };
}

describe('edit, regenerate and branches over the contract', () => {
  it('chat.edit adds the edited message as a sibling with its own reply, keeps the old branch, and switchBranch flips between them', async () => {
    const { client } = harness;
    const { conversation, first, second } = await twoExchanges();
    const secondUser = second.events[0]?.type === 'onStarted' ? second.events[0].userMessage : undefined;
    expect(secondUser?.content).toBe('second');

    const edited = await edit(client, secondUser?.id ?? '', 'second, edited');
    expect(edited.events[0]).toMatchObject({
      type: 'onStarted',
      userMessage: { content: 'second, edited', parentId: first.result.id, role: 'user' },
      assistantMessage: { status: 'streaming', content: '' },
    });
    expect(edited.result).toMatchObject({ status: 'complete', content: 'Answer to second, edited' });
    expect(edited.text).toBe('Answer to second, edited');
    // The engine saw the branch being answered, not the old one.
    expect(engine.requests.at(-1)?.turns.map((turn) => turn.content)).toEqual(['first', 'Answer to first', 'second, edited']);

    const view = await client.call('conversations.get', { id: conversation.id });
    expect(lines(view.messages)).toEqual([
      ['user', 'first'],
      ['assistant', 'Answer to first'],
      ['user', 'second, edited'],
      ['assistant', 'Answer to second, edited'],
    ]);
    const editedUser = view.messages[2];
    expect(view.branches).toEqual([
      { messageId: editedUser?.id, index: 1, count: 2, previousId: secondUser?.id, nextId: null },
    ]);
    expect(view.olderBefore).toBeNull();

    const back = await client.call('messages.switchBranch', { messageId: secondUser?.id ?? '' });
    expect(lines(back.messages)).toEqual([
      ['user', 'first'],
      ['assistant', 'Answer to first'],
      ['user', 'second'],
      ['assistant', 'Answer to second'],
    ]);
    expect(back.branches).toEqual([{ messageId: secondUser?.id, index: 0, count: 2, previousId: null, nextId: editedUser?.id }]);
    const forth = await client.call('messages.switchBranch', { messageId: editedUser?.id ?? '' });
    expect(forth.messages.at(-1)?.content).toBe('Answer to second, edited');
    // The current branch is stored: a new send continues the branch shown.
    const third = await send(client, conversation.id, 'third');
    expect(third.events[0]).toMatchObject({ type: 'onStarted', userMessage: { parentId: view.messages[3]?.id } });
  });

  it('chat.regenerate writes another reply to the same user message as a sibling, and both stay', async () => {
    const { client } = harness;
    const { conversation, second } = await twoExchanges();
    engine.queueReply('A different answer');
    const again = await regenerate(client, second.result.id);
    const secondUser = second.events[0]?.type === 'onStarted' ? second.events[0].userMessage : undefined;
    expect(again.events[0]).toMatchObject({
      type: 'onStarted',
      userMessage: { id: secondUser?.id, content: 'second' },
      assistantMessage: { parentId: secondUser?.id, role: 'assistant', status: 'streaming' },
    });
    expect(again.result).toMatchObject({ content: 'A different answer', status: 'complete', parentId: secondUser?.id });
    // The old reply is not in the prompt of the new one.
    expect(engine.requests.at(-1)?.turns.map((turn) => turn.content)).toEqual(['first', 'Answer to first', 'second']);

    const view = await client.call('conversations.get', { id: conversation.id });
    expect(view.messages.at(-1)?.content).toBe('A different answer');
    expect(view.branches).toEqual([
      { messageId: again.result.id, index: 1, count: 2, previousId: second.result.id, nextId: null },
    ]);
    const old = await client.call('messages.switchBranch', { messageId: second.result.id });
    expect(old.messages.at(-1)).toMatchObject({ id: second.result.id, content: 'Answer to second', status: 'complete' });
  });

  it('refuses to edit a reply or regenerate a user message, with BAD_REQUEST and nothing written', async () => {
    const { client } = harness;
    const { conversation, second } = await twoExchanges();
    const secondUser = second.events[0]?.type === 'onStarted' ? second.events[0].userMessage : undefined;
    await expect(client.call('chat.edit', { messageId: second.result.id, text: 'x' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(client.call('chat.regenerate', { messageId: secondUser?.id ?? '' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(client.call('chat.edit', { messageId: 'missing', text: 'x' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(client.call('chat.regenerate', { messageId: 'missing' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const view = await client.call('conversations.get', { id: conversation.id });
    expect(view.messages).toHaveLength(4);
    expect(view.branches).toEqual([]);
  });

  it('messages.deleteSubtree removes a message and every reply under it; the view falls back to the sibling branch', async () => {
    const { client } = harness;
    const { conversation, second } = await twoExchanges();
    const secondUser = second.events[0]?.type === 'onStarted' ? second.events[0].userMessage : undefined;
    const edited = await edit(client, secondUser?.id ?? '', 'second, edited');
    const editedUser = edited.events[0]?.type === 'onStarted' ? edited.events[0].userMessage : undefined;
    await send(client, conversation.id, 'third, on the edited branch');
    harness.pushes.length = 0;

    const after = await client.call('messages.deleteSubtree', { messageId: editedUser?.id ?? '' });
    expect(lines(after.messages)).toEqual([
      ['user', 'first'],
      ['assistant', 'Answer to first'],
      ['user', 'second'],
      ['assistant', 'Answer to second'],
    ]);
    expect(after.branches).toEqual([]);
    expect(harness.pushes).toContainEqual({ type: 'onConversationsChanged' });
    // Every message of the deleted branch is gone, from the tree and from search.
    await expect(client.call('messages.switchBranch', { messageId: edited.result.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const hits = await client.call('search.query', { query: 'edited' });
    expect(hits.messages).toEqual([]);
    await expect(client.call('messages.deleteSubtree', { messageId: editedUser?.id ?? '' })).rejects.toMatchObject({ code: 'NOT_FOUND' });

    // Deleting the first message empties the conversation but keeps it.
    const empty = await client.call('messages.deleteSubtree', { messageId: after.messages[0]?.id ?? '' });
    expect(empty.messages).toEqual([]);
    expect(empty.conversation.id).toBe(conversation.id);
  });

  it('search finds text from every branch, and search.reveal switches to the branch of the hit', async () => {
    const { client } = harness;
    const { conversation, second } = await twoExchanges();
    const secondUser = second.events[0]?.type === 'onStarted' ? second.events[0].userMessage : undefined;
    engine.queueReply('The capybara is the largest rodent.');
    await edit(client, secondUser?.id ?? '', 'Tell me about capybaras');
    await client.call('messages.switchBranch', { messageId: secondUser?.id ?? '' });
    engine.queueReply('Otters hold hands while sleeping.');
    const regenerated = await regenerate(client, second.result.id);

    // Shown now: the "second" branch with the otter reply. Both the capybara branch and the old reply are hidden.
    const capybara = await client.call('search.query', { query: 'capybara' });
    expect(capybara.messages.map((hit) => hit.role).sort()).toEqual(['assistant', 'user']);
    const hidden = await client.call('search.query', { query: 'Answer second' });
    expect(hidden.messages.map((hit) => hit.messageId)).toContain(second.result.id);
    const otters = await client.call('search.query', { query: 'otters', conversationId: conversation.id });
    expect(otters.messages).toHaveLength(1);
    expect(otters.messages[0]).toMatchObject({ messageId: regenerated.result.id, conversationTitle: 'first' });
    expect(otters.messages[0]?.snippet.some((run) => run.match && /otters/i.test(run.text))).toBe(true);

    const hit = capybara.messages.find((m) => m.role === 'assistant');
    const revealed = await client.call('search.reveal', { messageId: hit?.messageId ?? '' });
    expect(revealed.messageId).toBe(hit?.messageId);
    expect(lines(revealed.messages).slice(2)).toEqual([
      ['user', 'Tell me about capybaras'],
      ['assistant', 'The capybara is the largest rodent.'],
    ]);
    expect((await client.call('conversations.get', { id: conversation.id })).messages.at(-1)?.id).toBe(hit?.messageId);
    // Titles are searched too.
    const titles = await client.call('search.query', { query: 'firs' });
    expect(titles.conversations.map((c) => c.conversationId)).toEqual([conversation.id]);
  });

  it('conversations.get shows the newest page; messages.page loads the older ones', async () => {
    const { client, app } = harness;
    const conversation = await client.call('conversations.create', { title: 'Long' });
    appendNumbered(app.store.conversations, conversation.id, null, 1, 250);
    const view = await client.call('conversations.get', { id: conversation.id });
    expect(view.messages).toHaveLength(200);
    expect(view.messages[0]?.content).toBe('message 51');
    expect(view.messages.at(-1)?.content).toBe('message 250');
    expect(view.olderBefore).not.toBeNull();
    const older = await client.call('messages.page', { conversationId: conversation.id, beforeSeq: view.olderBefore ?? 0, limit: 30 });
    expect(older.messages.map((m) => m.content)).toEqual(Array.from({ length: 30 }, (_, i) => `message ${i + 21}`));
    const oldest = await client.call('messages.page', { conversationId: conversation.id, beforeSeq: older.olderBefore ?? 0 });
    expect(oldest.messages.map((m) => m.content)).toEqual(Array.from({ length: 20 }, (_, i) => `message ${i + 1}`));
    expect(oldest.olderBefore).toBeNull();
    await expect(client.call('messages.page', { conversationId: 'missing', beforeSeq: 5 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(client.call('messages.page', { conversationId: conversation.id, beforeSeq: 0 })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
  });

  it('search.reveal of a message far up opens a window around it, which messages.page extends both ways', async () => {
    const { client, app } = harness;
    const conversation = await client.call('conversations.create', { title: 'Long' });
    appendNumbered(app.store.conversations, conversation.id, null, 1, 400);
    const numbers = (messages: readonly { content: string }[]): number[] => messages.map((m) => Number(m.content.split(' ')[1]));
    const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
    const view = await client.call('conversations.get', { id: conversation.id });
    expect(view.newerAfter).toBeNull();
    const older = await client.call('messages.page', { conversationId: conversation.id, beforeSeq: view.olderBefore ?? 0, limit: 200 });
    const hit = older.messages.find((m) => m.content === 'message 120');
    // Message 120 is not in the newest page (201–400): the view is 50 before it, it, and 100 after, not 120–400.
    const deep = await client.call('search.reveal', { messageId: hit?.id ?? '' });
    expect(deep.messageId).toBe(hit?.id);
    expect(numbers(deep.messages)).toEqual(range(70, 220));
    expect(deep.olderBefore).not.toBeNull();
    expect(deep.newerAfter).not.toBeNull();
    // Scrolling down: pages after the cursor, in order, up to the newest message, where the cursor ends.
    const down: number[] = [];
    let after = deep.newerAfter;
    while (after !== null) {
      const page = await client.call('messages.page', { conversationId: conversation.id, afterSeq: after, limit: 75 });
      expect(page.olderBefore).toBeNull();
      down.push(...numbers(page.messages));
      after = page.newerAfter;
    }
    expect(down).toEqual(range(221, 400));
    // Scrolling up from the window reaches the first message.
    const up = await client.call('messages.page', { conversationId: conversation.id, beforeSeq: deep.olderBefore ?? 0, limit: 500 });
    expect(numbers(up.messages)).toEqual(range(1, 69));
    expect(up.olderBefore).toBeNull();
    // A hit in the newest page opens the usual view.
    const near = await client.call('search.reveal', { messageId: view.messages[10]?.id ?? '' });
    expect(numbers(near.messages)).toEqual(range(201, 400));
    expect(near.newerAfter).toBeNull();
    // Exactly one cursor per page request.
    await expect(
      client.call('messages.page', { conversationId: conversation.id, beforeSeq: 5, afterSeq: 5 } as never),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(client.call('messages.page', { conversationId: conversation.id } as never)).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
  });

  it('a newer-page cursor from a branch no longer shown is refused, so the window reloads instead of mixing branches', async () => {
    const { client, app } = harness;
    const { conversations } = app.store;
    const conversation = await client.call('conversations.create', { title: 'Forked' });
    const fork = appendNumbered(conversations, conversation.id, null, 1, 300);
    const forkMessage = conversations.listMessages(conversation.id)[9]; // message 10
    const hit = conversations.listMessages(conversation.id)[19]; // message 20, after the fork
    // Another version of message 10, and a short branch under it: the conversation now shows that branch.
    const other = conversations.createSibling(forkMessage?.id ?? '', { content: 'message 10, another version' });
    appendNumbered(conversations, conversation.id, other.id, 11, 14);
    expect(fork).not.toBeNull();
    const deep = await client.call('search.reveal', { messageId: hit?.id ?? '' });
    expect(deep.messages.map((m) => m.content)).toContain('message 20');
    // Switch to the other version: the window's cursor belongs to a branch no longer shown.
    await client.call('messages.switchBranch', { messageId: other.id });
    await expect(
      client.call('messages.page', { conversationId: conversation.id, afterSeq: deep.newerAfter ?? 1 }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('messages.page brings the version switchers of the older messages it loads', async () => {
    const { client, app } = harness;
    const conversation = await client.call('conversations.create', { title: 'Long, edited early' });
    const { conversations } = app.store;
    const first = conversations.appendMessage({ conversationId: conversation.id, parentId: null, role: 'user', content: 'message 1', status: 'complete' });
    // An earlier version of the first message, then the branch through the newer one 250 messages long.
    const alternative = conversations.createSibling(first.id, { content: 'message 1, first version' });
    appendNumbered(conversations, conversation.id, first.id, 2, 250);
    const view = await client.call('conversations.get', { id: conversation.id });
    expect(view.messages[0]?.content).toBe('message 51');
    expect(view.branches).toEqual([]);
    const older = await client.call('messages.page', { conversationId: conversation.id, beforeSeq: view.olderBefore ?? 0, limit: 100 });
    expect(older.messages[0]?.content).toBe('message 1');
    expect(older.branches).toEqual([
      expect.objectContaining({ messageId: first.id, count: 2, index: 0, nextId: alternative.id, previousId: null }),
    ]);
  });

  it('while a reply is written, its conversation cannot be branched, switched or deleted (BUSY); others can', async () => {
    await harness.close();
    boot({ deltaDelayMs: 5 });
    const { client } = harness;
    const { conversation, second } = await twoExchanges();
    const other = await client.call('conversations.create', {});
    engine.queueReply({ text: 'slow '.repeat(40) });
    let started!: () => void;
    const startedPromise = new Promise<void>((resolve) => (started = resolve));
    const running = client.call('chat.send', { conversationId: conversation.id, text: 'third' }, {
      onEvent: (event) => {
        if (event.type === 'onStarted') started();
      },
    });
    await startedPromise;
    await expect(client.call('chat.regenerate', { messageId: second.result.id })).rejects.toMatchObject({ code: 'BUSY' });
    await expect(client.call('chat.send', { conversationId: conversation.id, text: 'x' })).rejects.toMatchObject({ code: 'BUSY' });
    await expect(client.call('messages.switchBranch', { messageId: second.result.id })).rejects.toMatchObject({ code: 'BUSY' });
    await expect(client.call('messages.deleteSubtree', { messageId: second.result.id })).rejects.toMatchObject({ code: 'BUSY' });
    await expect(client.call('conversations.delete', { id: conversation.id })).rejects.toMatchObject({ code: 'BUSY' });
    await expect(client.call('conversations.get', { id: other.id })).resolves.toMatchObject({ messages: [] });
    await expect(running).resolves.toMatchObject({ status: 'complete' });
    const switched = await client.call('messages.switchBranch', { messageId: second.result.id });
    expect(switched.messages.map((m) => m.id)).toContain(second.result.id);
  });
});

/**
 * Appends `message from` … `message to` as one branch under `parentId`, alternating user (odd numbers) and assistant
 * messages; returns the last one's id.
 */
function appendNumbered(conversations: ConversationStore, conversationId: string, parentId: string | null, from: number, to: number): string | null {
  let parent = parentId;
  for (let i = from; i <= to; i++) {
    parent = conversations.appendMessage({
      conversationId,
      parentId: parent,
      role: i % 2 ? 'user' : 'assistant',
      content: `message ${i}`,
      status: 'complete',
    }).id;
  }
  return parent;
}
