import { mkdirSync, chmodSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';
import Sqlite from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { backupDatabase, backupFolderFor, checkBackup, listBackups, type OnlineBackupOptions } from '../../../../src-main/node/store/backups';
import { LATEST_SCHEMA_VERSION } from '../../../../src-main/node/store/migrations';
import { closeDatabase, openDatabase } from '../../../../src-main/node/store/open-database';
import { isStoreError, type StoreErrorCode } from '../../../../src-main/node/store/store-error';
import { openTestStore } from './store-fixtures';
import { onCleanup, runningAsRoot, tempDbPath } from './temp-store';

// The daily and manual backups are copied on a worker thread (backup-thread.ts, backup-worker.ts), so a big history
// never holds up the host's event loop. These run the real worker from source (through worker-from-source.mjs), on
// real files; stand-in workers (backup-worker-stand-ins/) fail the ways a real one can only fail on a broken machine.

/** A worker script that does not exist: the worker cannot start. */
const MISSING_WORKER = fileURLToPath(new URL('./backup-worker-stand-ins/no-such-worker.mjs', import.meta.url));
const standIn = (name: 'crashes' | 'disk-full'): string => fileURLToPath(new URL(`./backup-worker-stand-ins/${name}.mjs`, import.meta.url));

/** A current database, open (closed after the test), with `megabytes` of filler so that copying it takes a while. */
function database(megabytes = 0): { db: Database; file: string } {
  const file = tempDbPath();
  const db = openDatabase(file);
  onCleanup(() => closeDatabase(db));
  db.exec('CREATE TABLE test_filler (b BLOB NOT NULL)');
  const insert = db.prepare('INSERT INTO test_filler (b) VALUES (randomblob(65536))');
  db.transaction(() => {
    for (let i = 0; i < megabytes * 16; i++) insert.run();
  })();
  return { db, file };
}

/** One write: a conversation with a question and its answer, in one transaction (a copy has all three or none). */
function writeConversation(db: Database, n: number): void {
  const message = db.prepare(
    "INSERT INTO messages (id, conversation_id, parent_id, seq, role, content, status, created_at) VALUES (?, ?, ?, ?, ?, ?, 'complete', 0)",
  );
  db.transaction(() => {
    db.prepare('INSERT INTO conversations (id, title, created_at, updated_at) VALUES (?, ?, 0, 0)').run(`c${n}`, `Conversation ${n}`);
    message.run(`c${n}-q`, `c${n}`, null, 1, 'user', `question ${n}`);
    message.run(`c${n}-a`, `c${n}`, `c${n}-q`, 2, 'assistant', `answer ${n}`);
  })();
}

/** Rows in a copy, and what `integrity_check` says of it. */
function contents(file: string): { conversations: number; messages: number; integrity: unknown } {
  const copy = new Sqlite(file, { readonly: true });
  try {
    return {
      conversations: copy.prepare('SELECT count(*) FROM conversations').pluck().get() as number,
      messages: copy.prepare('SELECT count(*) FROM messages').pluck().get() as number,
      integrity: copy.pragma('integrity_check', { simple: true }),
    };
  } finally {
    copy.close();
  }
}

/** The files in the backups folder (no leftover temporary file among them). */
const backupFiles = (file: string): string[] => readdirSync(backupFolderFor(file)).sort();

async function expectBackupError(backup: Promise<unknown>, code: StoreErrorCode, message: RegExp): Promise<void> {
  const error = await backup.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(isStoreError(error, code), `expected StoreError ${code}, got ${String(error)}`).toBe(true);
  expect((error as Error).message).toMatch(message);
}

/**
 * How busy the host's thread is while `work` runs: its event-loop utilization (the share of the time it was running
 * code rather than waiting), how many times a 5 ms timer fired, and the longest gap between two of them.
 */
async function hostWhile(work: () => Promise<unknown>): Promise<{ utilization: number; ticks: number; longestGapMs: number }> {
  let ticks = 0;
  let last = performance.now();
  let longestGapMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    longestGapMs = Math.max(longestGapMs, now - last);
    last = now;
    ticks++;
  }, 5);
  const start = performance.eventLoopUtilization();
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return { utilization: performance.eventLoopUtilization(start).utilization, ticks, longestGapMs };
}

