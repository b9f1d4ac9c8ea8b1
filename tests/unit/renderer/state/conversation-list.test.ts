// @vitest-environment jsdom
import { describe, expect, it, vi } from 'vitest';
import { ConversationListState } from '../../../../src-renderer/lib/conversation-list.svelte';
import { useAppSession } from './state-harness';

// The sidebar's lists, against the real app over the in-memory pair.

describe('ConversationListState', () => {
  const session = useAppSession();

  it('shows the app’s conversations, pinned first, and moves one between the lists as it is archived', async () => {
    const { client } = session.harness;
    const first = await client.call('conversations.create', { title: 'First' });
    const second = await client.call('conversations.create', { title: 'Second' });
    const list = new ConversationListState(client);
    await list.refresh();
    // (Both made in the same millisecond, perhaps: their order by time may tie.)
    expect(list.conversations.map((c) => c.title).sort()).toEqual(['First', 'Second']);

    await list.update({ id: first.id, pinned: true });
    await list.refresh();
    expect(list.conversations.map((c) => c.title)).toEqual(['First', 'Second']);
    expect(list.find(first.id)?.pinned).toBe(true);

    await list.update({ id: second.id, archived: true });
    expect(list.conversations.map((c) => c.title)).toEqual(['First']);
    expect(list.archived.map((c) => c.title)).toEqual(['Second']);
    expect(list.find(second.id)?.archived).toBe(true);
    // What the app stored, not only what the window shows.
    const stored = await client.call('conversations.list', { archived: true });
    expect(stored.map((c) => c.id)).toEqual([second.id]);
  });

  it('renames and deletes in the app, and a refused change leaves the list as it was', async () => {
    const { client } = session.harness;
    const conversation = await client.call('conversations.create', { title: 'Old title' });
    const list = new ConversationListState(client);
    await list.refresh();
    await list.rename(conversation.id, 'New title');
    expect(list.conversations.map((c) => c.title)).toEqual(['New title']);
    await expect(list.rename(conversation.id, '')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(list.conversations.map((c) => c.title)).toEqual(['New title']);

    await list.delete(conversation.id);
    expect(list.conversations).toEqual([]);
    expect(await client.call('conversations.list', {})).toEqual([]);
    await expect(list.delete(conversation.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('restores a deleted conversation into its list, in its place; a conversation deleted for good cannot be', async () => {
    const { client, app } = session.harness;
    const older = await client.call('conversations.create', { title: 'Older' });
    await new Promise((resolve) => setTimeout(resolve, 2)); // a later update time, so the order is certain
    const newer = await client.call('conversations.create', { title: 'Newer' });
    const list = new ConversationListState(client);
    await list.refresh();
    await list.delete(older.id);
    expect(list.conversations.map((c) => c.title)).toEqual(['Newer']);

    expect(await list.restore(older.id)).toEqual(older);
    await vi.waitFor(() => expect(list.conversations.map((c) => c.id)).toEqual([newer.id, older.id]));

    await list.delete(newer.id);
    app.store.conversations.purgeDeleted(Number.MAX_SAFE_INTEGER);
    await expect(list.restore(newer.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(list.conversations.map((c) => c.title)).toEqual(['Older']);
  });

  it('reads a long list a page at a time (small answers), every conversation once, pinned first', async () => {
    const { client } = session.harness;
    const made: string[] = [];
    for (let index = 0; index < 2_050; index++) made.push((await client.call('conversations.create', { title: `Chat ${index}` })).id);
    await client.call('conversations.update', { id: made[5]!, pinned: true });
    const call = vi.spyOn(client, 'call');
    const list = new ConversationListState(client);
    expect(await list.refresh()).toBe(true);
    const pages = call.mock.calls.filter(([method]) => method === 'conversations.listPage');
    expect(pages.length).toBeGreaterThanOrEqual(6); // 2,050 in pages of 500, and the archived list
    expect(call.mock.calls.some(([method]) => method === 'conversations.list')).toBe(false);
    expect(list.conversations).toHaveLength(2_050);
    expect(new Set(list.conversations.map((c) => c.id))).toEqual(new Set(made));
    expect(list.conversations[0]!.id).toBe(made[5]);
    call.mockRestore();
  });

  it('shows the newest of two overlapping refreshes, never the older answer', async () => {
    const { client } = session.harness;
    const list = new ConversationListState(client);
    const first = list.refresh();
    await client.call('conversations.create', { title: 'Made between the two' });
    const second = list.refresh();
    expect(await first).toBe(false);
    expect(await second).toBe(true);
    expect(list.conversations.map((c) => c.title)).toEqual(['Made between the two']);
  });
});
