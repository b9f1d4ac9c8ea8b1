import { rmSync } from 'node:fs';
import Sqlite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { RECOVERED_TITLE } from '../../../../src-main/node/store/salvage';
import { manualClock, openTestStore } from './store-fixtures';
import { tempDbPath } from './temp-store';
import { conversation, corruptPages, digest, pageFilling, pageOfRow, write } from '../../../fixtures/damaged-database';

/**
 * Salvage: the next start after damage restores the newest backup and copies into it, row by row around the damaged
 * pages, everything the damaged file still has beyond it. The property under test: no message that is still
 * readable in the damaged file is lost; what is lost is exactly what was on the damaged pages, and the counts say so.
 */

interface MessageRow {
  id: string;
  conversation_id: string;
  content: string;
  status: string;
}

/** Every message row of a closed database file, before it is damaged. */
function messagesIn(file: string): MessageRow[] {
  const db = new Sqlite(file, { readonly: true });
  try {
    return db.prepare('SELECT id, conversation_id, content, status FROM messages ORDER BY rowid').all() as MessageRow[];
  } finally {
    db.close();
  }
}

/**
 * A history with a backup part-way, then more written after it, then damage on disk. Every damaged page holds one
 * row (checked), so what is lost is known exactly:
 * - Old: two messages before the backup, renamed and two more after → newer than the backup, all readable;
 * - Cut off: a reply streaming when the backup was taken, which grew after it → its longer text wins;
 * - Whole: new after the backup, one reply left streaming (a crash) → copied, the reply interrupted with its text;
 * - Hole: new, its second message on a damaged page → copied in part, the third message follows the first;
 * - Row lost: new, its conversation row on a damaged page → copied as "Recovered conversation" with its messages;
 * - All lost: new, its row and its only message on damaged pages → lost (known from the conversations index).
 */
async function damagedAfterBackup() {
  const file = tempDbPath();
  const clock = manualClock(Date.UTC(2026, 0, 5, 9));
  const store = openTestStore(file, { now: clock.now });
  const old = conversation(store, 'Old');
  const o1 = write(store, old, null, 'user', 'oldquestion');
  const o2 = write(store, old, o1, 'assistant', 'oldanswer');
  const cutOff = conversation(store, 'Cut off');
  const c1 = write(store, cutOff, null, 'user', 'cutquestion');
  const c2 = store.conversations.appendMessage({ conversationId: cutOff, parentId: c1.id, role: 'assistant', content: '', status: 'streaming' });
  store.conversations.appendToMessage(c2.id, 'The first half of a reply');
  clock.advance(60_000);
  const backup = await store.backupNow('manual');

  clock.advance(60_000);
  store.conversations.appendToMessage(c2.id, ', and the second half written after the backup.');
  store.conversations.renameConversation(old, 'Old, renamed after the backup');
  const o3 = write(store, old, o2, 'user', 'oldfollowup');
  write(store, old, o3, 'assistant', 'oldfollowupanswer');
  const whole = conversation(store, 'Whole');
  const w1 = write(store, whole, null, 'user', 'wholequestion');
  const w2 = write(store, whole, w1, 'assistant', 'wholeanswer');
  const w3 = write(store, whole, w2, 'user', 'wholefollowup');
  const w4 = store.conversations.appendMessage({ conversationId: whole, parentId: w3.id, role: 'assistant', content: '', status: 'streaming' });
  store.conversations.appendToMessage(w4.id, pageFilling('wholecutreply'));
  const hole = conversation(store, 'Hole');
  const h1 = write(store, hole, null, 'user', 'holequestion');
  const h2 = write(store, hole, h1, 'assistant', 'holeanswer');
  const h3 = write(store, hole, h2, 'user', 'holefollowup');
  const h4 = write(store, hole, h3, 'assistant', 'holefollowupanswer');
  const rowLost = conversation(store, 'Row lost');
  const r1 = write(store, rowLost, null, 'user', 'rowlostquestion');
  const r2 = write(store, rowLost, r1, 'assistant', 'rowlostanswer');
  const allLost = conversation(store, 'All lost');
  const a1 = write(store, allLost, null, 'user', 'alllostquestion');
  store.close();

  const before = messagesIn(file);
  const pages = [
    pageOfRow(file, 'messages', 'id', h2.id),
    pageOfRow(file, 'conversations', 'id', rowLost),
    pageOfRow(file, 'conversations', 'id', allLost),
    pageOfRow(file, 'messages', 'id', a1.id),
  ];
  for (const page of pages) expect(page.rowids).toHaveLength(1);
  corruptPages(
    file,
    pages.map((page) => page.page),
  );
  return {
    file,
    clock,
    backup,
    before,
    lost: new Set([h2.id, a1.id]),
    ids: { old, cutOff, c2, whole, w4, hole, h1, h3, h4, rowLost, r1, r2, allLost },
  };
}

