import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Sqlite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { backupDatabaseSync, backupFolderFor, checkBackup, listBackups, restoreBackup } from '../../../../src-main/node/store/backups';
import { LATEST_SCHEMA_VERSION, readSchemaVersion } from '../../../../src-main/node/store/migrations';
import { closeDatabase, openDatabase } from '../../../../src-main/node/store/open-database';
import { databaseAt, fillVersion1 } from './migration-fixtures';
import { branchText, expectStoreError, manualClock, openTestStore, say } from './store-fixtures';
import { corruptBTrees, holdWriteLock, onCleanup, tempDbPath } from './temp-store';

const DAY = 24 * 60 * 60 * 1000;

/** A store with one conversation, "Kept" with one message; returns its file and clock. */
function storeWithData(file = tempDbPath()) {
  const clock = manualClock(Date.UTC(2025, 4, 1, 12));
  const store = openTestStore(file, { now: clock.now });
  const { id } = store.conversations.createConversation({ title: 'Kept' });
  say(store, id, null, 'user', 'a sentence worth keeping');
  return { store, file, clock, conversationId: id };
}

function titlesIn(file: string): string[] {
  const db = new Sqlite(file, { readonly: true });
  try {
    return db.prepare('SELECT title FROM conversations ORDER BY title').pluck().all() as string[];
  } finally {
    db.close();
  }
}

