import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppNotice } from '../../../../src-main/common/types';
import { ScriptedEngine } from '../../../support/scripted-engine';
import { composeApp, DATABASE_FILE } from '../../../../src-main/node/host/compose';
import { StoreError } from '../../../../src-main/node/store/store-error';
import { corruptBTrees, holdWriteLock } from '../store/temp-store';
import { send, startHarness, tempDataDir, type Harness } from './compose-harness';

/**
 * The store as the app opens it: notices for a recovered database and for replies cut short by a crash, one running
 * copy per data folder, and the daily backup at start and on a timer.
 */

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const DAY = 24 * 60 * 60 * 1000;

let data: ReturnType<typeof tempDataDir>;
const open: Harness[] = [];

beforeEach(() => {
  data = tempDataDir();
});

afterEach(async () => {
  for (const harness of open.splice(0)) await harness.close();
  data.remove();
});

function engine(): ScriptedEngine {
  return new ScriptedEngine({ initialModelPath: path.join(data.dir, 'tiny.gguf'), reply: 'Noted.' });
}

function boot(options: Parameters<typeof startHarness>[2] = {}): Harness {
  const harness = startHarness(data.dir, engine(), options);
  open.push(harness);
  return harness;
}

async function titles(harness: Harness): Promise<string[]> {
  return (await harness.client.call('conversations.list', {})).map((c) => c.title).sort();
}