describe('salvage at the start after damage', () => {
  it('restores the backup and copies in every readable conversation newer than it; what is lost is what was on the damaged pages', async () => {
    const { file, clock, backup, before, lost, ids } = await damagedAfterBackup();
    const damagedDigest = digest(file);

    const store = openTestStore(file, { knownDamage: 'found damaged in the last session', now: clock.now });

    const recovery = store.report.recovery!;
    expect(recovery.restoredFrom?.file).toBe(backup.file);
    expect(recovery.salvage).toEqual({
      from: recovery.movedAside[0],
      saved: 3, // Old, Cut off, Whole
      partlySaved: 2, // Hole, Row lost
      lost: 1, // All lost
      messagesSaved: 12, // Old 2, Cut off 1 (grown), Whole 4, Hole 3, Row lost 2
      messagesLost: 2, // Hole's second message, All lost's message
      failure: null,
    });
    // The damaged file was read, never changed, and is kept.
    expect(digest(recovery.movedAside[0]!)).toBe(damagedDigest);

    // No message that could be read is lost: every one is here, with its text (a reply left streaming is interrupted).
    for (const message of before) {
      const salvaged = store.conversations.getMessage(message.id);
      if (lost.has(message.id)) {
        expect(salvaged, `${message.id} was on a damaged page`).toBeNull();
        continue;
      }
      expect(salvaged, `message ${message.content.slice(0, 20)}`).toMatchObject({
        conversationId: message.conversation_id,
        content: message.content,
        status: message.status === 'streaming' ? 'interrupted' : message.status,
      });
    }

    const titles = store.conversations.listConversations().map((c) => c.title).sort();
    expect(titles).toEqual(['Cut off', 'Hole', 'Old, renamed after the backup', RECOVERED_TITLE, 'Whole'].sort());
    expect(store.conversations.getConversation(ids.allLost)).toBeNull();
    // The newer copy's text wins over the backup's.
    expect(store.conversations.getMessage(ids.c2.id)?.content).toBe(
      'The first half of a reply, and the second half written after the backup.',
    );
    // Each conversation shows its newest branch; the message after the lost one follows the one before it.
    expect(store.conversations.listMessages(ids.old).map((m) => m.content.split(' ')[0])).toEqual([
      'oldquestion',
      'oldanswer',
      'oldfollowup',
      'oldfollowupanswer',
    ]);
    expect(store.conversations.listMessages(ids.hole).map((m) => m.id)).toEqual([ids.h1.id, ids.h3.id, ids.h4.id]);
    expect(store.conversations.getMessage(ids.h3.id)?.parentId).toBe(ids.h1.id);
    expect(store.conversations.listMessages(ids.rowLost).map((m) => m.id)).toEqual([ids.r1.id, ids.r2.id]);
    expect(store.conversations.listMessages(ids.whole).at(-1)).toMatchObject({ id: ids.w4.id, status: 'interrupted' });
    // The search index follows, and the restored database is whole and writable.
    expect(store.search.verifySearchIndex()).toBe(true);
    expect(store.search.searchMessages('holefollowupanswer').map((hit) => hit.messageId)).toEqual([ids.h4.id]);
    expect(store.health.damage).toBeNull();
    expect(store.conversations.createConversation({ title: 'Writable again' }).title).toBe('Writable again');
  });

  it('with no usable backup, copies everything readable into a new database', async () => {
    const { file, clock, backup, before, lost } = await damagedAfterBackup();
    rmSync(backup.file);

    const store = openTestStore(file, { knownDamage: 'found damaged in the last session', now: clock.now });

    expect(store.report.recovery?.restoredFrom).toBeNull();
    expect(store.report.recovery?.salvage).toMatchObject({ saved: 3, partlySaved: 2, lost: 1, messagesSaved: 15, messagesLost: 2, failure: null });
    const here = before.filter((message) => store.conversations.getMessage(message.id) !== null).map((message) => message.id);
    expect(here).toEqual(before.map((message) => message.id).filter((id) => !lost.has(id)));
  });
});
