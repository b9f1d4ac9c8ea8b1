import Sqlite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { ReplyStats } from '../../../../src-main/common/types';
import { conversationSql } from '../../../../src-main/node/store/conversation-sql';
import { ConversationStore, DEFAULT_CONVERSATION_TITLE } from '../../../../src-main/node/store/conversation-store';
import { MIGRATIONS } from '../../../../src-main/node/store/migrations';
import { closeDatabase, openDatabase } from '../../../../src-main/node/store/open-database';
import { isStoreError } from '../../../../src-main/node/store/store-error';
import type { StoreErrorCode } from '../../../../src-main/node/store/store-error';
import { analyzedDatabase, onCleanup, queryPlan, tempDbPath } from './temp-store';

/** A clock the test moves by hand, so ordering by time is exact. */
function manualClock(start = 1_700_000_000_000) {
  let now = start;
  return {
    now: () => now,
    set: (ms: number) => void (now = ms),
    advance: (ms = 1) => void (now += ms),
  };
}

function openStore(file = tempDbPath(), clock = manualClock()) {
  const store = ConversationStore.open(file, { now: clock.now });
  onCleanup(() => store.close());
  return { store, file, clock };
}

function expectStoreError(fn: () => unknown, code: StoreErrorCode): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(isStoreError(caught, code), `expected StoreError ${code}, got ${String(caught)}`).toBe(true);
}

/** The bytes SQLite holds for a message's text, read over a separate plain connection. */
function storedHex(file: string, sql: string, id: string): string {
  const db = new Sqlite(file, { readonly: true });
  try {
    return db.prepare(sql).pluck().get(id) as string;
  } finally {
    db.close();
  }
}

const stats: ReplyStats = {
  promptTokens: 42,
  evaluatedPromptTokens: 12,
  generatedTokens: 7,
  timeToFirstTokenMs: 180,
  tokensPerSecond: 21.5,
  stopReason: 'eos',
};

