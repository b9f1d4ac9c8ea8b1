import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Sqlite from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { connectApp, type AppClient } from '../../../../src-main/common/app-rpc';
import type { StartupState } from '../../../../src-main/common/types';
import { createWebSocketTransport } from '../../../../src-main/node/host/ws-transport';
import { listBackups } from '../../../../src-main/node/store/backups';
import { MIGRATION_JOURNAL_SUFFIX, type MigrationJournalEntry } from '../../../../src-main/node/store/migration-journal';
import { LATEST_SCHEMA_VERSION } from '../../../../src-main/node/store/migrations';
import { historyDigest, MARKED_CONVERSATION, writeHistory } from '../../../fixtures/generated-history';

/**
 * The app killed in the middle of an update of a large history (60,000 messages, every one of them indexed again
 * for search): `npm run serve` and the process opening its store die together with SIGKILL, as when the app is
 * killed or the machine stops. Nothing the user wrote may be lost, and the next start must say what happened, keep
 * the backup the first attempt took, and finish the update.
 */

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const CLI = path.join(ROOT, 'src-main/node/host/serve-cli.ts');

let dir: string;
const running: ChildProcess[] = [];
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'phi-startup-kill-'));
});
afterEach(() => {
  for (const child of running.splice(0)) {
    if (child.exitCode === null && child.signalCode === null && child.pid) process.kill(-child.pid, 'SIGKILL');
  }
  rmSync(dir, { recursive: true, force: true });
});

/** `npm run serve` in a process group of its own (so the group can be killed whole), and the URL it prints. */
async function serve(data: string): Promise<{ child: ChildProcess; url: URL; exited: Promise<string | number | null> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, '--data', data], { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  running.push(child);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<string | number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
  const url = await new Promise<URL>((resolve, reject) => {
    let stdout = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('\n')) resolve(new URL(stdout.trim()));
    });
    void exited.then((how) => reject(new Error(`serve exited (${String(how)}) before printing its URL: ${stderr}`)));
  });
  return { child, url, exited };
}

/** A client of the contract on the host at `url`, and every start-up state it was told, in order. */
async function connect(url: URL): Promise<{ client: AppClient; states: StartupState[]; close(): void }> {
  const socket = new WebSocket(`ws://${url.host}/rpc?token=${url.searchParams.get('token')}`, { headers: { Origin: url.origin } });
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  const client = connectApp(createWebSocketTransport(socket));
  const states: StartupState[] = [];
  client.onPush((event) => {
    if (event.type === 'onStartupProgress') states.push(event.startup);
  });
  states.push(await client.call('app.getStartup', {}));
  return { client, states, close: () => socket.close() };
}

function readJournal(file: string): MigrationJournalEntry | null {
  try {
    return JSON.parse(readFileSync(`${file}${MIGRATION_JOURNAL_SUFFIX}`, 'utf8')) as MigrationJournalEntry;
  } catch {
    return null;
  }
}

function schemaVersion(file: string): number {
  const db = new Sqlite(file, { readonly: true });
  try {
    return db.pragma('user_version', { simple: true }) as number;
  } finally {
    db.close();
  }
}

describe('killed in the middle of an update', () => {
  it('loses nothing; the next start says what happened, keeps the backup taken first, and finishes the update', { timeout: 240_000 }, async () => {
    const data = path.join(dir, 'data');
    mkdirSync(data);
    const file = path.join(data, 'phi-desk.sqlite');
    writeHistory(file, { version: 3, conversations: 1000, messagesPerConversation: 60 });
    const written = historyDigest(file);
    expect(written.messages).toBe(60_000);

    // The first start: killed, host and store process together, once step 005 (every message indexed again) is
    // well under way — after step 004, which did the same with fewer prefixes, has committed.
    const first = await serve(data);
    await expect
      .poll(() => {
        const journal = readJournal(file);
        return journal?.step?.version === 5 && (journal.fraction ?? 0) > 0;
      }, { timeout: 180_000, interval: 50 })
      .toBe(true);
    process.kill(-first.child.pid!, 'SIGKILL');
    expect(await first.exited).toBe('SIGKILL');

    const journal = readJournal(file)!;
    expect(journal).toMatchObject({ from: 3, to: LATEST_SCHEMA_VERSION, step: { version: 5, name: 'search-speed' } });
    expect(schemaVersion(file)).toBe(4); // step 004 committed; 005 was undone
    expect(historyDigest(file)).toEqual(written);
    const backups = listBackups(file);
    expect(backups.map((backup) => [backup.reason, backup.schemaVersion])).toEqual([['pre-migration', 3]]);

    // The second start: told at once, goes on from step 005, and finishes.
    const second = await serve(data);
    const { client, states, close } = await connect(second.url);
    try {
      await expect.poll(() => states.at(-1)?.phase, { timeout: 180_000 }).toBe('ready');
      const told = states.find((state) => state.note !== null)?.note;
      expect(told).toMatch(/^Phi Desk was stopped last time while it updated the conversation database \(step 005, search speed, \d+% done\)\. Nothing was lost/);
      expect(states.some((state) => state.step?.text.startsWith('Backing up'))).toBe(false); // the first backup is kept
      const notices = await client.call('app.getNotices', {});
      expect(notices.find((notice) => notice.id === 'update-interrupted')?.text).toContain(backups[0]!.file);

      expect(listBackups(file).map((backup) => backup.file)).toEqual([backups[0]!.file]);
      expect(existsSync(`${file}${MIGRATION_JOURNAL_SUFFIX}`)).toBe(false);
      const results = await client.call('search.query', { query: MARKED_CONVERSATION.word });
      expect(results.messages.map((hit) => hit.conversationTitle)).toEqual([MARKED_CONVERSATION.title]);
    } finally {
      close();
    }
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
    expect(schemaVersion(file)).toBe(LATEST_SCHEMA_VERSION);
    expect(historyDigest(file)).toEqual(written);
  });
});