describe('backups taken on a worker thread', () => {
  it('are a complete, consistent copy of one moment while the host goes on writing', async () => {
    const { db, file } = database(16);
    let written = 0;
    while (written < 20) writeConversation(db, written++);
    const before = written;
    const warnings: string[] = [];

    let backingUp = true;
    const writing = (async () => {
      while (backingUp) {
        writeConversation(db, written++);
        await nextTurn();
      }
    })();
    const backup = await backupDatabase(db, file, { reason: 'manual', onWarning: (message) => warnings.push(message) }).finally(
      () => (backingUp = false),
    );
    await writing;

    expect(warnings).toEqual([]);
    expect(backupFiles(file)).toEqual([basename(backup.file)]);
    expect(written - before).toBeGreaterThan(0); // the host wrote while the worker copied
    const copy = contents(backup.file);
    expect(copy.integrity).toBe('ok');
    // Everything written before the backup began, and nothing after the moment the worker took its snapshot…
    expect(copy.conversations).toBeGreaterThanOrEqual(before);
    expect(copy.conversations).toBeLessThan(written);
    // …and no write in part.
    expect(copy.messages).toBe(copy.conversations * 2);
    expect(contents(file).conversations).toBe(written);
    expect(checkBackup(backup.file)).toEqual({ ok: true, schemaVersion: LATEST_SCHEMA_VERSION });
    expect(backup).toEqual({ ...listBackups(file)[0], bytes: statSync(backup.file).size });
    // The copy keeps rowids, so its search index still matches its messages.
    expect(openTestStore(backup.file).search.verifySearchIndex()).toBe(true);
  });

  it('leave the host’s thread free: its timers fire throughout, while a copy made on it keeps it busy', async () => {
    const { db, file } = database(48);
    const options: OnlineBackupOptions = { reason: 'manual', onWarning: () => undefined };

    const onWorker = await hostWhile(() => backupDatabase(db, file, options));
    const onHost = await hostWhile(() => backupDatabase(db, file, { ...options, workerEntry: MISSING_WORKER }));

    // For the record (timings on a shared machine vary; the assertions below do not depend on them).
    console.log(`host thread during a 48 MB backup: on the worker ${JSON.stringify(onWorker)}, on the host ${JSON.stringify(onHost)}`);
    expect(onWorker.ticks).toBeGreaterThan(10);
    expect(onWorker.utilization).toBeLessThan(0.25);
    expect(onHost.utilization).toBeGreaterThan(2 * onWorker.utilization);
    expect(listBackups(file)).toHaveLength(2);
  });

  it('are copied on the host’s thread, with a warning, when the worker cannot start', async () => {
    const { db, file } = database();
    writeConversation(db, 1);
    const warnings: string[] = [];

    const backup = await backupDatabase(db, file, { reason: 'daily', workerEntry: MISSING_WORKER, onWarning: (message) => warnings.push(message) });

    expect(warnings).toEqual([expect.stringMatching(/is taken on the app's own thread: its worker could not start \(.*no-such-worker/)]);
    expect(backup).toMatchObject({ reason: 'daily', schemaVersion: LATEST_SCHEMA_VERSION });
    expect(backupFiles(file)).toEqual([basename(backup.file)]);
    expect(contents(backup.file)).toEqual({ conversations: 1, messages: 2, integrity: 'ok' });
  });

  it('are copied on the host’s thread, without a warning, when the database is not in WAL mode', async () => {
    // There the worker's long read would keep the host from committing until the copy is done.
    const { db, file } = database();
    db.pragma('journal_mode = DELETE');
    writeConversation(db, 1);
    const warnings: string[] = [];

    // A worker that crashes: had it been started, the backup would fail.
    const backup = await backupDatabase(db, file, { reason: 'manual', workerEntry: standIn('crashes'), onWarning: (message) => warnings.push(message) });

    expect(warnings).toEqual([]);
    expect(contents(backup.file)).toEqual({ conversations: 1, messages: 2, integrity: 'ok' });
  });

  describe('when they fail', () => {
    /** A database with one good backup already, and the bytes of both, to show that a failure changes neither. */
    async function withGoodBackup(): Promise<{ db: Database; file: string; kept: string; unchanged: () => void }> {
      const { db, file } = database();
      writeConversation(db, 1);
      const kept = (await backupDatabase(db, file, { reason: 'manual' })).file;
      const keptBytes = readFileSync(kept);
      const unchanged = (): void => {
        expect(readFileSync(kept).equals(keptBytes)).toBe(true);
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
        expect(contents(file)).toMatchObject({ conversations: 1, messages: 2 });
      };
      return { db, file, kept, unchanged };
    }

    it('a worker that dies while copying gives a StoreError, and leaves nothing behind', async () => {
      const { db, file, kept, unchanged } = await withGoodBackup();

      await expectBackupError(
        backupDatabase(db, file, { reason: 'manual', workerEntry: standIn('crashes') }),
        'DB_ERROR',
        /^Could not back up .* to .*: its thread stopped \(the copy went wrong halfway\)$/,
      );

      expect(backupFiles(file)).toEqual([basename(kept)]);
      unchanged();
    });

    it('a full disk on the worker gives DB_FULL, as on the host, and its partial copy is removed', async () => {
      const { db, file, kept, unchanged } = await withGoodBackup();

      await expectBackupError(backupDatabase(db, file, { reason: 'manual', workerEntry: standIn('disk-full') }), 'DB_FULL', /the disk is full/);

      expect(backupFiles(file)).toEqual([basename(kept)]);
      unchanged();
    });

    it('a backup that cannot be put in place gives DB_UNWRITABLE from the worker, and its copy is removed', async () => {
      const { db, file, kept, unchanged } = await withGoodBackup();
      let taken = '';

      // Something takes the backup's name while the worker copies (no user can make the folder unwritable to root).
      const failing = backupDatabase(db, file, {
        reason: 'manual',
        onStart: (temporary) => {
          taken = temporary.replace(/\.partial$/, '');
          mkdirSync(taken);
        },
      });

      await expectBackupError(failing, 'DB_UNWRITABLE', /^Could not back up .*: the location is not writable/);
      expect(backupFiles(file)).toEqual([basename(kept), basename(taken)].sort());
      unchanged();
    });

    it.skipIf(runningAsRoot)('a read-only backups folder gives DB_UNWRITABLE from the worker, and nothing is written', async () => {
      const { db, file, kept, unchanged } = await withGoodBackup();
      chmodSync(backupFolderFor(file), 0o500);
      onCleanup(() => chmodSync(backupFolderFor(file), 0o700));

      await expectBackupError(backupDatabase(db, file, { reason: 'manual' }), 'DB_UNWRITABLE', /cannot be opened for writing/);

      expect(backupFiles(file)).toEqual([basename(kept)]);
      unchanged();
    });

    it('a file where the backups folder should be gives DB_UNWRITABLE before any worker starts', async () => {
      const { db, file } = database();
      writeFileSync(backupFolderFor(file), 'not a folder');

      await expectBackupError(backupDatabase(db, file, { reason: 'manual' }), 'DB_UNWRITABLE', /not writable/);
      expect(readFileSync(backupFolderFor(file), 'utf8')).toBe('not a folder');
    });

    it('closing the store stops a backup under way: DB_CLOSED, and nothing is left behind', async () => {
      const file = tempDbPath();
      const store = openTestStore(file);
      store.conversations.createConversation({ title: 'Kept' });

      const pending = store.backupNow();
      store.close();

      await expectBackupError(pending, 'DB_CLOSED', /closed while backing up/);
      expect(backupFiles(file)).toEqual([]);
      expect(openTestStore(file).conversations.listConversations().map((c) => c.title)).toEqual(['Kept']);
    });
  });
});
