import { describe, expect, it } from 'vitest';
import { closeDatabase, openDatabase } from '../../../../src-main/node/store/open-database';
import { RANKED_CANDIDATES } from '../../../../src-main/node/store/message-search';
import { searchSql } from '../../../../src-main/node/store/search-sql';
import { branchText, expectStoreError, manualClock, openTestStore, say } from './store-fixtures';
import { analyzedDatabase, onCleanup, queryPlan, tempDbPath } from './temp-store';

function library() {
  const clock = manualClock(Date.UTC(2025, 0, 1));
  const store = openTestStore(tempDbPath(), { now: clock.now });
  const lisbon = store.conversations.createConversation({ title: 'Trip to Lisbon' });
  const q = say(store, lisbon.id, null, 'user', 'Where can I find the best Pastéis de nata?');
  clock.set(Date.UTC(2025, 0, 2));
  const a = say(store, lisbon.id, q, 'assistant', 'The CAFÉ in Belém bakes pasteis every morning.');
  clock.set(Date.UTC(2025, 1, 1));
  const cooking = store.conversations.createConversation({ title: 'Cooking at home' });
  const recipe = say(store, cooking.id, null, 'user', 'A recipe for custard tarts like the ones in Belem, please.');
  return { store, clock, lisbon, cooking, q, a, recipe };
}

const ids = (hits: Array<{ messageId: string }>) => hits.map((hit) => hit.messageId).sort();

