import { existsSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { expectStoreError, openTestStore } from './store-fixtures';
import { tempDbPath } from './temp-store';
import { conversation, corruptPages, digest, pageOfRow, write } from '../../../fixtures/damaged-database';

/**
 * A store on a file damaged while the app was closed: the damage is found at start (also after a clean quit), from
 * then on the store is read-only — every write refused with DB_READ_ONLY before anything is written, reads going on
 * wherever the pages can be read — and damage found later (by the rest of the check, or a read) does the same.
 */

/** Two conversations, "Readable" and "Damaged", closed cleanly; the page holding Damaged's second message is damaged. */
function damagedHistory() {
  const file = tempDbPath();
  const store = openTestStore(file);
  const readable = conversation(store, 'Readable');
  const r1 = write(store, readable, null, 'user', 'packing');
  write(store, readable, r1, 'assistant', 'umbrella');
  const damaged = conversation(store, 'Damaged');
  const d1 = write(store, damaged, null, 'user', 'question');
  const d2 = write(store, damaged, d1, 'assistant', 'answer');
  store.close();
  const page = pageOfRow(file, 'messages', 'id', d2.id);
  expect(page.rowids).toHaveLength(1); // the damage takes that message and no other
  corruptPages(file, [page.page]);
  // A clean quit: no -wal left, so the old "check after a crash" would not have looked.
  expect(existsSync(`${file}-wal`)).toBe(false);
  return { file, readable, damaged };
}

describe('a database damaged while the app was closed', () => {
  it('is found at the next start, after a clean quit too: the store opens read-only and says why', () => {
    const { file, readable, damaged } = damagedHistory();
    const before = digest(file);

    const store = openTestStore(file);

    expect(store.report.damage).toMatch(/is damaged: could not read messages/);
    expect(store.health.damage).toBe(store.report.damage);
    expect(store.report.recovery).toBeNull(); // nothing is replaced before the user could rescue what is there
    // Reads go on where the pages can be read.
    expect(store.conversations.listConversations().map((c) => c.title).sort()).toEqual(['Damaged', 'Readable']);
    expect(store.conversations.listMessages(readable)).toHaveLength(2);
    expectStoreError(() => store.conversations.listMessages(damaged), 'DB_CORRUPT');
    store.close();
    // Opening a damaged file wrote nothing to it.
    expect(digest(file)).toBe(before);
  });

  it('refuses every write with DB_READ_ONLY, before writing anything, so nothing is acknowledged and then lost', async () => {
    const { file, readable } = damagedHistory();
    const store = openTestStore(file);
    const [last] = store.conversations.listMessages(readable).slice(-1);
    const before = digest(file);

    expectStoreError(() => store.conversations.createConversation({ title: 'New' }), 'DB_READ_ONLY', /damaged, so it is kept read-only/);
    expectStoreError(
      () => store.conversations.appendMessage({ conversationId: readable, parentId: last!.id, role: 'user', content: 'hello', status: 'complete' }),
      'DB_READ_ONLY',
    );
    expectStoreError(() => store.conversations.renameConversation(readable, 'Renamed'), 'DB_READ_ONLY');
    expectStoreError(() => store.conversations.deleteConversation(readable), 'DB_READ_ONLY');
    expectStoreError(() => store.settings.setAppSetting('theme', 'dark'), 'DB_READ_ONLY');
    // A backup of a damaged file would be damaged too, and push a good backup out.
    await expect(store.backupNow()).rejects.toMatchObject({ code: 'DB_READ_ONLY' });
    expect(await store.backupIfDue()).toBeNull();
    expect(store.listBackups()).toEqual([]);

    expect(store.conversations.listConversations().map((c) => c.title).sort()).toEqual(['Damaged', 'Readable']);
    expect(store.conversations.listMessages(readable)).toHaveLength(2);
    store.close();
    expect(digest(file)).toBe(before);
  });

  it('damage found by the rest of the check, after the open, makes the store read-only then and tells', async () => {
    const { file } = damagedHistory();
    const store = openTestStore(file, { checkBudgetMs: 0 }); // everything checked in the background
    const told = vi.fn();
    store.health.onDamage(told);

    expect(store.report.damage).toBeNull();
    expect(await store.checked).toMatchObject({ state: 'damaged' });
    expect(told).toHaveBeenCalledTimes(1);
    expect(told).toHaveBeenCalledWith(expect.stringMatching(/is damaged: could not read messages/));
    expectStoreError(() => store.conversations.createConversation({ title: 'Too late' }), 'DB_READ_ONLY');
  });

  it('a read that fails with SQLITE_CORRUPT while the app runs makes the store read-only from then on', () => {
    const { file, readable, damaged } = damagedHistory();
    const store = openTestStore(file, { check: 'never' });
    const told = vi.fn();
    store.health.onDamage(told);
    const conversationBefore = store.conversations.createConversation({ title: 'Written before the damage was known' });

    expectStoreError(() => store.conversations.listMessages(damaged), 'DB_CORRUPT', /damaged/);

    expect(told).toHaveBeenCalledTimes(1);
    expectStoreError(() => store.conversations.createConversation({ title: 'After' }), 'DB_READ_ONLY');
    expect(store.conversations.getConversation(conversationBefore.id)?.title).toBe('Written before the damage was known');
    expect(store.conversations.listMessages(readable)).toHaveLength(2);
  });
});
