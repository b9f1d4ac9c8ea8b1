import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ScriptedEngine } from '../../../support/scripted-engine';
import Database from 'better-sqlite3';
import { DATABASE_FILE } from '../../../../src-main/node/host/compose';
import { runRestoreCommand } from '../../../../src-main/node/host/restore-command';
import { makeFifo, releaseFifo } from '../../../fixtures/special-files';
import { send, startHarness, tempDataDir, type Harness } from './compose-harness';
import { corruptPages, pageFilling, pageOfRow } from '../../../fixtures/damaged-database';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

let data: ReturnType<typeof tempDataDir>;
let harness: Harness | undefined;

beforeEach(() => {
  data = tempDataDir();
});
afterEach(async () => {
  await harness?.close();
  harness = undefined;
  data.remove();
});

function boot(): Harness {
  harness = startHarness(data.dir, new ScriptedEngine({ initialModelPath: path.join(data.dir, 'm.gguf') }));
  return harness;
}

/** Two backups: "One" only, then "One" and "Two"; the live database also has "Three". Returns the backup files. */
async function history(): Promise<{ older: string; newer: string }> {
  const app = boot();
  await app.app.backups.idle();
  await app.client.call('conversations.create', { title: 'One' });
  const older = await app.app.store.backupNow('manual');
  await app.client.call('conversations.create', { title: 'Two' });
  const newer = await app.app.store.backupNow('manual');
  await app.client.call('conversations.create', { title: 'Three' });
  await app.close();
  harness = undefined;
  return { older: older.file, newer: newer.file };
}

async function titlesAfterStart(): Promise<string[]> {
  const app = boot();
  return (await app.client.call('conversations.list', {})).map((c) => c.title).sort();
}

