import { existsSync, chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LATEST_SCHEMA_VERSION, readSchemaVersion } from '../../../../src-main/node/store/migrations';
import { closeDatabase, DEFAULT_BUSY_TIMEOUT_MS, openDatabase } from '../../../../src-main/node/store/open-database';
import type { OpenDatabaseOptions } from '../../../../src-main/node/store/open-database';
import { ConversationStore } from '../../../../src-main/node/store/conversation-store';
import { StoreError } from '../../../../src-main/node/store/store-error';
import type { StoreErrorCode } from '../../../../src-main/node/store/store-error';
import { corruptBTrees, holdWriteLock, onCleanup, runningAsRoot, tempDbPath, tempFolder } from './temp-store';

function open(file: string, options?: OpenDatabaseOptions) {
  const db = openDatabase(file, options);
  onCleanup(() => closeDatabase(db));
  return db;
}

/** The StoreError `fn` throws; fails the test if it throws anything else or nothing. */
function storeErrorFrom(fn: () => unknown): StoreError {
  try {
    fn();
  } catch (error) {
    if (error instanceof StoreError) return error;
    throw new Error(`expected a StoreError, got ${String(error)}`, { cause: error });
  }
  throw new Error('expected a StoreError, but nothing was thrown');
}

function expectStoreError(fn: () => unknown, code: StoreErrorCode, message?: RegExp | string): StoreError {
  const error = storeErrorFrom(fn);
  expect(error.code).toBe(code);
  if (message !== undefined) expect(error.message).toMatch(message);
  return error;
}

