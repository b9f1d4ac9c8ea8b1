import Sqlite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { branchText, expectStoreError, manualClock, openTestStore, say } from './store-fixtures';
import { tempDbPath } from './temp-store';

// Undoable deletion in the store (migration 006): a conversation is marked deleted, hidden from every read the app
// makes, restored whole by an undo, and deleted for good by the purge.

/** A store with two conversations: "Trip to Lisbon" (a question, two alternative answers) and "Cooking". */
function twoConversations(file = tempDbPath()) {
  const clock = manualClock();
  const store = openTestStore(file, { now: clock.now });
  const lisbon = store.conversations.createConversation({ title: 'Trip to Lisbon', systemPrompt: 'Be a guide.' });
  clock.advance();
  const question = say(store, lisbon.id, null, 'user', 'Where are the best pastéis de nata?');
  clock.advance();
  say(store, lisbon.id, question, 'assistant', 'Manteigaria in Chiado.');
  clock.advance();
  const answer = store.conversations.createSibling(store.conversations.listMessages(lisbon.id)[1]!.id, {
    content: 'Pastéis de Belém, near the monastery.',
    status: 'complete',
  });
  clock.advance();
  const cooking = store.conversations.createConversation({ title: 'Cooking' });
  clock.advance();
  say(store, cooking.id, null, 'user', 'How long do I boil an egg? Like the pastéis?');
  store.conversations.updateConversation(lisbon.id, { pinned: true });
  return { store, clock, file, lisbon: store.conversations.getConversation(lisbon.id)!, cooking, question, answer };
}