describe('npm run restore', () => {
  it('lists the backups newest first, and says how to restore one', async () => {
    const { older, newer } = await history();
    const run = runRestoreCommand(['--data', data.dir], '/nowhere');
    expect(run.code).toBe(0);
    const listed = run.stdout.filter((line) => line.startsWith('  ')).map((line) => line.trim().split(/\s+/).at(-1));
    expect(listed.indexOf(newer)).toBeLessThan(listed.indexOf(older));
    expect(run.stdout.join('\n')).toMatch(/--backup <file>\|latest/);
  });

  it('restores a chosen backup (by file name) and keeps the replaced database', async () => {
    const { older } = await history();
    const run = runRestoreCommand(['--data', data.dir, '--backup', path.basename(older)], '/nowhere');
    expect(run).toMatchObject({ code: 0, stderr: [] });
    const kept = /kept at (.+)\.$/m.exec(run.stdout.join('\n'))?.[1] ?? '';
    expect(existsSync(kept)).toBe(true);
    expect(await titlesAfterStart()).toEqual(['One']);
  });

  it('restores the latest backup through the npm script', async () => {
    await history();
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'src-main/node/host/restore-cli.ts'), '--data', data.dir, '--backup', 'latest'],
      { cwd: ROOT },
    );
    expect(stdout).toMatch(/^Restored the backup taken/);
    expect(await titlesAfterStart()).toEqual(['One', 'Two']);
  });

  it('refuses while Phi Desk is running on the folder, and for missing or damaged backups, changing nothing', async () => {
    const { newer } = await history();
    boot();
    const running = runRestoreCommand(['--data', data.dir, '--backup', 'latest'], '/nowhere');
    expect(running.code).toBe(1);
    expect(running.stderr.join('\n')).toMatch(/Another copy of Phi Desk is already running/);
    await harness?.close();
    harness = undefined;

    const missing = runRestoreCommand(['--data', data.dir, '--backup', 'nope.sqlite'], '/nowhere');
    expect(missing.code).toBe(1);
    expect(missing.stderr.join('\n')).toMatch(/There is no backup .*nope\.sqlite/);
    writeFileSync(newer, 'not a database');
    const damaged = runRestoreCommand(['--data', data.dir, '--backup', 'latest'], '/nowhere');
    expect(damaged.code).toBe(1);
    expect(damaged.stderr.join('\n')).toMatch(/cannot be restored/);
    expect(await titlesAfterStart()).toEqual(['One', 'Three', 'Two']);
  });

  it('refuses a named pipe among the backups at once, changing nothing (issue 12)', async () => {
    const { newer } = await history();
    // Named as the newest backup, so `latest` picks it. SQLite's blocking open would wait for a writer for ever.
    const pipe = makeFifo(newer.replace(/\d{4}-\d{2}-\d{2}T/, '2999-01-01T'));
    try {
      const run = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = execFile(
          process.execPath,
          ['--import', 'tsx', path.join(ROOT, 'src-main/node/host/restore-cli.ts'), '--data', data.dir, '--backup', 'latest'],
          { cwd: ROOT, timeout: 15_000 },
          (_error, _stdout, stderr) => resolve({ code: child.exitCode, stderr }),
        );
      });
      expect(run.code).toBe(1);
      expect(run.stderr.trim()).toBe(`phi-desk restore: The backup ${pipe} cannot be restored: ${pipe} is not a regular file (a named pipe).`);
    } finally {
      releaseFifo(pipe);
    }
    expect(await titlesAfterStart()).toEqual(['One', 'Three', 'Two']);
  });

  it('restoring over a damaged database salvages what it has beyond the backup, and says how much was saved and lost', async () => {
    const app = boot();
    await app.app.backups.idle();
    await app.client.call('conversations.create', { title: 'One' });
    await app.app.store.backupNow('manual');
    const two = await app.client.call('conversations.create', { title: 'Two' });
    await send(app.client, two.id, pageFilling('alpha')); // the scripted reply repeats it: a page each
    const beta = await send(app.client, two.id, pageFilling('beta'));
    await app.close();
    harness = undefined;
    const file = path.join(data.dir, DATABASE_FILE);
    const started = beta.events.find((event) => event.type === 'onStarted');
    const page = pageOfRow(file, 'messages', 'id', started?.type === 'onStarted' ? started.userMessage.id : '');
    expect(page.rowids).toHaveLength(1);
    corruptPages(file, [page.page]);

    const run = runRestoreCommand(['--data', data.dir, '--backup', 'latest'], '/nowhere');

    expect(run).toMatchObject({ code: 0, stderr: [] });
    const output = run.stdout.join('\n');
    expect(output).toMatch(/^That database was damaged: could not read messages/m);
    expect(output).toContain(
      'Saved from the damaged database: 1 conversation written or changed after the backup (3 messages), 1 of them only in part. ' +
        '1 message could not be read from it and was not saved.',
    );
    const restarted = boot();
    expect(await restarted.client.call('app.getNotices', {})).toEqual([]);
    const view = await restarted.client.call('conversations.get', { id: two.id });
    expect(view.messages.map((m) => m.content.split(' ').slice(0, 3).join(' '))).toEqual(['alpha sentence worth', 'You said: alpha', 'You said: beta']);
  });

  it('--salvage keeps what a healthy database has beyond the backup; --no-salvage restores the backup as it is', async () => {
    const { older } = await history();
    const salvaged = runRestoreCommand(['--data', data.dir, '--backup', path.basename(older), '--salvage'], '/nowhere');
    expect(salvaged.stdout.join('\n')).toMatch(/Saved from the replaced database: 2 conversations written or changed after the backup/);
    expect(await titlesAfterStart()).toEqual(['One', 'Three', 'Two']);
    await harness?.close();
    harness = undefined;

    const plain = runRestoreCommand(['--data', data.dir, '--backup', path.basename(older), '--no-salvage'], '/nowhere');
    expect(plain.stdout.join('\n')).not.toMatch(/Saved from/);
    expect(await titlesAfterStart()).toEqual(['One']);
  });

  it('--rebuild-search repairs a search index that is out of step with the messages', async () => {
    const app = boot();
    await app.app.backups.idle();
    const conversation = await app.client.call('conversations.create', { title: 'Zebra facts' });
    expect((await app.client.call('search.query', { query: 'zebra' })).conversations).toHaveLength(1);
    await app.close();
    harness = undefined;
    // Empty the title index behind the store's back, as a manual edit of the file could.
    const db = new Database(path.join(data.dir, DATABASE_FILE));
    db.prepare("INSERT INTO conversations_search (conversations_search) VALUES ('delete-all')").run();
    db.close();
    const broken = boot();
    expect((await broken.client.call('search.query', { query: 'zebra' })).conversations).toHaveLength(0);

    const refused = runRestoreCommand(['--data', data.dir, '--rebuild-search'], '/nowhere');
    expect(refused.code).toBe(1);
    expect(refused.stderr.join('\n')).toMatch(/running|in use|another/i);
    await broken.close();
    harness = undefined;

    const run = runRestoreCommand(['--data', data.dir, '--rebuild-search'], '/nowhere');
    expect(run).toMatchObject({ code: 0, stderr: [] });
    expect(run.stdout.join('\n')).toMatch(/out of step .* rebuilt it/);
    const hits = await boot().client.call('search.query', { query: 'zebra' });
    expect(hits.conversations.map((hit) => hit.conversationId)).toEqual([conversation.id]);
  });

  it('bad arguments exit 2 with the usage', () => {
    const run = runRestoreCommand(['--bogus'], '/nowhere');
    expect(run.code).toBe(2);
    expect(run.stderr.join('\n')).toMatch(/Usage: npm run restore/);
  });
});