describe('opening the database', () => {
  it('a damaged database file at start is moved aside, the newest backup restored, and the user told which and where', async () => {
    const first = boot();
    const kept = await first.client.call('conversations.create', { title: 'Kept' });
    await send(first.client, kept.id, 'a sentence worth keeping');
    await first.app.backups.idle();
    const backup = await first.app.store.backupNow('manual');
    await first.client.call('conversations.create', { title: 'After the backup' });
    await first.close();

    const file = path.join(data.dir, DATABASE_FILE);
    writeFileSync(file, Buffer.alloc(64 * 1024, 0xab)); // a half-synced, overwritten file: not SQLite any more

    const second = boot();
    const notices = await second.client.call('app.getNotices', {});
    expect(notices).toHaveLength(1);
    const [notice] = notices as [AppNotice];
    expect(notice).toMatchObject({ id: 'database-recovered', level: 'warning' });
    expect(notice.text).toContain(backup.file);
    expect(notice.text).toMatch(/damaged/);
    const movedAside = second.app.store.report.recovery?.movedAside[0] ?? '';
    expect(movedAside).toMatch(/phi-desk\.sqlite\.corrupt-/);
    expect(notice.text).toContain(movedAside);
    expect(readFileSync(movedAside)[0]).toBe(0xab); // the damaged file is kept, not deleted

    expect(await titles(second)).toEqual(['Kept']);
    const view = await second.client.call('conversations.get', { id: kept.id });
    expect(view.messages.map((m) => m.content)).toEqual(['a sentence worth keeping', 'Noted.']);
    // The recovered database works.
    await send(second.client, kept.id, 'still here');

    await expect(second.client.call('app.dismissNotice', { id: notice.id })).resolves.toBeNull();
    expect(await second.client.call('app.getNotices', {})).toEqual([]);
  });

  it('with no usable backup the app starts empty and says where the damaged file is', async () => {
    const first = boot();
    await first.client.call('conversations.create', { title: 'Gone' });
    await first.app.backups.idle();
    await first.close();
    for (const backup of first.app.store.listBackups()) writeFileSync(backup.file, 'not a database');
    writeFileSync(path.join(data.dir, DATABASE_FILE), 'not a database either');

    const second = boot();
    const [notice] = await second.client.call('app.getNotices', {});
    expect(notice).toMatchObject({ id: 'database-recovered', level: 'error' });
    expect(notice?.text).toMatch(/no usable backup/);
    expect(notice?.text).toContain(second.app.store.report.recovery?.movedAside[0]);
    expect(await titles(second)).toEqual([]);
  });

  it('damage found while the app runs (a read that fails) is STORE_FAILED in words, makes the store read-only with a notice, and is recovered at the next start', async () => {
    const first = boot();
    const kept = await first.client.call('conversations.create', { title: 'Kept' });
    await send(first.client, kept.id, 'safe in the backup');
    await first.app.backups.idle();
    await first.app.store.backupNow('manual');
    await first.close();
    const file = path.join(data.dir, DATABASE_FILE);
    corruptBTrees(file, ['messages_by_parent']);

    // No check at start here (the check at start has tests of its own): only the read that fails finds the damage.
    const damaged = boot({ store: { check: 'never' } });
    expect(await damaged.client.call('app.getNotices', {})).toEqual([]);
    const error = await damaged.client.call('conversations.get', { id: kept.id }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'STORE_FAILED', details: { storeCode: 'DB_CORRUPT' } });
    expect((error as Error).message).toMatch(/^The conversation database is damaged: this part of it cannot be read/);
    await expect.poll(() => damaged.pushes.some((p) => p.type === 'onNotice' && p.notice.id === 'database-damaged')).toBe(true);
    // From then on nothing is written, and the refusal says why.
    const refused = await damaged.client.call('conversations.create', { title: 'Not saved' }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'STORE_FAILED', details: { storeCode: 'DB_READ_ONLY' } });
    expect((refused as Error).message).toMatch(/damaged, so Phi Desk keeps it read-only and could not save this/);
    expect(await titles(damaged)).toEqual(['Kept']);
    await damaged.close();
    expect(existsSync(path.join(data.dir, `${DATABASE_FILE}.check-needed`))).toBe(true);

    const recovered = boot();
    const [notice] = await recovered.client.call('app.getNotices', {});
    expect(notice).toMatchObject({ id: 'database-recovered', level: 'warning' });
    expect(notice?.text).toMatch(/Nothing in the damaged file that could be read was newer than the backup/);
    const view = await recovered.client.call('conversations.get', { id: kept.id });
    expect(view.messages.map((m) => m.content)).toEqual(['safe in the backup', 'Noted.']);
    await send(recovered.client, kept.id, 'writable again');
    await recovered.close();
    // Recovered once; the next start is an ordinary one.
    expect(existsSync(path.join(data.dir, `${DATABASE_FILE}.check-needed`))).toBe(false);
  });

  it('replies cut short by a crash are marked interrupted, keep their text, and the user is told how many', async () => {
    const first = boot();
    const conversation = await first.client.call('conversations.create', {});
    const { conversations } = first.app.store;
    const user = conversations.appendMessage({ conversationId: conversation.id, parentId: null, role: 'user', content: 'Hi', status: 'complete' });
    const reply = conversations.appendMessage({ conversationId: conversation.id, parentId: user.id, role: 'assistant', content: '', status: 'streaming' });
    conversations.appendToMessage(reply.id, 'Half a sent');
    await first.close(); // the row is still `streaming`, as after a crash

    const second = boot();
    expect(await second.client.call('app.getNotices', {})).toEqual([
      { id: 'replies-interrupted', level: 'info', text: expect.stringMatching(/^1 reply was interrupted/) as unknown },
    ]);
    const view = await second.client.call('conversations.get', { id: conversation.id });
    expect(view.messages.at(-1)).toMatchObject({ id: reply.id, status: 'interrupted', content: 'Half a sent' });
    // Regenerating an interrupted reply writes a sibling; the interrupted one stays.
    await second.client.call('chat.regenerate', { messageId: reply.id });
    const after = await second.client.call('conversations.get', { id: conversation.id });
    expect(after.branches[0]).toMatchObject({ count: 2, index: 1, previousId: reply.id });
  });

  it('quitting while a reply streams stores it as stopped with its text, not as a crash', async () => {
    const slow = new ScriptedEngine({ initialModelPath: path.join(data.dir, 'tiny.gguf'), reply: 'word '.repeat(100), deltaDelayMs: 5 });
    const first = startHarness(data.dir, slow);
    open.push(first);
    const conversation = await first.client.call('conversations.create', {});
    let deltas = 0;
    let quit: Promise<void> | undefined;
    const reply = first.client
      .call('chat.send', { conversationId: conversation.id, text: 'talk' }, {
        onEvent: (event) => {
          if (event.type === 'onDelta' && ++deltas === 3) quit = first.app.dispose();
        },
      })
      .catch((e: unknown) => e);
    await expect.poll(() => deltas >= 3).toBe(true);
    await quit;
    await reply;

    const second = boot();
    expect(await second.client.call('app.getNotices', {})).toEqual([]);
    const last = (await second.client.call('conversations.get', { id: conversation.id })).messages.at(-1);
    expect(last?.status).toBe('stopped');
    expect(last?.content.length).toBeGreaterThanOrEqual(12); // the three deltas streamed before the quit, at least
    expect('word '.repeat(100).startsWith(last?.content ?? 'x')).toBe(true);
  });

  it('quitting while the engine never finishes disposing still closes the database, within the grace period (issue 12)', async () => {
    // An in-process engine stuck in native code: its dispose never settles. The app waits for it no longer than its
    // grace period, then closes the database anyway.
    const stuck = new (class extends ScriptedEngine {
      override dispose(): Promise<void> {
        return new Promise<void>(() => {});
      }
    })({ initialModelPath: path.join(data.dir, 'tiny.gguf') });
    const first = startHarness(data.dir, stuck, { disposeGraceMs: 300 });
    await first.client.call('conversations.create', { title: 'Kept' });
    const quitAt = Date.now();
    await first.close();
    expect(Date.now() - quitAt).toBeLessThan(2000);
    expect(existsSync(path.join(data.dir, `${DATABASE_FILE}-wal`))).toBe(false);
    const second = boot();
    expect((await second.client.call('conversations.list', {})).map((c) => c.title)).toEqual(['Kept']);
  });

  it('a second copy on the same data folder fails at start with DB_LOCKED saying so; the first keeps working', async () => {
    const first = boot();
    const other = engine();
    let error: unknown;
    try {
      composeApp({ dataDir: data.dir, engine: other, host: 'browser', version: '0' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(StoreError);
    expect(error).toMatchObject({ code: 'DB_LOCKED' });
    expect((error as Error).message).toMatch(/Another copy of Phi Desk is already running/);
    expect((error as Error).message).toContain(data.dir);
    await other.dispose();
    const conversation = await first.client.call('conversations.create', {});
    await expect(send(first.client, conversation.id, 'still fine')).resolves.toMatchObject({
      result: { status: 'complete', content: 'Noted.' },
    });
    await first.close();
    // Once the first copy has stopped, the folder is free again.
    const second = boot();
    expect(await second.client.call('conversations.list', {})).toHaveLength(1);
  });

  it('a database held by another program is a clear DB_LOCKED at start, and nothing is moved aside', async () => {
    await boot().close();
    const file = path.join(data.dir, DATABASE_FILE);
    const lock = await holdWriteLock(file);
    try {
      const other = engine();
      let error: unknown;
      try {
        composeApp({ dataDir: data.dir, engine: other, host: 'browser', version: '0', store: { busyTimeoutMs: 100 } });
      } catch (caught) {
        error = caught;
      }
      await other.dispose();
      expect(error).toMatchObject({ code: 'DB_LOCKED' });
      expect((error as Error).message).toMatch(/in use by another program/);
    } finally {
      await lock.release();
    }
    const harness = boot();
    expect(harness.app.store.report.recovery).toBeNull();
    expect(await harness.client.call('app.getNotices', {})).toEqual([]);
  });

  it('npm run serve on a folder another copy is using exits 1 with that sentence, not a stack trace', async () => {
    boot();
    const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', path.join(ROOT, 'src-main/node/host/serve-cli.ts'), '--data', data.dir],
        { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('error', reject);
      child.on('exit', (code) => resolve({ code, stdout, stderr }));
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/Another copy of Phi Desk is already running with the data folder/);
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(run.stdout).toBe('');
  }, 120_000);
});

describe('daily backups', () => {
  it('backs up at start when due and again on the timer once a day has passed; dispose stops the timer', async () => {
    let now = Date.UTC(2026, 0, 10, 12);
    const harness = boot({ store: { now: () => now }, backupCheckIntervalMs: 20 });
    await harness.app.backups.idle();
    expect(harness.app.store.listBackups().map((b) => b.reason)).toEqual(['daily']);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(harness.app.store.listBackups()).toHaveLength(1); // not due again within the day
    now += DAY;
    await expect.poll(() => harness.app.store.listBackups().length).toBe(2);
    await harness.close();
    now += DAY;
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(harness.app.notices.list()).toEqual([]); // no check ran on the closed database
  });

  it('takes no backup when daily backups are off', async () => {
    const first = boot();
    await first.app.backups.idle();
    await first.client.call('settings.update', { patch: { dailyBackups: false } });
    await first.close();
    const before = first.app.store.listBackups().length;
    const second = boot({ store: { now: () => Date.now() + 3 * DAY } });
    await second.app.backups.idle();
    expect(second.app.store.listBackups()).toHaveLength(before);
  });

  it('a failed backup becomes a notice pushed to every window; the app keeps working', async () => {
    mkdirSync(data.dir, { recursive: true });
    writeFileSync(path.join(data.dir, 'backups'), 'a file where the backups folder should be');
    const harness = boot();
    await harness.app.backups.idle();
    const notices = await harness.client.call('app.getNotices', {});
    expect(notices).toEqual([{ id: 'backup-failed', level: 'warning', text: expect.stringMatching(/daily backup .* failed/) as unknown }]);
    await expect.poll(() => harness.pushes.some((p) => p.type === 'onNotice' && p.notice.id === 'backup-failed')).toBe(true);
    expect(existsSync(path.join(data.dir, DATABASE_FILE))).toBe(true);
    const created = await harness.client.call('conversations.create', { title: 'After the failed backup' });
    expect((await harness.client.call('conversations.list', {})).map((c) => c.id)).toContain(created.id);
  });
});