describe('deleted conversations in the store', () => {
  it('hides a marked conversation from the list, reads, changes and search; its rows stay as they were', () => {
    const { store, clock, lisbon, cooking, question } = twoConversations();
    clock.set(1_800_000_000_000);

    expect(store.conversations.markDeleted(lisbon.id)).toBe(1_800_000_000_000);

    expect(store.conversations.listConversations().map((c) => c.title)).toEqual(['Cooking']);
    expect(store.conversations.getConversation(lisbon.id)).toBeNull();
    expect(store.conversations.branchVersion(lisbon.id)).toBeNull();
    expectStoreError(() => store.conversations.renameConversation(lisbon.id, 'Renamed'), 'NOT_FOUND');
    expectStoreError(() => store.conversations.updateConversation(lisbon.id, { archived: true }), 'NOT_FOUND');
    expectStoreError(
      () => store.conversations.appendMessage({ conversationId: lisbon.id, parentId: null, role: 'user', content: 'x', status: 'complete' }),
      'NOT_FOUND',
    );
    expectStoreError(() => store.conversations.createSibling(question.id, { content: 'another question' }), 'NOT_FOUND');
    // Neither its messages nor its title are found any more; the other conversation's are.
    expect(store.search.searchMessages('pastéis').map((hit) => hit.conversationId)).toEqual([cooking.id]);
    expect(store.search.searchConversations('lisbon')).toEqual([]);
    expect(store.search.searchMessages('manteigaria', { conversationId: lisbon.id })).toEqual([]);
    // Nothing is gone yet: the rows and the index are untouched.
    expect(store.conversations.listDeleted()).toEqual([{ id: lisbon.id, deletedAt: 1_800_000_000_000 }]);
    expect(store.search.verifySearchIndex()).toBe(true);
  });

  it('leaves a marked conversation out of the export and of the import’s "already here" check', () => {
    const { store, lisbon, cooking } = twoConversations();
    const exported = store.history.readConversation(lisbon.id);
    expect(store.history.countMessages()).toBe(4);

    store.conversations.markDeleted(lisbon.id);

    expect(store.history.conversationIds()).toEqual([cooking.id]);
    expect(store.history.countMessages()).toBe(1);
    expectStoreError(() => store.history.readConversation(lisbon.id), 'NOT_FOUND');
    // Importing the same conversation brings it back as a new one, rather than "skipped: already here".
    expect(store.history.findDuplicate(exported)).toBeNull();
  });

  it('restores a marked conversation whole: messages, branches, options, its place in the list, search', () => {
    const { store, clock, lisbon } = twoConversations();
    const branchBefore = branchText(store, lisbon.id);
    const listBefore = store.conversations.listConversations();
    store.conversations.markDeleted(lisbon.id);
    clock.advance(5_000);

    const restored = store.conversations.restoreConversation(lisbon.id);

    expect(restored).toEqual(lisbon);
    expect(store.conversations.listConversations()).toEqual(listBefore);
    expect(branchText(store, lisbon.id)).toEqual(branchBefore);
    expect(store.tree.listSiblings(store.conversations.listMessages(lisbon.id)[1]!.id)).toHaveLength(2);
    expect(store.search.searchMessages('manteigaria').map((hit) => hit.conversationId)).toEqual([lisbon.id]);
    expect(store.search.searchConversations('lisbon').map((hit) => hit.conversationId)).toEqual([lisbon.id]);
    expect(store.conversations.listDeleted()).toEqual([]);
    // Restoring what is not deleted changes nothing.
    expect(store.conversations.restoreConversation(lisbon.id)).toEqual(lisbon);
  });

  it('keeps the first mark when a conversation is deleted twice', () => {
    const { store, clock, lisbon } = twoConversations();
    const first = store.conversations.markDeleted(lisbon.id);
    clock.advance(10_000);
    expect(store.conversations.markDeleted(lisbon.id)).toBeNull();
    expect(store.conversations.markDeleted('no-such-conversation')).toBeNull();
    expect(store.conversations.listDeleted()).toEqual([{ id: lisbon.id, deletedAt: first }]);
  });

  it('purges only conversations marked at or before the given time, for good, with their messages and index entries', () => {
    const { store, clock, file, lisbon, cooking } = twoConversations();
    clock.set(2_000_000_000_000);
    store.conversations.markDeleted(cooking.id);
    clock.set(2_000_000_010_000);
    store.conversations.markDeleted(lisbon.id);

    expect(store.conversations.purgeDeleted(2_000_000_009_999)).toEqual([cooking.id]);
    expect(store.conversations.listDeleted()).toEqual([{ id: lisbon.id, deletedAt: 2_000_000_010_000 }]);
    expectStoreError(() => store.conversations.restoreConversation(cooking.id), 'NOT_FOUND');
    // The purged one's messages are gone from the table and from the index (checked against its content).
    const raw = new Sqlite(file, { readonly: true });
    try {
      expect(raw.prepare('SELECT count(*) FROM messages WHERE conversation_id = ?').pluck().get(cooking.id)).toBe(0);
      expect(raw.prepare('SELECT count(*) FROM messages WHERE conversation_id = ?').pluck().get(lisbon.id)).toBe(3);
    } finally {
      raw.close();
    }
    expect(store.search.verifySearchIndex()).toBe(true);

    // An undo before the purge wins: the purge then finds nothing to delete.
    store.conversations.restoreConversation(lisbon.id);
    expect(store.conversations.purgeDeleted(Number.MAX_SAFE_INTEGER)).toEqual([]);
    expect(store.conversations.listConversations().map((c) => c.title)).toEqual(['Trip to Lisbon']);
  });

  it('keeps the mark across a reopen (a crash in the undo window), so the deletion can still be completed or undone', () => {
    const file = tempDbPath();
    const first = twoConversations(file);
    first.store.conversations.markDeleted(first.cooking.id);
    // No close: the WAL is left behind as after a crash. A second connection sees what was committed.
    const second = openTestStore(file, { markInterrupted: false });
    expect(second.conversations.listConversations().map((c) => c.title)).toEqual(['Trip to Lisbon']);
    expect(second.conversations.listDeleted().map((d) => d.id)).toEqual([first.cooking.id]);
    expect(second.conversations.restoreConversation(first.cooking.id).title).toBe('Cooking');
  });
});