describe('MessageSearch', () => {
  it('finds words by prefix, ignoring case and diacritics, across conversations', () => {
    const { store, a, recipe } = library();

    expect(ids(store.search.searchMessages('belem'))).toEqual([a.id, recipe.id].sort());
    expect(ids(store.search.searchMessages('BELÉM'))).toEqual([a.id, recipe.id].sort());
    expect(ids(store.search.searchMessages('caf morn'))).toEqual([a.id]);
    expect(store.search.searchMessages('nothing-like-this')).toEqual([]);
  });

  it('returns what the UI needs to show the hit and jump to it, with a highlighted snippet', () => {
    const { store, lisbon, a } = library();

    expect(store.search.searchMessages('bakes')).toEqual([
      {
        conversationId: lisbon.id,
        conversationTitle: 'Trip to Lisbon',
        messageId: a.id,
        role: 'assistant',
        createdAt: a.createdAt,
        snippet: [
          { text: 'The CAFÉ in Belém ', match: false },
          { text: 'bakes', match: true },
          { text: ' pasteis every morning.', match: false },
        ],
      },
    ]);
  });

  it('ranks the better match first (bm25)', () => {
    const { store, cooking } = library();
    const focused = say(store, cooking.id, null, 'user', 'custard custard custard');

    expect(store.search.searchMessages('custard')[0]?.messageId).toBe(focused.id);
  });

  it('treats FTS5 operators and stray quotes in the query as plain text, never as a syntax error', () => {
    const { store, lisbon } = library();
    const tricky = say(store, lisbon.id, null, 'user', 'NEAR the OR gate, "quoted" and col:on');

    for (const query of ['"', 'NEAR(', 'OR', 'col:on', '* -x', 'AND AND', '"quoted', '^start']) {
      expect(() => store.search.searchMessages(query), query).not.toThrow();
    }
    expect(ids(store.search.searchMessages('NEAR OR'))).toEqual([tricky.id]);
    expect(ids(store.search.searchMessages('"quoted" and'))).toEqual([tricky.id]);
  });

  it('filters by conversation and by date range', () => {
    const { store, lisbon, cooking, a, recipe } = library();

    expect(ids(store.search.searchMessages('belem', { conversationId: cooking.id }))).toEqual([recipe.id]);
    expect(ids(store.search.searchMessages('belem', { conversationId: lisbon.id }))).toEqual([a.id]);
    expect(ids(store.search.searchMessages('belem', { from: Date.UTC(2025, 0, 15) }))).toEqual([recipe.id]);
    expect(ids(store.search.searchMessages('belem', { to: Date.UTC(2025, 0, 15) }))).toEqual([a.id]);
    expect(ids(store.search.searchMessages('belem', { from: Date.UTC(2025, 0, 2), to: Date.UTC(2025, 0, 3) }))).toEqual([a.id]);
  });

  it('pages with limit and offset, and refuses bad paging', () => {
    const { store } = library();
    const all = store.search.searchMessages('belem');
    expect([...store.search.searchMessages('belem', { limit: 1 }), ...store.search.searchMessages('belem', { limit: 1, offset: 1 })]).toEqual(all);
    expectStoreError(() => store.search.searchMessages('x', { limit: 0 }), 'INVALID_INPUT');
    expectStoreError(() => store.search.searchMessages('x', { limit: 201 }), 'INVALID_INPUT');
    expectStoreError(() => store.search.searchMessages('x', { offset: -1 }), 'INVALID_INPUT');
  });

  it('searches every branch, and reveals a hit on another branch by switching to it', () => {
    const { store, lisbon, a } = library();
    const regenerated = store.conversations.createSibling(a.id, { content: 'Belém has a famous bakery.', status: 'complete' });

    expect(ids(store.search.searchMessages('belem', { conversationId: lisbon.id }))).toEqual([a.id, regenerated.id].sort());

    expect(store.tree.revealMessage(regenerated.id)).toEqual({ conversationId: lisbon.id, messageId: regenerated.id, switchedBranch: false });
    expect(store.tree.revealMessage(a.id)).toEqual({ conversationId: lisbon.id, messageId: a.id, switchedBranch: true });
    expect(branchText(store, lisbon.id).at(-1)).toBe(a.content);
    expect(store.tree.revealMessage(a.id).switchedBranch).toBe(false);
    expectStoreError(() => store.tree.revealMessage('missing'), 'NOT_FOUND');
  });

  it('ranks among the newest matches when very many messages match, still returning the best of those', () => {
    const { store, lisbon } = library();
    const db = openDatabase(store.file);
    onCleanup(() => closeDatabase(db));
    const insert = db.prepare(
      `INSERT INTO messages (id, conversation_id, parent_id, seq, role, content, status, created_at)
       VALUES (?, ?, NULL, ?, 'user', ?, 'complete', 0)`,
    );
    db.transaction(() => {
      for (let i = 0; i < RANKED_CANDIDATES + 500; i++) insert.run(`filler-${i}`, lisbon.id, 100 + i, `common word number ${i} and more padding words here`);
    })();
    const best = say(store, lisbon.id, null, 'user', 'common common common');

    const hits = store.search.searchMessages('common', { limit: 5 });
    expect(hits[0]?.messageId).toBe(best.id);
    expect(hits).toHaveLength(5);
  });

  it('indexes a streamed reply when it finishes, not while it grows', () => {
    const { store, lisbon, a } = library();
    const reply = store.conversations.appendMessage({ conversationId: lisbon.id, parentId: a.id, role: 'assistant', content: '', status: 'streaming' });
    store.conversations.appendToMessage(reply.id, 'Sintra is a day trip ');
    expect(store.search.searchMessages('sintra')).toEqual([]);

    store.conversations.appendToMessage(reply.id, 'from Lisbon.');
    store.conversations.finishMessage(reply.id, { status: 'stopped' });

    expect(ids(store.search.searchMessages('sintra lisbon'))).toEqual([reply.id]);
    expect(store.search.verifySearchIndex()).toBe(true);
  });

  it('indexes a reply interrupted by a crash, at the next start', () => {
    const file = tempDbPath();
    const first = openTestStore(file);
    const { id } = first.conversations.createConversation();
    const reply = first.conversations.appendMessage({ conversationId: id, parentId: null, role: 'assistant', content: '', status: 'streaming' });
    first.conversations.appendToMessage(reply.id, 'Half a thought about tramways');
    first.close();

    const second = openTestStore(file);
    expect(second.report.interruptedReplies).toBe(1);
    expect(ids(second.search.searchMessages('tramway'))).toEqual([reply.id]);
  });

  it('forgets deleted messages and conversations', () => {
    const { store, lisbon, cooking } = library();
    store.conversations.deleteConversation(cooking.id);
    expect(store.search.searchMessages('custard')).toEqual([]);
    expect(store.search.searchConversations('cooking')).toEqual([]);
    store.conversations.deleteConversation(lisbon.id);
    expect(store.search.searchMessages('belem')).toEqual([]);
    expect(store.search.verifySearchIndex()).toBe(true);
  });

  it('searches conversation titles, with the matched words highlighted, following renames', () => {
    const { store, lisbon, cooking } = library();
    store.conversations.updateConversation(cooking.id, { archived: true });

    expect(store.search.searchConversations('lisb')).toEqual([
      {
        conversationId: lisbon.id,
        title: [
          { text: 'Trip to ', match: false },
          { text: 'Lisbon', match: true },
        ],
        updatedAt: expect.any(Number),
        archived: false,
      },
    ]);
    expect(store.search.searchConversations('cook')).toMatchObject([{ conversationId: cooking.id, archived: true }]);
    store.conversations.renameConversation(lisbon.id, 'Porto weekend');
    expect(store.search.searchConversations('lisbon')).toEqual([]);
    expect(store.search.search('porto')).toMatchObject({ conversations: [{ conversationId: lisbon.id }], messages: [] });
  });

  it('rebuilds an index that got out of step with the messages', () => {
    const { store, a } = library();
    const raw = openDatabase(store.file);
    onCleanup(() => closeDatabase(raw));
    // Something outside the app deletes the index's data: searches now miss, and the check says so.
    raw.prepare("INSERT INTO messages_search (messages_search) VALUES ('delete-all')").run();
    expect(store.search.searchMessages('bakes')).toEqual([]);
    expect(store.search.verifySearchIndex()).toBe(false);

    store.search.rebuildSearchIndex();

    expect(ids(store.search.searchMessages('bakes'))).toEqual([a.id]);
    expect(store.search.verifySearchIndex()).toBe(true);
    store.search.optimizeSearchIndex();
    expect(ids(store.search.searchMessages('bakes'))).toEqual([a.id]);
  });

  it('finds a word longer than the prefix indexes by its start, with the matched words highlighted', () => {
    const { store, lisbon } = library();
    const hit = say(store, lisbon.id, null, 'user', 'Restaurants near the Restaurantes square, and one restaurant.');
    const other = say(store, lisbon.id, null, 'user', 'Crème brûlée everywhere: crèmebrûléeries!');
    say(store, lisbon.id, null, 'user', 'Restauration is not it.');

    const [found, ...rest] = store.search.searchMessages('restauran');
    expect(rest).toHaveLength(0);
    expect(found?.messageId).toBe(hit.id);
    expect(found?.snippet.filter((run) => run.match).map((run) => run.text)).toEqual(['Restaurants', 'Restaurantes', 'restaurant']);
    // Words that fold to something other than plain ASCII stay FTS5 prefixes, and still match.
    expect(ids(store.search.searchMessages('CRÈMEBRÛLÉE'))).toEqual([other.id]);
    expect(store.search.searchMessages('restaurantz')).toEqual([]);
  });

  it('filters by date ranges before, after, between and outside the messages', () => {
    const { store, lisbon, clock } = library();
    const db = openDatabase(store.file);
    onCleanup(() => closeDatabase(db));
    const insert = db.prepare(
      `INSERT INTO messages (id, conversation_id, parent_id, seq, role, content, status, created_at)
       VALUES (?, ?, NULL, ?, 'user', ?, 'complete', ?)`,
    );
    const day = 24 * 3600 * 1000;
    const start = Date.UTC(2024, 0, 1);
    db.transaction(() => {
      for (let i = 0; i < 300; i++) insert.run(`old-${i}`, lisbon.id, 1000 + i, `tram number ${i}`, start + i * day);
    })();
    clock.set(Date.UTC(2025, 5, 1));
    const recent = say(store, lisbon.id, null, 'user', 'The tram to Belém.');

    const inMarch = store.search.searchMessages('tram', { from: start + 60 * day, to: start + 63 * day, limit: 200 });
    expect(inMarch.map((hit) => hit.messageId)).toEqual(['old-62', 'old-61', 'old-60']);
    expect(inMarch[0]?.snippet).toEqual([{ text: 'tram', match: true }, { text: ' number 62', match: false }]);
    expect(store.search.searchMessages('tram', { from: Date.UTC(2025, 0, 1), limit: 200 }).map((hit) => hit.messageId)).toEqual([recent.id]);
    expect(store.search.searchMessages('tram', { to: start + 2 * day, limit: 200 }).map((hit) => hit.messageId)).toEqual(['old-1', 'old-0']);
    expect(store.search.searchMessages('tram', { from: start + 400 * day, to: start + 401 * day })).toEqual([]);
  });

  describe('statements', () => {
    it('searchConversations is driven by the FTS index, which also does the ranking', () => {
      const db = analyzedDatabase((file) => openDatabase(file));
      onCleanup(() => closeDatabase(db));
      const plan = queryPlan(db, searchSql.searchConversations).join('\n');
      expect(plan).toMatch(/SCAN conversations_search VIRTUAL TABLE INDEX/);
      expect(plan).not.toContain('TEMP B-TREE');
      expect(plan).not.toMatch(/SCAN (m|c)\b/);
    });

    it('searchMessages walks the capped matches newest first inside the FTS index, without a sort', () => {
      const db = analyzedDatabase((file) => openDatabase(file));
      onCleanup(() => closeDatabase(db));
      const plan = queryPlan(db, searchSql.searchMessages).join('\n');
      // M1>< : the MATCH and both rowid bounds are handed to FTS5, which seeks instead of filtering.
      expect(plan).toMatch(/^SCAN messages_search VIRTUAL TABLE INDEX \d+:M1></m);
      expect(plan).not.toContain('TEMP B-TREE');
      expect(plan).not.toMatch(/SCAN (m|c)\b/);
    });

    it('finds a conversation’s rowid range from an index alone', () => {
      const db = analyzedDatabase((file) => openDatabase(file));
      onCleanup(() => closeDatabase(db));
      expect(queryPlan(db, searchSql.conversationRowids).join('\n')).toMatch(/SEARCH messages USING COVERING INDEX/);
    });

    it('finds a date range’s rowid span from the created_at index alone', () => {
      const db = analyzedDatabase((file) => openDatabase(file));
      onCleanup(() => closeDatabase(db));
      expect(queryPlan(db, searchSql.dateRowids).join('\n')).toMatch(
        /SEARCH messages USING COVERING INDEX messages_by_created_at \(created_at>\? AND created_at<\?\)/,
      );
    });
  });
});
