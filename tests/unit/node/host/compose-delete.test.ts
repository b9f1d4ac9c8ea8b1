import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Sqlite from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DELETE_UNDO_WINDOW_MS, type RpcError } from '../../../../src-main/common/contract';
import type { MethodInput } from '../../../../src-main/common/schemas';
import { ScriptedEngine } from '../../../support/scripted-engine';
import { DATABASE_FILE } from '../../../../src-main/node/host/compose';
import { manualClock } from '../store/store-fixtures';
import { send, startHarness, tempDataDir, type Harness } from './compose-harness';

// Deleting a conversation with an undo (`conversations.delete`, `conversations.restore`) over the real contract on the
// composed app: a real store on a SQLite file, the purge on its timer, leftovers purged at the next start.

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const WINDOW = 10_000;

let data: ReturnType<typeof tempDataDir>;
const open: Harness[] = [];

beforeEach(() => {
  data = tempDataDir();
});

afterEach(async () => {
  vi.useRealTimers();
  for (const harness of open.splice(0)) await harness.close();
  data.remove();
});

function boot(options: Parameters<typeof startHarness>[2] = {}): Harness {
  const engine = new ScriptedEngine({ initialModelPath: path.join(data.dir, 'tiny.gguf'), reply: 'Noted.' });
  const harness = startHarness(data.dir, engine, options);
  open.push(harness);
  return harness;
}

async function failure(call: Promise<unknown>): Promise<RpcError> {
  return call.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => error as RpcError,
  );
}

/** Rows of a conversation and its messages, read over a separate plain connection. */
function rowsOf(conversationId: string): { conversations: number; messages: number } {
  const db = new Sqlite(path.join(data.dir, DATABASE_FILE), { readonly: true });
  try {
    return {
      conversations: db.prepare('SELECT count(*) FROM conversations WHERE id = ?').pluck().get(conversationId) as number,
      messages: db.prepare('SELECT count(*) FROM messages WHERE conversation_id = ?').pluck().get(conversationId) as number,
    };
  } finally {
    db.close();
  }
}

