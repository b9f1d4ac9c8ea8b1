import { describe, expect, it } from 'vitest';
import { messageTreeSql } from '../../../../src-main/node/store/message-tree-sql';
import { MAX_PAGE_SIZE } from '../../../../src-main/node/store/message-tree';
import { closeDatabase, openDatabase } from '../../../../src-main/node/store/open-database';
import { branchText, expectStoreError, manualClock, openTestStore, say } from './store-fixtures';
import { analyzedDatabase, onCleanup, queryPlan, tempDbPath } from './temp-store';

/**
 * Q → A1, then Q edited (Q2 → A2), then A2 regenerated (A3, current):
 *   Q ── A1
 *   Q2 ─┬ A2
 *       └ A3   ← current leaf
 */
function branchedConversation() {
  const clock = manualClock();
  const store = openTestStore(tempDbPath(), { now: clock.now });
  const { id } = store.conversations.createConversation();
  const q = say(store, id, null, 'user', 'Q');
  const a1 = say(store, id, q, 'assistant', 'A1');
  const q2 = store.conversations.createSibling(q.id, { content: 'Q2' });
  const a2 = say(store, id, q2, 'assistant', 'A2');
  const a3 = store.conversations.createSibling(a2.id, { content: '' });
  store.conversations.appendToMessage(a3.id, 'A3');
  store.conversations.finishMessage(a3.id, { status: 'complete' });
  return { store, clock, id, q, a1, q2, a2, a3 };
}

/** A conversation that is one chain of `length` messages, written in one transaction. */
function longChain(length: number) {
  const store = openTestStore();
  const { id } = store.conversations.createConversation();
  const db = openDatabase(store.file);
  onCleanup(() => closeDatabase(db));
  const insert = db.prepare(
    `INSERT INTO messages (id, conversation_id, parent_id, seq, role, content, status, created_at)
     VALUES (@id, @c, @parent, @seq, @role, @content, 'complete', @seq)`,
  );
  db.transaction(() => {
    for (let seq = 1; seq <= length; seq++) {
      const role = seq % 2 ? 'user' : 'assistant';
      insert.run({ id: `m${seq}`, c: id, parent: seq === 1 ? null : `m${seq - 1}`, seq, role, content: `message ${seq}` });
    }
    db.prepare('UPDATE conversations SET current_leaf_id = ? WHERE id = ?').run(`m${length}`, id);
  })();
  return { store, id };
}

