import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeStoreProcessLauncher, openInProcess } from '../../../../src-main/node/host/startup/store-opener';
import { noticesFromOpenReport } from '../../../../src-main/node/services/notice-board';
import { openStore } from '../../../../src-main/node/store/open-store';
import { SALVAGE_JOURNAL_SUFFIX } from '../../../../src-main/node/store/salvage-journal';
import { corruptPages, leafPagesOf } from '../../../fixtures/damaged-database';
import { MARKED_CONVERSATION, writeHistory } from '../../../fixtures/generated-history';
import { LATEST_SCHEMA_VERSION } from '../../../../src-main/node/store/migrations';
import { onCleanup, tempDbPath } from '../store/temp-store';

/**
 * A start that recovers from damage found last time is killed in the middle of its salvage (the app quit, or was
 * killed, while the start-up panel showed "Copying what can still be read…"). The damaged file is aside and the
 * backup restored by then; the next start must finish the salvage from that same damaged file — not take the
 * restored backup for damaged, nor forget the salvage — and say what it saved.
 */
describe('a recovery cut short', () => {
  it('is finished by the next start: the salvage from the damaged file kept aside, told once', async () => {
    const file = tempDbPath();
    // A backup of an early, small history; then twelve thousand messages the backup does not have; then damage.
    const early = openStore(file);
    early.conversations.createConversation({ title: 'Before the backup' });
    const backup = await early.backupNow('manual');
    early.close();
    writeHistory(file, { version: LATEST_SCHEMA_VERSION, conversations: 200, messagesPerConversation: 60 });
    const leaves = leafPagesOf(file, 'messages');
    const damaged = leaves[Math.floor(leaves.length / 2)]!;
    corruptPages(file, [damaged.page]);

    // The first start is stopped as soon as it starts copying from the damaged file.
    let salvaging = false;
    const opening = openInProcess({ file, options: { knownDamage: 'found damaged in the last session' } }, nodeStoreProcessLauncher(), {
      onProgress: (progress) => {
        if (progress.step !== 'salvage' || salvaging) return;
        salvaging = true;
        opening.stop();
      },
    });
    await expect(opening.prepared).rejects.toMatchObject({ message: expect.stringMatching(/it was stopped/) });
    expect(salvaging).toBe(true);
    const aside = readdirSync(path.dirname(file)).filter((name) => name.includes('.corrupt-') && !/-(wal|shm)$/.test(name));
    expect(aside).toHaveLength(1);
    expect(existsSync(`${file}${SALVAGE_JOURNAL_SUFFIX}`)).toBe(true);

    // The next start knows nothing of the damage marker (the host clears it once a start succeeds; here there is
    // none): the journal alone says a salvage is to be finished.
    const store = openStore(file);
    onCleanup(() => store.close());
    const recovery = store.report.recovery!;
    expect(recovery.restoredFrom?.file).toBe(backup.file);
    expect(recovery.movedAside[0]).toBe(path.join(path.dirname(file), aside[0]!));
    expect(recovery.salvage).toMatchObject({ from: recovery.movedAside[0], failure: null, lost: 0 });
    expect(recovery.salvage!.saved + recovery.salvage!.partlySaved).toBe(200);
    expect(recovery.salvage!.messagesSaved).toBe(12_000 - damaged.rowids.length);
    expect(existsSync(`${file}${SALVAGE_JOURNAL_SUFFIX}`)).toBe(false);
    expect(store.conversations.listConversations().map((conversation) => conversation.title)).toEqual(
      expect.arrayContaining(['Before the backup', MARKED_CONVERSATION.title]),
    );
    expect(noticesFromOpenReport(store.report).map((notice) => notice.id)).toContain('database-recovered');
    store.close();

    // Told once: the start after that opens the file as it is.
    const again = openStore(file);
    onCleanup(() => again.close());
    expect(again.report.recovery).toBeNull();
  });
});