describe('deleting a conversation with an undo', () => {
  it('gives a deleted conversation NOT_FOUND everywhere, leaves it out of list, search and export, and restores it whole', async () => {
    const harness = boot();
    const { client } = harness;
    const gone = await client.call('conversations.create', { title: 'Whale songs' });
    const { result: reply } = await send(client, gone.id, 'Humpback whales sing');
    const other = await client.call('conversations.create', { title: 'Other' });
    const before = await client.call('conversations.get', { id: gone.id });
    const pushesBefore = harness.pushes.length;

    expect(await client.call('conversations.delete', { id: gone.id })).toBeNull();

    expect((await client.call('conversations.list', {})).map((c) => c.id)).toEqual([other.id]);
    expect(await client.call('search.query', { query: 'whale' })).toEqual({ conversations: [], messages: [] });
    const refusals = await Promise.all([
      failure(client.call('conversations.get', { id: gone.id })),
      failure(client.call('conversations.rename', { id: gone.id, title: 'x' })),
      failure(client.call('conversations.update', { id: gone.id, pinned: true })),
      failure(client.call('conversations.delete', { id: gone.id })),
      failure(client.call('messages.page', { conversationId: gone.id, beforeSeq: 2 })),
      failure(client.call('messages.switchBranch', { messageId: reply.id })),
      failure(client.call('messages.deleteSubtree', { messageId: reply.id })),
      failure(client.call('search.reveal', { messageId: reply.id })),
      failure(client.call('chat.send', { conversationId: gone.id, text: 'More?' })),
      failure(client.call('chat.regenerate', { messageId: reply.id })),
      failure(client.call('chat.measure', { conversationId: gone.id, text: '' })),
      failure(client.call('chat.prepare', { conversationId: gone.id, text: '' })),
      failure(client.call('history.export', { path: path.join(data.dir, 'one.json'), format: 'json', scope: { kind: 'conversations', ids: [gone.id] } })),
    ]);
    for (const refusal of refusals) expect(refusal.code).toBe('NOT_FOUND');
    expect(harness.pushes.slice(pushesBefore)).toContainEqual({ type: 'onConversationsChanged' });

    const exported = await client.call('history.export', { path: path.join(data.dir, 'all.json'), format: 'json' });
    expect(exported).toMatchObject({ conversations: 1, messages: 0 });

    const restored = await client.call('conversations.restore', { id: gone.id });
    expect(restored).toEqual(before.conversation);
    expect(await client.call('conversations.get', { id: gone.id })).toEqual(before);
    expect((await client.call('search.query', { query: 'whale' })).messages.map((hit) => hit.messageId)).toHaveLength(1);
    expect(harness.pushes.at(-1)).toEqual({ type: 'onConversationsChanged' });
  });

  it('refuses malformed restore params with BAD_REQUEST, and an unknown conversation with NOT_FOUND', async () => {
    const { client } = boot();
    const bad: unknown[] = [{}, { id: '' }, { id: 'not an id!' }, { id: 'a'.repeat(65) }, { id: 7 }, { id: 'c1', extra: true }, null];
    for (const params of bad) {
      const error = await failure(client.call('conversations.restore', params as MethodInput['conversations.restore']));
      expect(error.code, JSON.stringify(params)).toBe('BAD_REQUEST');
    }
    const unknown = await failure(client.call('conversations.restore', { id: 'no-such-conversation' }));
    expect(unknown.code).toBe('NOT_FOUND');
    expect(unknown.message).toBe('That conversation was deleted for good; it can no longer be restored.');
  });

  it('purges a deleted conversation once its undo window has passed, not before; an undo in time keeps it', async () => {
    const clock = manualClock(1_800_000_000_000);
    const { client } = boot({ store: { now: clock.now }, deleteUndoWindowMs: WINDOW });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const advance = (ms: number): void => {
      clock.advance(ms);
      vi.advanceTimersByTime(ms);
    };
    const first = await client.call('conversations.create', { title: 'First' });
    const second = await client.call('conversations.create', { title: 'Second' });
    const undone = await client.call('conversations.create', { title: 'Undone' });
    await send(client, first.id, 'one');

    await client.call('conversations.delete', { id: first.id });
    await client.call('conversations.delete', { id: undone.id });
    advance(4_000);
    await client.call('conversations.delete', { id: second.id });
    advance(WINDOW - 4_000 - 1);
    expect(rowsOf(first.id)).toEqual({ conversations: 1, messages: 2 }); // one millisecond to go: still restorable
    await client.call('conversations.restore', { id: undone.id });

    advance(1);
    expect(rowsOf(first.id)).toEqual({ conversations: 0, messages: 0 });
    expect(rowsOf(second.id).conversations).toBe(1); // deleted 4 s later: its own window runs on
    expect((await failure(client.call('conversations.restore', { id: first.id }))).code).toBe('NOT_FOUND');

    advance(4_000);
    expect(rowsOf(second.id).conversations).toBe(0);
    expect(rowsOf(undone.id).conversations).toBe(1);
    expect((await client.call('conversations.list', {})).map((c) => c.title)).toEqual(['Undone']);
    expect(vi.getTimerCount()).toBe(0); // nothing left to purge, no timer left
  });

  it('by default keeps a deleted conversation restorable for the whole window the contract promises', async () => {
    const clock = manualClock(1_800_000_000_000);
    const { client } = boot({ store: { now: clock.now } });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const conversation = await client.call('conversations.create', { title: 'Kept a while' });
    await client.call('conversations.delete', { id: conversation.id });
    clock.advance(DELETE_UNDO_WINDOW_MS - 1);
    vi.advanceTimersByTime(DELETE_UNDO_WINDOW_MS - 1);
    expect((await client.call('conversations.restore', { id: conversation.id })).title).toBe('Kept a while');
  });

  it('completes a deletion left in its undo window when the app quit: at the next start, and only that one', async () => {
    const first = boot();
    const kept = await first.client.call('conversations.create', { title: 'Kept' });
    const gone = await first.client.call('conversations.create', { title: 'Gone' });
    await send(first.client, gone.id, 'Soon forgotten');
    await first.client.call('conversations.delete', { id: gone.id });
    await first.close();
    expect(rowsOf(gone.id)).toEqual({ conversations: 1, messages: 2 }); // marked, not purged, at quit

    const second = boot();
    expect(rowsOf(gone.id)).toEqual({ conversations: 0, messages: 0 });
    expect((await second.client.call('conversations.list', {})).map((c) => c.id)).toEqual([kept.id]);
  });

  it('after a crash in the undo window, the next start completes the deletion the user did not undo and keeps the one undone', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'tests/crash/delete-child.ts'), data.dir], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
    const ids = await new Promise<Record<'Kept' | 'Undone' | 'Deleted', string>>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('\n')) resolve(JSON.parse(stdout.split('\n')[0]!) as Record<'Kept' | 'Undone' | 'Deleted', string>);
      });
      void exited.then((how) => reject(new Error(`the child exited by itself (${String(how)}): ${stderr}`)));
    });
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(rowsOf(ids.Deleted)).toEqual({ conversations: 1, messages: 2 }); // still marked when it died

    const { client } = boot();

    expect(rowsOf(ids.Deleted)).toEqual({ conversations: 0, messages: 0 });
    const titles = (await client.call('conversations.list', {})).map((c) => c.title).sort();
    expect(titles).toEqual(['Kept', 'Undone']);
    const undone = await client.call('conversations.get', { id: ids.Undone });
    expect(undone.messages.map((m) => m.content)).toEqual(['About undone things', 'Noted.']);
  }, 60_000);
});