describe('MessageTree', () => {
  describe('edit and regenerate create siblings, never destroying a branch', () => {
    it('edit-and-resend adds a user sibling under the same parent and shows it', () => {
      const { store, id, q, a1, q2 } = branchedConversation();

      expect(q2).toMatchObject({ parentId: null, role: 'user', status: 'complete', content: 'Q2' });
      expect(store.tree.listSiblings(q.id).map((m) => m.content)).toEqual(['Q', 'Q2']);
      expect(store.conversations.getMessage(a1.id)?.content).toBe('A1');
      expect(branchText(store, id)).toEqual(['Q2', 'A3']);
    });

    it('regenerate adds a streaming assistant sibling, which becomes the current leaf', () => {
      const { store, id, q2, a2, a3 } = branchedConversation();

      const a4 = store.conversations.createSibling(a3.id, { content: '' });

      expect(a4).toMatchObject({ parentId: q2.id, role: 'assistant', status: 'streaming', content: '' });
      expect(store.tree.listSiblings(a4.id).map((m) => m.id)).toEqual([a2.id, a3.id, a4.id]);
      expect(store.conversations.listMessages(id).map((m) => m.id)).toEqual([q2.id, a4.id]);
      expectStoreError(() => store.conversations.createSibling('missing', { content: 'x' }), 'NOT_FOUND');
      expectStoreError(() => store.tree.listSiblings('missing'), 'NOT_FOUND');
    });
  });

  describe('branch positions for a "< 2/3 >" switcher', () => {
    it('gives each message on the current branch its index, count and neighbours', () => {
      const { store, id, q, q2, a2, a3 } = branchedConversation();

      expect(store.tree.listBranchPositions(id)).toEqual([
        { messageId: q2.id, index: 1, count: 2, previousId: q.id, nextId: null },
        { messageId: a3.id, index: 1, count: 2, previousId: a2.id, nextId: null },
      ]);
      expect(store.tree.getBranchPositions([a2.id, 'missing'])).toEqual([
        { messageId: a2.id, index: 0, count: 2, previousId: null, nextId: a3.id },
      ]);
    });
  });

  describe('switchBranch', () => {
    it('shows the latest leaf under the chosen message, and does not count as activity', () => {
      const { store, clock, id, q, a1, q2, a2 } = branchedConversation();
      const updatedAt = store.conversations.getConversation(id)?.updatedAt;
      clock.advance(1000);

      expect(store.tree.switchBranch(q.id)).toBe(a1.id);
      expect(branchText(store, id)).toEqual(['Q', 'A1']);

      // Back to the edited question: its latest leaf is the regenerated answer, not the first one.
      store.tree.switchBranch(q2.id);
      expect(branchText(store, id)).toEqual(['Q2', 'A3']);
      store.tree.switchBranch(a2.id);
      expect(branchText(store, id)).toEqual(['Q2', 'A2']);
      expect(store.conversations.getConversation(id)?.updatedAt).toBe(updatedAt);
      expectStoreError(() => store.tree.switchBranch('missing'), 'NOT_FOUND');
    });

    it('follows the branch written last when a subtree has several', () => {
      const { store, id, q, a1 } = branchedConversation();
      store.tree.switchBranch(q.id);
      const followUp = say(store, id, a1, 'user', 'more');
      const older = say(store, id, followUp, 'assistant', 'older answer');
      const newer = store.conversations.createSibling(older.id, { content: 'newer answer', status: 'complete' });
      store.tree.switchBranch(store.tree.listSiblings(q.id)[1]!.id); // look at the other root meanwhile

      expect(store.tree.switchBranch(q.id)).toBe(newer.id);
      expect(branchText(store, id)).toEqual(['Q', 'A1', 'more', 'newer answer']);
    });
  });

  describe('deleteSubtree', () => {
    it('deletes a message with everything under it and moves the current leaf to its parent', () => {
      const { store, id, q2, a1 } = branchedConversation();

      expect(store.tree.deleteSubtree(store.conversations.listMessages(id)[1]!.id)).toEqual({ deleted: 1, currentLeafId: q2.id });
      expect(branchText(store, id)).toEqual(['Q2']);
      expect(store.tree.listSiblings(q2.id).map((m) => m.content)).toEqual(['Q', 'Q2']);

      // Deleting a branch that is not shown leaves the current leaf where it is.
      expect(store.tree.deleteSubtree(a1.id)).toEqual({ deleted: 1, currentLeafId: q2.id });
      expectStoreError(() => store.tree.deleteSubtree(a1.id), 'NOT_FOUND');
    });

    it('deletes a first message and its whole tree, moving the leaf to the latest remaining message', () => {
      const { store, id, q, a1 } = branchedConversation();

      expect(store.tree.deleteSubtree(store.tree.listSiblings(q.id)[1]!.id)).toEqual({ deleted: 3, currentLeafId: a1.id });
      expect(branchText(store, id)).toEqual(['Q', 'A1']);
      expect(store.tree.deleteSubtree(q.id)).toEqual({ deleted: 2, currentLeafId: null });
      expect(store.conversations.listMessages(id)).toEqual([]);
    });

    it('deletes a chain 2,500 deep (beyond SQLite’s trigger depth) and removes it from search', () => {
      const { store, id } = longChain(2500);
      expect(store.search.searchMessages('message').length).toBeGreaterThan(0);

      expect(store.tree.deleteSubtree('m2')).toEqual({ deleted: 2499, currentLeafId: 'm1' });

      expect(branchText(store, id)).toEqual(['message 1']);
      expect(store.search.searchMessages('message').map((hit) => hit.messageId)).toEqual(['m1']);
      expect(store.search.verifySearchIndex()).toBe(true);
    });
  });

  describe('listMessagesPage', () => {
    it('pages backwards through the current branch, oldest first within a page', () => {
      const { store, id } = longChain(25);

      const newest = store.tree.listMessagesPage(id, { limit: 10 });
      const middle = store.tree.listMessagesPage(id, { limit: 10, beforeSeq: newest.beforeSeq! });
      const oldest = store.tree.listMessagesPage(id, { limit: 10, beforeSeq: middle.beforeSeq! });

      expect(newest.messages.map((m) => m.id)).toEqual(Array.from({ length: 10 }, (_, i) => `m${16 + i}`));
      expect(newest.beforeSeq).toBe(16);
      expect(middle.messages.map((m) => m.id)).toEqual(Array.from({ length: 10 }, (_, i) => `m${6 + i}`));
      expect(oldest).toEqual({ messages: expect.any(Array), beforeSeq: null });
      expect(oldest.messages.map((m) => m.id)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
      expect([...oldest.messages, ...middle.messages, ...newest.messages]).toEqual(store.conversations.listMessages(id));
    });

    it('pages only the current branch, and gives an empty page for an unknown or empty conversation', () => {
      const { store, id } = branchedConversation();
      expect(store.tree.listMessagesPage(id, { limit: 1 }).messages.map((m) => m.content)).toEqual(['A3']);
      expect(store.tree.listMessagesPage(id, { limit: 50 })).toEqual({
        messages: store.conversations.listMessages(id),
        beforeSeq: null,
      });
      expect(store.tree.listMessagesPage('missing', { limit: 5 })).toEqual({ messages: [], beforeSeq: null });
    });

    it('refuses a page size outside 1–500 or a bad cursor', () => {
      const { store, id } = branchedConversation();
      expectStoreError(() => store.tree.listMessagesPage(id, { limit: 0 }), 'INVALID_INPUT');
      expectStoreError(() => store.tree.listMessagesPage(id, { limit: MAX_PAGE_SIZE + 1 }), 'INVALID_INPUT');
      expectStoreError(() => store.tree.listMessagesPage(id, { limit: 5, beforeSeq: 1.5 }), 'INVALID_INPUT');
    });

    it('loads the newest page of a 10,000-message conversation in well under 50 ms', () => {
      const { store, id } = longChain(10_000);
      store.tree.listMessagesPage(id, { limit: 50 }); // warm the statement cache
      const started = performance.now();
      const page = store.tree.listMessagesPage(id, { limit: 50 });
      const elapsed = performance.now() - started;

      expect(page.messages).toHaveLength(50);
      expect(page.messages.at(-1)?.id).toBe('m10000');
      expect(elapsed).toBeLessThan(50);
    });
  });

  describe('statements use indexes', () => {
    it.each(Object.entries(messageTreeSql))('%s', (_name, sql) => {
      const db = analyzedDatabase((file) => openDatabase(file));
      onCleanup(() => closeDatabase(db));
      const plan = queryPlan(db, sql).join('\n');
      // No full scan of a real table; sibling and child lookups go through messages_by_parent.
      expect(plan).not.toMatch(/SCAN (messages|conversations|m|s|c|p)\b(?! USING)/);
      if (/parent_id IS m\.parent_id|c\.parent_id = t\.id/.test(sql)) expect(plan).toMatch(/USING (COVERING )?INDEX messages_by_parent/);
    });
  });
});