describe('backups', () => {
  describe('before a migration', () => {
    it('backs up a version-1 database before migrating it, and the backup holds the old schema and data', () => {
      const file = tempDbPath();
      const old = databaseAt(1, file);
      fillVersion1(old);
      closeDatabase(old);

      const store = openTestStore(file, { now: () => Date.UTC(2025, 4, 1, 9, 30) });

      const backups = listBackups(file);
      expect(backups).toEqual([
        {
          file: join(dirname(file), 'backups', 'conversations.2025-05-01T09-30-00-000Z.v1.pre-migration.sqlite'),
          createdAt: Date.UTC(2025, 4, 1, 9, 30),
          schemaVersion: 1,
          reason: 'pre-migration',
          bytes: expect.any(Number),
        },
      ]);
      expect(store.report.migration).toMatchObject({ from: 1, to: LATEST_SCHEMA_VERSION, backup: backups[0] });
      expect(checkBackup(backups[0]!.file)).toEqual({ ok: true, schemaVersion: 1 });
      expect(titlesIn(backups[0]!.file)).toEqual(['Empty one', 'Trip to Lisbon']);
      // And the migrated database still has everything, with the interrupted reply kept.
      expect(branchText(store, 'c1')).toEqual(['Where should I eat pastéis de nata?', 'Pastéis de Belém is the classic café.', 'Half a sentence abou']);
      expect(store.report.interruptedReplies).toBe(1);
    });

    it('takes no backup of a brand-new database or of one that is already current', () => {
      const { store, file } = storeWithData();
      store.close();
      openTestStore(file).close();
      expect(existsSync(backupFolderFor(file))).toBe(false);
    });
  });

  describe('daily and on demand', () => {
    it('takes the daily backup when none is a day old, and keeps only the newest N', async () => {
      const { store, file, clock } = storeWithData();
      store.settings.updateAppSettings({ backupsToKeep: 3 });

      expect(await store.backupIfDue()).toMatchObject({ reason: 'daily', schemaVersion: LATEST_SCHEMA_VERSION });
      clock.advance(DAY - 1);
      expect(await store.backupIfDue()).toBeNull();
      const taken: number[] = [];
      for (let day = 0; day < 5; day++) {
        clock.advance(DAY);
        taken.push((await store.backupIfDue())!.createdAt);
      }

      expect(store.listBackups().map((backup) => backup.createdAt)).toEqual(taken.slice(-3).reverse());
      expect(readdirSync(backupFolderFor(file))).toHaveLength(3); // no leftover temporary files
    });

    it('takes no daily backup when the setting is off', async () => {
      const { store } = storeWithData();
      store.settings.setAppSetting('dailyBackups', false);
      expect(await store.backupIfDue()).toBeNull();
      expect(await store.backupNow()).toMatchObject({ reason: 'manual' });
    });

    it('keeps rowids in a backup, so its search index still matches its messages', () => {
      const { store, conversationId } = storeWithData();
      for (let i = 0; i < 20; i++) say(store, conversationId, null, 'user', `filler number ${i}`);
      const doomed = say(store, conversationId, null, 'user', 'gone soon');
      store.tree.deleteSubtree(doomed.id);
      const db = openDatabase(store.file);
      onCleanup(() => closeDatabase(db));

      const backup = backupDatabaseSync(db, store.file, { reason: 'manual' });

      const copy = openTestStore(backup.file);
      expect(copy.search.verifySearchIndex()).toBe(true);
      expect(copy.search.searchMessages('worth').map((hit) => hit.conversationId)).toEqual([conversationId]);
    });
  });

  describe('restoreBackup', () => {
    it('puts a backup in place of the database and moves the replaced file aside', async () => {
      const { store, file, clock, conversationId } = storeWithData();
      const backup = await store.backupNow();
      store.conversations.renameConversation(conversationId, 'Changed after the backup');
      store.close();
      clock.advance(1000);

      const report = restoreBackup(file, backup.file, { now: clock.now });

      expect(report.restoredFrom).toBe(backup.file);
      expect(report.movedAside.map((path) => basename(path))).toContain('conversations.sqlite.replaced-2025-05-01T12-00-01-000Z');
      expect(titlesIn(report.movedAside[0]!)).toEqual(['Changed after the backup']);
      expect(openTestStore(file).conversations.listConversations().map((c) => c.title)).toEqual(['Kept']);
      expect(existsSync(backup.file)).toBe(true);
    });

    it('refuses a damaged backup and leaves the database alone', async () => {
      const { store, file } = storeWithData();
      const backup = await store.backupNow();
      store.close();
      writeFileSync(backup.file, randomBytes(4096));
      const before = readFileSync(file);

      expectStoreError(() => restoreBackup(file, backup.file), 'DB_CORRUPT', /cannot be restored/);
      expectStoreError(() => restoreBackup(file, join(dirname(file), 'nope.sqlite')), 'NOT_FOUND');
      expect(readFileSync(file).equals(before)).toBe(true);
    });
  });

  describe('a corrupt database at start', () => {
    it('is moved aside, the newest good backup restored, and the caller told', async () => {
      const { store, file, clock, conversationId } = storeWithData();
      clock.advance(1000);
      const older = await store.backupNow();
      clock.advance(1000);
      const newest = await store.backupNow();
      say(store, conversationId, null, 'user', 'written after the last backup');
      store.close();
      writeFileSync(newest.file, 'not a database'); // the newest backup is damaged too: skipped
      writeFileSync(file, randomBytes(64 * 1024)); // the database is garbage

      const reopened = openTestStore(file, { now: () => Date.UTC(2025, 5, 1) });

      expect(reopened.report.recovery).toEqual({
        reason: expect.stringMatching(/not a database/),
        movedAside: [`${file}.corrupt-2025-06-01T00-00-00-000Z`],
        restoredFrom: older,
        skipped: [{ file: newest.file, reason: expect.any(String) }],
        // Nothing can be salvaged from random bytes, and the report says why.
        salvage: expect.objectContaining({ saved: 0, failure: expect.stringMatching(/not a database/) }),
      });
      expect(reopened.conversations.listConversations().map((c) => c.title)).toEqual(['Kept']);
      expect(branchText(reopened, conversationId)).toEqual(['a sentence worth keeping']);
      expect(existsSync(`${file}.corrupt-2025-06-01T00-00-00-000Z`)).toBe(true);
    });

    it('finds damaged pages with quick_check when asked to check, and recovers', async () => {
      const { store, file } = storeWithData();
      await store.backupNow();
      for (let i = 0; i < 200; i++) store.conversations.createConversation({ title: `more ${i} ${'x'.repeat(150)}` });
      store.close();
      corruptBTrees(file, ['conversations']);

      const reopened = openTestStore(file, { check: 'full', onDamage: 'recover' });

      expect(reopened.report.recovery?.restoredFrom?.reason).toBe('manual');
      expect(reopened.conversations.listConversations().map((c) => c.title)).toEqual(['Kept']);
      const check = new Sqlite(reopened.file, { readonly: true });
      onCleanup(() => check.close());
      expect(readSchemaVersion(check)).toBe(LATEST_SCHEMA_VERSION);
      expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
    });

    it('starts empty, keeping the damaged file, when there is no usable backup', () => {
      const file = tempDbPath();
      writeFileSync(file, randomBytes(16 * 1024));

      const store = openTestStore(file);

      expect(store.report.recovery).toMatchObject({ restoredFrom: null, skipped: [] });
      expect(store.report.recovery?.movedAside).toHaveLength(1);
      expect(store.conversations.listConversations()).toEqual([]);
    });
  });

  it('reports a database locked by another running copy as DB_LOCKED, not as corrupt', async () => {
    const file = tempDbPath();
    closeDatabase(openDatabase(file, { migrations: [] }));
    const lock = await holdWriteLock(file);
    expectStoreError(() => openTestStore(file, { busyTimeoutMs: 200 }), 'DB_LOCKED', /locked by another connection/);
    await lock.release();
    expect(existsSync(`${file}.corrupt`)).toBe(false);
  });
});
