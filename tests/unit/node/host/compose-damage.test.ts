import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppNotice } from '../../../../src-main/common/types';
import { ScriptedEngine } from '../../../support/scripted-engine';
import { DATABASE_FILE } from '../../../../src-main/node/host/compose';
import { getTinyModelPath } from '../../../fixtures/models';
import { send, startHarness, tempDataDir, type Harness } from './compose-harness';
import { corruptPages, pageFilling, pageOfRow } from '../../../fixtures/damaged-database';

/**
 * The whole app, over the contract, on a database damaged while it was closed: what the user sees at the start after
 * the damage (told at once, not only after a crash; sending refused in words, nothing acknowledged; a rescue export
 * that goes past the unreadable conversation and names it) and at the start after that (the backup restored, and
 * everything written after it that can still be read saved into it, with the counts).
 */

let data: ReturnType<typeof tempDataDir>;
const open: Harness[] = [];

beforeEach(() => {
  data = tempDataDir();
});

afterEach(async () => {
  for (const harness of open.splice(0)) await harness.close();
  data.remove();
});

function boot(): Harness {
  // Page-filling replies too: each message has a page of its own, so the damage takes exactly one.
  const engine = new ScriptedEngine({ initialModelPath: path.join(data.dir, 'tiny.gguf'), reply: pageFilling('reply'), deltaChars: 500 });
  const harness = startHarness(data.dir, engine);
  open.push(harness);
  return harness;
}

async function titles(harness: Harness): Promise<string[]> {
  return (await harness.client.call('conversations.list', {})).map((c) => c.title).sort();
}

describe('a database damaged while the app was closed', () => {
  it('is found at start and kept read-only with a notice; sending is refused; export rescues the rest; the next start salvages', async () => {
    // Written before and after the last backup, then a clean quit.
    const first = boot();
    await first.app.backups.idle();
    const before = await first.client.call('conversations.create', { title: 'Before the backup' });
    await send(first.client, before.id, pageFilling('lisbon'));
    await first.app.store.backupNow('manual');
    const after = await first.client.call('conversations.create', { title: 'After the backup' });
    await send(first.client, after.id, pageFilling('porto'));
    const broken = await first.client.call('conversations.create', { title: 'Broken' });
    const faro = (await send(first.client, broken.id, pageFilling('faro'))).events.find((e) => e.type === 'onStarted');
    await send(first.client, broken.id, pageFilling('sintra'));
    await first.close();
    const backups = first.app.store.listBackups();

    const file = path.join(data.dir, DATABASE_FILE);
    const lostId = faro?.type === 'onStarted' ? faro.userMessage.id : '';
    const page = pageOfRow(file, 'messages', 'id', lostId);
    expect(page.rowids).toHaveLength(1);
    corruptPages(file, [page.page]);

    // The next start: found at once, the window told, the store read-only.
    const damaged = boot();
    const notices = await damaged.client.call('app.getNotices', {});
    expect(notices).toEqual([expect.objectContaining({ id: 'database-damaged', level: 'error' })]);
    expect((notices[0] as AppNotice).text).toMatch(/damaged, so Phi Desk is keeping it read-only/);
    expect(await titles(damaged)).toEqual(['After the backup', 'Before the backup', 'Broken']);
    expect((await damaged.client.call('conversations.get', { id: after.id })).messages).toHaveLength(2);

    const refused = await send(damaged.client, after.id, 'one more thing').catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'STORE_FAILED', details: { storeCode: 'DB_READ_ONLY' } });
    expect((refused as Error).message).toMatch(/^The conversation database is damaged, so Phi Desk keeps it read-only and could not save this/);
    expect((await damaged.client.call('conversations.get', { id: after.id })).messages).toHaveLength(2); // not acknowledged, not stored
    await expect(damaged.client.call('conversations.create', {})).rejects.toMatchObject({ details: { storeCode: 'DB_READ_ONLY' } });
    // A model can still be chosen (as `npm run serve -- --model` does at start); only remembering it is skipped.
    const model = await getTinyModelPath();
    await damaged.client.call('models.useFile', { path: model });
    expect(await damaged.client.call('engine.getStatus', {})).toMatchObject({ state: 'ready', modelPath: model });

    // A rescue export: every conversation that can be read, and the one that cannot named.
    const exportPath = path.join(data.dir, 'rescue.json');
    const exported = await damaged.client.call('history.export', { path: exportPath, format: 'json' });
    expect(exported).toMatchObject({ conversations: 2, messages: 4, unreadable: [{ id: broken.id, title: 'Broken' }] });
    const document = JSON.parse(readFileSync(exportPath, 'utf8')) as { conversations: Array<{ title: string }> };
    expect(document.conversations.map((c) => c.title)).toEqual(['Before the backup', 'After the backup']);
    await damaged.app.backups.idle();
    expect(damaged.app.store.listBackups()).toEqual(backups); // no backup of a damaged file (it would push a good one out)
    await damaged.close();

    // The start after: the backup restored, and what was written after it saved into it, the user told how much.
    const recovered = boot();
    const [notice] = await recovered.client.call('app.getNotices', {});
    expect(notice).toMatchObject({ id: 'database-recovered', level: 'warning' });
    expect(notice?.text).toContain(
      'Saved from the damaged file: 2 conversations written or changed after the backup (5 messages), 1 of them only in part. ' +
        '1 message could not be read from it and was not saved.',
    );
    expect(await titles(recovered)).toEqual(['After the backup', 'Before the backup', 'Broken']);
    expect((await recovered.client.call('conversations.get', { id: after.id })).messages.map((m) => m.content.split(' ')[0])).toEqual([
      'porto',
      'reply',
    ]);
    const rescued = await recovered.client.call('conversations.get', { id: broken.id });
    expect(rescued.messages.map((m) => m.content.split(' ')[0])).toEqual(['reply', 'sintra', 'reply']);
    await send(recovered.client, after.id, 'writable again');
    expect(existsSync(`${file}.check-needed`)).toBe(false);
  });

  it('a rescue export goes on when the list of conversations itself is damaged, naming by id the one whose record is lost', async () => {
    const first = boot();
    const ids: string[] = [];
    for (const title of ['Lisbon', 'Porto', 'Faro']) {
      // A page-filling system prompt: each conversation's record has a page of its own.
      const id = first.app.store.conversations.createConversation({ title, systemPrompt: pageFilling(title) }).id;
      await send(first.client, id, `Plans for ${title}`);
      ids.push(id);
    }
    await first.close();
    const file = path.join(data.dir, DATABASE_FILE);
    const page = pageOfRow(file, 'conversations', 'id', ids[1]!);
    expect(page.rowids).toHaveLength(1);
    corruptPages(file, [page.page]);

    const damaged = boot();
    const exportPath = path.join(data.dir, 'rescue.json');
    const exported = await damaged.client.call('history.export', { path: exportPath, format: 'json' });

    expect(exported).toMatchObject({ conversations: 2, unreadable: [{ id: ids[1], title: null }] });
    const document = JSON.parse(readFileSync(exportPath, 'utf8')) as { conversations: Array<{ title: string; messages: unknown[] }> };
    expect(document.conversations.map((c) => [c.title, c.messages.length])).toEqual([
      ['Lisbon', 2],
      ['Faro', 2],
    ]);
  });
});