describe('ConversationStore', () => {
  describe('conversations', () => {
    it('creates a conversation with a title, or the default title', () => {
      const { store, clock } = openStore();

      const named = store.createConversation({ title: '  Trip to Lisbon  ' });
      const unnamed = store.createConversation();

      expect(named).toEqual({
        id: expect.any(String),
        title: 'Trip to Lisbon',
        createdAt: clock.now(),
        updatedAt: clock.now(),
        pinned: false,
        archived: false,
        systemPrompt: null,
        generation: {},
        model: null,
        source: 'chat',
        engine: null,
      });
      expect(unnamed.title).toBe(DEFAULT_CONVERSATION_TITLE);
      expect(named.id).not.toBe(unnamed.id);
      expect(store.getConversation(named.id)).toEqual(named);
    });

    it('marks a conversation started in the quick prompt, and keeps the mark', () => {
      const { store } = openStore();
      const quick = store.createConversation({ title: 'Quick one', source: 'quick' });
      expect(quick.source).toBe('quick');
      store.appendMessage({ conversationId: quick.id, parentId: null, role: 'user', content: 'hi', status: 'complete' });
      store.updateConversation(quick.id, { pinned: true });
      expect(store.getConversation(quick.id)?.source).toBe('quick');
      expect(store.listConversations().map((c) => [c.title, c.source])).toEqual([['Quick one', 'quick']]);
    });

    it('lists conversations most recently updated first', () => {
      const { store, clock } = openStore();
      const a = store.createConversation({ title: 'a' });
      clock.advance();
      const b = store.createConversation({ title: 'b' });
      clock.advance();
      const c = store.createConversation({ title: 'c' });
      expect(store.listConversations().map((x) => x.title)).toEqual(['c', 'b', 'a']);

      clock.advance();
      store.appendMessage({ conversationId: a.id, parentId: null, role: 'user', content: 'hi', status: 'complete' });

      expect(store.listConversations().map((x) => x.title)).toEqual(['a', 'c', 'b']);
      expect(store.getConversation(a.id)?.updatedAt).toBe(clock.now());
      expect([b, c].map((x) => store.getConversation(x.id)?.updatedAt)).toEqual([b.updatedAt, c.updatedAt]);
    });

    it('gives the same list a page at a time, ties, pins and archived ones included', () => {
      const { store, clock } = openStore();
      const titles = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
      const ids = titles.map((title, index) => {
        if (index % 3 === 0) clock.advance(); // some share a millisecond: ties broken by creation, then id
        return store.createConversation({ title }).id;
      });
      store.updateConversation(ids[1]!, { pinned: true });
      store.updateConversation(ids[5]!, { pinned: true });
      store.updateConversation(ids[3]!, { archived: true });
      store.updateConversation(ids[6]!, { archived: true });
      for (const archived of [false, true]) {
        const paged: string[] = [];
        let after = null;
        let pages = 0;
        do {
          const page: ReturnType<typeof store.listConversationsPage> = store.listConversationsPage({ archived, after, limit: 2 });
          paged.push(...page.conversations.map((conversation) => conversation.title));
          after = page.next;
          pages += 1;
        } while (after);
        expect(paged).toEqual(store.listConversations({ archived }).map((conversation) => conversation.title));
        expect(pages).toBe(Math.floor(paged.length / 2) + 1);
      }
    });

    it('breaks ties in the same millisecond the same way every time, newest creation first', () => {
      const { store, clock } = openStore();
      const older = store.createConversation({ title: 'older' });
      clock.advance();
      const newer = store.createConversation({ title: 'newer' });
      clock.advance();
      store.appendMessage({ conversationId: older.id, parentId: null, role: 'user', content: 'x', status: 'complete' });
      store.appendMessage({ conversationId: newer.id, parentId: null, role: 'user', content: 'x', status: 'complete' });

      expect(store.listConversations().map((x) => x.title)).toEqual(['newer', 'older']);
    });

    it('never moves updatedAt backwards when the wall clock does', () => {
      const { store, clock } = openStore();
      const conversation = store.createConversation();
      clock.set(conversation.createdAt - 60_000);

      store.appendMessage({ conversationId: conversation.id, parentId: null, role: 'user', content: 'hi', status: 'complete' });

      expect(store.getConversation(conversation.id)?.updatedAt).toBe(conversation.updatedAt);
    });

    it('renames a conversation without moving it in the list', () => {
      const { store, clock } = openStore();
      const first = store.createConversation({ title: 'first' });
      clock.advance();
      store.createConversation({ title: 'second' });
      clock.advance();

      const renamed = store.renameConversation(first.id, 'First, renamed');

      expect(renamed).toEqual({ ...first, title: 'First, renamed' });
      expect(store.listConversations().map((x) => x.title)).toEqual(['second', 'First, renamed']);
      expectStoreError(() => store.renameConversation('no-such-id', 'x'), 'NOT_FOUND');
    });

    it('deletes a conversation with its messages, and says whether there was one', () => {
      const { store, file } = openStore();
      const doomed = store.createConversation({ title: 'doomed' });
      const kept = store.createConversation({ title: 'kept' });
      const question = store.appendMessage({ conversationId: doomed.id, parentId: null, role: 'user', content: 'q', status: 'complete' });
      store.appendMessage({ conversationId: doomed.id, parentId: question.id, role: 'assistant', content: 'a', status: 'complete' });

      expect(store.deleteConversation(doomed.id)).toBe(true);
      expect(store.deleteConversation(doomed.id)).toBe(false);

      expect(store.listConversations()).toEqual([kept]);
      expect(store.getConversation(doomed.id)).toBeNull();
      expect(store.getMessage(question.id)).toBeNull();
      expect(storedHex(file, 'SELECT count(*) FROM messages WHERE conversation_id = ?', doomed.id)).toBe(0);
    });

    it('returns null for a conversation or message that does not exist', () => {
      const { store } = openStore();
      expect(store.getConversation('missing')).toBeNull();
      expect(store.getMessage('missing')).toBeNull();
      expect(store.listMessages('missing')).toEqual([]);
    });
  });

  describe('messages', () => {
    it('appends messages along the current branch and lists them oldest first', () => {
      const { store, clock } = openStore();
      const { id: conversationId } = store.createConversation();

      const question = store.appendMessage({ conversationId, parentId: null, role: 'user', content: 'What is 2+2?', status: 'complete' });
      clock.advance();
      const answer = store.appendMessage({ conversationId, parentId: question.id, role: 'assistant', content: '4', status: 'complete' });
      clock.advance();
      const followUp = store.appendMessage({ conversationId, parentId: answer.id, role: 'user', content: 'And 3+3?', status: 'complete' });

      expect(question).toEqual({
        id: expect.any(String),
        conversationId,
        parentId: null,
        role: 'user',
        content: 'What is 2+2?',
        status: 'complete',
        createdAt: clock.now() - 2,
        stats: null,
        error: null,
      });
      expect(store.listMessages(conversationId)).toEqual([question, answer, followUp]);
      expect(store.getMessage(answer.id)).toEqual(answer);
    });

    it('keeps messages as a tree: a new reply to an earlier message becomes the current branch', () => {
      const { store } = openStore();
      const { id: conversationId } = store.createConversation();
      const question = store.appendMessage({ conversationId, parentId: null, role: 'user', content: 'Q', status: 'complete' });
      const firstAnswer = store.appendMessage({ conversationId, parentId: question.id, role: 'assistant', content: 'A1', status: 'complete' });
      store.appendMessage({ conversationId, parentId: firstAnswer.id, role: 'user', content: 'more', status: 'complete' });

      const regenerated = store.appendMessage({ conversationId, parentId: question.id, role: 'assistant', content: 'A2', status: 'complete' });

      expect(store.listMessages(conversationId).map((m) => m.content)).toEqual(['Q', 'A2']);
      expect(store.getMessage(firstAnswer.id)?.content).toBe('A1'); // the other branch is kept
      expect(regenerated.parentId).toBe(question.id);
    });

    it('refuses a message for a missing conversation, or after a message of another conversation', () => {
      const { store } = openStore();
      const a = store.createConversation();
      const b = store.createConversation();
      const inA = store.appendMessage({ conversationId: a.id, parentId: null, role: 'user', content: 'a', status: 'complete' });

      expectStoreError(
        () => store.appendMessage({ conversationId: 'missing', parentId: null, role: 'user', content: 'x', status: 'complete' }),
        'NOT_FOUND',
      );
      expectStoreError(
        () => store.appendMessage({ conversationId: b.id, parentId: inA.id, role: 'user', content: 'x', status: 'complete' }),
        'NOT_FOUND',
      );
      expect(store.listMessages(b.id)).toEqual([]);
    });

    it('streams a reply: appended deltas, then finished with stats', () => {
      const { store, clock } = openStore();
      const { id: conversationId } = store.createConversation();
      const question = store.appendMessage({ conversationId, parentId: null, role: 'user', content: 'Hi', status: 'complete' });
      clock.advance();
      const reply = store.appendMessage({ conversationId, parentId: question.id, role: 'assistant', content: '', status: 'streaming' });
      const updatedWhenAdded = store.getConversation(conversationId)?.updatedAt;

      clock.advance(100);
      for (const delta of ['Hel', 'lo', ', there', '!']) store.appendToMessage(reply.id, delta);
      expect(store.getMessage(reply.id)).toMatchObject({ content: 'Hello, there!', status: 'streaming', stats: null });
      // Deltas touch only the message row.
      expect(store.getConversation(conversationId)?.updatedAt).toBe(updatedWhenAdded);

      clock.advance(100);
      const finished = store.finishMessage(reply.id, { status: 'complete', stats });

      expect(finished).toEqual({ ...reply, content: 'Hello, there!', status: 'complete', stats, error: null });
      expect(store.listMessages(conversationId)).toEqual([question, finished]);
      expect(store.getConversation(conversationId)?.updatedAt).toBe(clock.now());
    });

    it('keeps the text of a stopped reply', () => {
      const { store, file } = openStore();
      const { id: conversationId } = store.createConversation();
      const reply = store.appendMessage({ conversationId, parentId: null, role: 'assistant', content: '', status: 'streaming' });
      store.appendToMessage(reply.id, 'Once upon a ');
      store.appendToMessage(reply.id, 'time');

      store.finishMessage(reply.id, { status: 'stopped', stats: { ...stats, stopReason: 'aborted' } });
      store.close();

      const reopened = openStore(file).store;
      expect(reopened.getMessage(reply.id)).toMatchObject({
        content: 'Once upon a time',
        status: 'stopped',
        stats: { stopReason: 'aborted' },
      });
    });

    it('keeps the text and the reason of a failed reply', () => {
      const { store } = openStore();
      const { id: conversationId } = store.createConversation();
      const reply = store.appendMessage({ conversationId, parentId: null, role: 'assistant', content: '', status: 'streaming' });
      store.appendToMessage(reply.id, 'Partial');

      const failed = store.finishMessage(reply.id, { status: 'error', error: 'The engine ran out of memory' });

      expect(failed).toMatchObject({ content: 'Partial', status: 'error', error: 'The engine ran out of memory', stats: null });
    });

    it('refuses to change a reply that already finished, or one that does not exist', () => {
      const { store } = openStore();
      const { id: conversationId } = store.createConversation();
      const reply = store.appendMessage({ conversationId, parentId: null, role: 'assistant', content: 'done', status: 'streaming' });
      store.finishMessage(reply.id, { status: 'complete', stats });

      expectStoreError(() => store.appendToMessage(reply.id, ' late delta'), 'NOT_STREAMING');
      expectStoreError(() => store.finishMessage(reply.id, { status: 'error', error: 'late' }), 'NOT_STREAMING');
      expectStoreError(() => store.appendToMessage('missing', 'x'), 'NOT_FOUND');
      expectStoreError(() => store.finishMessage('missing', { status: 'complete' }), 'NOT_FOUND');
      expect(store.getMessage(reply.id)).toMatchObject({ content: 'done', status: 'complete', error: null });
    });
  });

  describe('after a restart', () => {
    it('shows everything that was written, from a fresh connection to the file', () => {
      const { store, file } = openStore();
      const a = store.createConversation({ title: 'A' });
      const b = store.createConversation({ title: 'B' });
      const q = store.appendMessage({ conversationId: a.id, parentId: null, role: 'user', content: 'question', status: 'complete' });
      const r = store.appendMessage({ conversationId: a.id, parentId: q.id, role: 'assistant', content: '', status: 'streaming' });
      store.appendToMessage(r.id, 'answer');
      store.finishMessage(r.id, { status: 'complete', stats });
      store.renameConversation(b.id, 'B renamed');
      const conversationsBefore = store.listConversations();
      const messagesBefore = store.listMessages(a.id);
      store.close();

      const reopened = openStore(file).store;

      expect(reopened.listConversations()).toEqual(conversationsBefore);
      expect(reopened.listMessages(a.id)).toEqual(messagesBefore);
      expect(messagesBefore.map((m) => [m.content, m.status])).toEqual([
        ['question', 'complete'],
        ['answer', 'complete'],
      ]);
    });

    it('marks replies left streaming by a crash as interrupted, keeping their text', () => {
      const { store, file } = openStore();
      const { id: conversationId } = store.createConversation();
      const q = store.appendMessage({ conversationId, parentId: null, role: 'user', content: 'Tell me a story', status: 'complete' });
      const r = store.appendMessage({ conversationId, parentId: q.id, role: 'assistant', content: '', status: 'streaming' });
      store.appendToMessage(r.id, 'It was a dark and');
      store.close(); // the app dies here: finishMessage never runs

      const reopened = openStore(file).store;
      expect(reopened.markStreamingAsInterrupted()).toBe(1);

      expect(reopened.listMessages(conversationId)).toEqual([
        expect.objectContaining({ id: q.id, status: 'complete' }),
        expect.objectContaining({ id: r.id, status: 'interrupted', content: 'It was a dark and' }),
      ]);
      expect(reopened.markStreamingAsInterrupted()).toBe(0);
    });
  });

  describe('text is stored as well-formed UTF-8', () => {
    it('replaces lone surrogates in content and titles with U+FFFD', () => {
      const { store, file } = openStore();
      const conversation = store.createConversation({ title: 'bad \uD800 title' });
      const message = store.appendMessage({
        conversationId: conversation.id,
        parentId: null,
        role: 'user',
        content: 'a\uDC00b\uD83D\uDE00c', // a lone low surrogate, then a valid pair (😀)
        status: 'complete',
      });

      expect(message.content).toBe('a\uFFFDb😀c');
      expect(store.getMessage(message.id)?.content).toBe('a\uFFFDb😀c');
      expect(store.getConversation(conversation.id)?.title).toBe('bad \uFFFD title');
      // The bytes on disk are valid UTF-8: EF BF BD is U+FFFD, F0 9F 98 80 is 😀.
      expect(storedHex(file, 'SELECT hex(content) FROM messages WHERE id = ?', message.id)).toBe('61EFBFBD62F09F988063');
    });

    it('keeps an emoji whose surrogate pair is split across two deltas', () => {
      const { store, file } = openStore();
      const { id: conversationId } = store.createConversation();
      const reply = store.appendMessage({ conversationId, parentId: null, role: 'assistant', content: '', status: 'streaming' });

      store.appendToMessage(reply.id, 'smile \uD83D');
      store.appendToMessage(reply.id, '\uDE00 and \uD800');
      const finished = store.finishMessage(reply.id, { status: 'complete' });

      // The split pair is whole; the high surrogate left dangling at the end becomes U+FFFD.
      expect(finished.content).toBe('smile 😀 and \uFFFD');
      expect(storedHex(file, 'SELECT hex(content) FROM messages WHERE id = ?', reply.id)).toBe(
        Buffer.from('smile 😀 and \uFFFD', 'utf8').toString('hex').toUpperCase(),
      );
    });

    it('stores a lone surrogate in an error reason as U+FFFD', () => {
      const { store } = openStore();
      const { id: conversationId } = store.createConversation();
      const reply = store.appendMessage({ conversationId, parentId: null, role: 'assistant', content: '', status: 'streaming' });
      expect(store.finishMessage(reply.id, { status: 'error', error: 'bad \uDBFF' }).error).toBe('bad \uFFFD');
    });
  });

  describe('the store’s own statements use indexes', () => {
    /** What each statement must use; a lookup by key must never scan a table. */
    const expectedIndex: Partial<Record<keyof typeof conversationSql, RegExp>> = {
      listConversations: /SEARCH conversations USING INDEX conversations_by_list \(archived=\?\)/,
      listConversationsFirst: /SEARCH conversations USING INDEX conversations_by_list \(archived=\?\)/,
      // A page after a row: the same walk from a row-value bound on the index, never a walk from its end.
      listConversationsAfter: /SEARCH conversations USING INDEX conversations_by_list \(archived=\? AND \(pinned,updated_at,created_at,id\)<\(\?,\?,\?,\?\)\)/,
      getConversation: /SEARCH conversations USING (INDEX|PRIMARY KEY)/,
      renameConversation: /SEARCH conversations USING (INDEX|PRIMARY KEY)/,
      updateConversation: /SEARCH conversations USING (INDEX|PRIMARY KEY)/,
      deleteConversation: /SEARCH messages USING (COVERING )?INDEX/,
      markDeleted: /SEARCH conversations USING (INDEX|PRIMARY KEY)/,
      restoreConversation: /SEARCH conversations USING (INDEX|PRIMARY KEY)/,
      // The partial index of marked conversations: never a walk of every conversation.
      listDeleted: /SEARCH conversations USING (COVERING )?INDEX conversations_deleted \(deleted_at>\?\)/,
      // The cascade reaches the conversation's draft and its messages through their indexes too.
      purgeDeleted: /SEARCH conversations USING (INDEX|PRIMARY KEY)[^\n]*\n(?:[^\n]*SEARCH drafts USING (COVERING )?INDEX[^\n]*\n)?[^\n]*SEARCH messages USING (COVERING )?INDEX/,
      touchConversation: /SEARCH conversations USING (INDEX|PRIMARY KEY)/,
      nextMessageSeq: /SEARCH messages USING COVERING INDEX messages_by_conversation_seq/,
      messageInConversation: /SEARCH messages USING COVERING INDEX messages_by_conversation_id/,
      // Its own plan is the foreign-key check of the conversation it belongs to.
      insertMessage: /SEARCH conversations USING (INDEX|PRIMARY KEY)/,
      getMessage: /SEARCH messages USING (INDEX|PRIMARY KEY)/,
      listBranch: /SEARCH m USING (INDEX|PRIMARY KEY)/,
      appendToMessage: /SEARCH messages USING (INDEX|PRIMARY KEY)/,
      finishMessage: /SEARCH messages USING (INDEX|PRIMARY KEY)/,
      markStreamingAsInterrupted: /SEARCH messages USING (COVERING )?INDEX messages_streaming/,
    };

    it.each(Object.entries(conversationSql))('%s', (name, sql) => {
      const db = analyzedDatabase((file) => openDatabase(file));
      onCleanup(() => closeDatabase(db));
      const plan = queryPlan(db, sql).join('\n');

      const expected = expectedIndex[name as keyof typeof conversationSql];
      if (expected) expect(plan).toMatch(expected);
      else expect(name).toBe('insertConversation'); // only plain inserts need no lookup of their own
      expect(plan).not.toMatch(/SCAN (messages|conversations|m)\b(?! USING)/);
      if (name.startsWith('listConversations') || name === 'listDeleted') expect(plan).not.toContain('TEMP B-TREE');
    });
  });

  describe('lifecycle', () => {
    it('refuses a database that is not migrated to its schema', () => {
      const db = openDatabase(tempDbPath(), { migrations: MIGRATIONS.slice(0, 0) });
      onCleanup(() => closeDatabase(db));
      expectStoreError(() => new ConversationStore(db), 'DB_SCHEMA_MISMATCH');
    });

    it('fails with DB_CLOSED after close, and close can be called twice', () => {
      const { store } = openStore();
      store.close();
      store.close();
      expectStoreError(() => store.listConversations(), 'DB_CLOSED');
    });

    it('leaves a database it was given open for its owner', () => {
      const db = openDatabase(tempDbPath());
      onCleanup(() => closeDatabase(db));
      const store = new ConversationStore(db);
      store.createConversation({ title: 'shared' });

      store.close();

      expectStoreError(() => store.listConversations(), 'DB_CLOSED');
      expect(db.open).toBe(true);
      expect(db.prepare('SELECT title FROM conversations').pluck().all()).toEqual(['shared']);
    });
  });
});