describe('openDatabase', () => {
  it('creates the folder and the file, and migrates to the latest schema', () => {
    const file = join(tempFolder(), 'nested', 'deeper', 'conversations.sqlite');

    const db = open(file);

    expect(existsSync(file)).toBe(true);
    expect(readSchemaVersion(db)).toBe(LATEST_SCHEMA_VERSION);
  });

  it('turns on WAL, synchronous NORMAL, foreign keys and a short busy timeout', () => {
    const db = open(tempDbPath());

    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(1); // 0 OFF, 1 NORMAL, 2 FULL
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(DEFAULT_BUSY_TIMEOUT_MS);
  });

  it('keeps WAL mode in the file, so a plain reopen is in WAL too', () => {
    const file = tempDbPath();
    closeDatabase(openDatabase(file));
    // The first bytes of a WAL database's header say "write version 2, read version 2" (offsets 18 and 19).
    const header = readFileSync(file).subarray(18, 20);
    expect([...header]).toEqual([2, 2]);
  });

  it('uses the busy timeout it is given', () => {
    const db = open(tempDbPath(), { busyTimeoutMs: 123 });
    expect(db.pragma('busy_timeout', { simple: true })).toBe(123);
  });

  it('reopens an existing database without migrating it again', () => {
    const file = tempDbPath();
    const first = openDatabase(file);
    first.prepare("INSERT INTO conversations (id, title, created_at, updated_at) VALUES ('c', 'kept', 1, 1)").run();
    closeDatabase(first);

    const db = open(file);

    expect(db.prepare('SELECT title FROM conversations').pluck().all()).toEqual(['kept']);
  });

  describe('clear errors', () => {
    it('DB_CORRUPT for a file of garbage bytes, which it leaves as it was', () => {
      const file = tempDbPath();
      const garbage = randomBytes(8192);
      writeFileSync(file, garbage);

      expectStoreError(() => openDatabase(file), 'DB_CORRUPT', /not a database/);

      expect(readFileSync(file).equals(garbage)).toBe(true);
      expect(existsSync(`${file}-wal`)).toBe(false);
    });

    it('DB_CORRUPT for a short text file where the database should be', () => {
      const file = tempDbPath();
      writeFileSync(file, 'these are my notes, not a database\n'.repeat(20));
      expectStoreError(() => openDatabase(file), 'DB_CORRUPT');
    });

    it('DB_CORRUPT when damaged pages are found later, on a query', () => {
      const file = tempDbPath();
      const store = ConversationStore.open(file);
      for (let i = 0; i < 300; i++) store.createConversation({ title: `conversation ${i} ${'x'.repeat(100)}` });
      store.close(); // the last connection checkpoints the WAL into the main file and removes it
      expect(existsSync(`${file}-wal`)).toBe(false);
      corruptBTrees(file, ['conversations', 'conversations_by_list']);

      const reopened = ConversationStore.open(file);
      onCleanup(() => reopened.close());
      expectStoreError(() => reopened.listConversations(), 'DB_CORRUPT', /list conversations/);
    });

    it('DB_UNWRITABLE when the folder cannot be created (a file stands where a folder should be)', () => {
      const blocker = join(tempFolder(), 'not-a-folder');
      writeFileSync(blocker, 'a regular file');

      expectStoreError(() => openDatabase(join(blocker, 'conversations.sqlite')), 'DB_UNWRITABLE', /not-a-folder/);

      expect(statSync(blocker).isFile()).toBe(true);
    });

    it('DB_UNWRITABLE when the database path is a folder', () => {
      const file = tempDbPath();
      mkdirSync(file);
      expectStoreError(() => openDatabase(file), 'DB_UNWRITABLE');
    });

    // Root ignores permission bits, so a read-only folder is writable in CI containers; the test above, which no
    // user can get past, covers that path there.
    it.skipIf(runningAsRoot)('DB_UNWRITABLE when the folder is read-only', () => {
      const folder = tempFolder();
      chmodSync(folder, 0o500);
      onCleanup(() => chmodSync(folder, 0o700));

      expectStoreError(() => openDatabase(join(folder, 'conversations.sqlite')), 'DB_UNWRITABLE', folder);
      expect(existsSync(join(folder, 'conversations.sqlite'))).toBe(false);
    });

    it.skipIf(runningAsRoot)('DB_UNWRITABLE at open, not at the first write, when the file is read-only', () => {
      const file = tempDbPath();
      closeDatabase(openDatabase(file));
      chmodSync(file, 0o444);

      expectStoreError(() => openDatabase(file), 'DB_UNWRITABLE', 'cannot be written');
    });

    it('DB_LOCKED after the busy timeout when another process holds the write lock and a migration must run', async () => {
      const file = tempDbPath();
      closeDatabase(openDatabase(file, { migrations: [] })); // an existing WAL database at version 0
      const lock = await holdWriteLock(file);
      const busyTimeoutMs = 300;

      const started = performance.now();
      const error = expectStoreError(() => openDatabase(file, { busyTimeoutMs }), 'DB_LOCKED', /locked by another connection/);
      const waited = performance.now() - started;

      expect(waited).toBeGreaterThanOrEqual(busyTimeoutMs * 0.8); // it did wait for the lock…
      expect(waited).toBeLessThan(busyTimeoutMs + 2000); // …but not forever
      expect(error.message).toContain(file);

      // Once the other process lets go, the same file opens and migrates normally.
      await lock.release();
      expect(readSchemaVersion(open(file, { busyTimeoutMs }))).toBe(LATEST_SCHEMA_VERSION);
    });

    it('DB_LOCKED when another process holds the lock of a brand-new file while it is switched to WAL', async () => {
      // SQLite does not apply the busy timeout to a journal-mode change, so this fails at once; it can only happen
      // in the instant between another process creating the file and switching it to WAL itself.
      const file = tempDbPath();
      const lock = await holdWriteLock(file);

      const started = performance.now();
      expectStoreError(() => openDatabase(file, { busyTimeoutMs: 300 }), 'DB_LOCKED');
      expect(performance.now() - started).toBeLessThan(300 + 2000);

      await lock.release();
      expect(readSchemaVersion(open(file))).toBe(LATEST_SCHEMA_VERSION);
    });
  });

  describe('a database locked by another process after opening', () => {
    it('still serves reads (WAL), and a write fails with DB_LOCKED after the busy timeout', async () => {
      const file = tempDbPath();
      const store = ConversationStore.open(file, { busyTimeoutMs: 300 });
      onCleanup(() => store.close());
      const existing = store.createConversation({ title: 'before the lock' });
      const lock = await holdWriteLock(file);

      expect(store.listConversations()).toEqual([existing]);
      const started = performance.now();
      expectStoreError(() => store.createConversation({ title: 'during the lock' }), 'DB_LOCKED', /create a conversation/);
      const waited = performance.now() - started;
      expect(waited).toBeGreaterThanOrEqual(300 * 0.8);
      expect(waited).toBeLessThan(300 + 2000);

      await lock.release();
      store.createConversation({ title: 'after the lock' });
      expect(store.listConversations().map((c) => c.title)).toEqual(['after the lock', 'before the lock']);
    });
  });
});
