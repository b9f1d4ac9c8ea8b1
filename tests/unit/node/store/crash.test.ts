import { spawn } from 'node:child_process';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../../../src-main/node/store/open-store';
import { tempDbPath } from './temp-store';

/**
 * The crash test: a child process streams replies into the store and acknowledges each commit on stdout; we SIGKILL
 * it at a random moment, many times over, on the same database. After each kill the database must be intact and hold
 * every acknowledged write, whole and exactly once, and the next start must turn the cut-off reply into an
 * interrupted one with its text.
 */

const KILLS = 32;
const CHILD = join(process.cwd(), 'tests', 'crash', 'stream-child.ts');

type Ack =
  | { t: 'open'; interrupted: number }
  | { t: 'conv'; c: string }
  | { t: 'msg'; c: string; m: string; parent: string | null; role: 'user' | 'assistant'; content: string }
  | { t: 'append'; m: string; len: number }
  | { t: 'finish'; m: string; len: number };

interface Expected {
  conversations: Set<string>;
  messages: Map<string, { c: string; parent: string | null; role: string; content: string; acked: number; finished: boolean }>;
}

/** Run the child until it has acknowledged something, wait a random moment more, and SIGKILL it. */
async function runAndKill(file: string, seed: number, delayMs: number): Promise<Ack[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, file, String(seed)], {
    cwd: process.cwd(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('"t":"conv"')) resolve();
    });
    void exited.then((how) => reject(new Error(`the child exited by itself (${String(how)}): ${stderr}`)));
  });
  await new Promise((resolve) => setTimeout(resolve, delayMs));
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
  // A line cut by the kill was never a complete acknowledgement.
  const lines = stdout.split('\n');
  lines.pop();
  return lines.map((line) => JSON.parse(line) as Ack);
}

function record(expected: Expected, acks: readonly Ack[]): void {
  for (const ack of acks) {
    if (ack.t === 'conv') expected.conversations.add(ack.c);
    if (ack.t === 'msg') {
      expected.messages.set(ack.m, { c: ack.c, parent: ack.parent, role: ack.role, content: ack.content, acked: 0, finished: false });
    }
    if (ack.t === 'append' || ack.t === 'finish') {
      const message = expected.messages.get(ack.m)!;
      message.acked = ack.len;
      message.finished ||= ack.t === 'finish';
    }
  }
}

/** The reply stream `w0 w1 w2 …` cut after whole tokens: true when `text` is exactly such a prefix. */
function isWholeTokenPrefix(text: string): boolean {
  const tokens = text.split(' ');
  if (tokens.pop() !== '') return text === '';
  return tokens.every((token, index) => token === `w${index}`);
}

interface MessageRow {
  id: string;
  conversation_id: string;
  parent_id: string | null;
  seq: number;
  role: string;
  content: string;
  status: string;
}

describe('crash safety', () => {
  it(`keeps every acknowledged write through ${KILLS} SIGKILLs at random moments`, { timeout: 180_000 }, async () => {
    const file = tempDbPath();
    const expected: Expected = { conversations: new Set(), messages: new Map() };
    let cutOffReplies = 0;

    for (let kill = 0; kill < KILLS; kill++) {
      const seed = 1000 + kill;
      record(expected, await runAndKill(file, seed, Math.floor(Math.random() * 150)));
      const context = `after kill ${kill + 1} (seed ${seed})`;

      // 1. As the killed process left it, read by a plain connection: intact, nothing acknowledged missing or torn.
      const raw = new Sqlite(file);
      let streaming: MessageRow[];
      try {
        expect(raw.pragma('integrity_check', { simple: true }), context).toBe('ok');
        const conversations = new Set(raw.prepare('SELECT id FROM conversations').pluck().all() as string[]);
        for (const id of expected.conversations) expect(conversations.has(id), `${context}: conversation ${id}`).toBe(true);

        const rows = raw.prepare('SELECT id, conversation_id, parent_id, seq, role, content, status FROM messages').all() as MessageRow[];
        const byId = new Map(rows.map((row) => [row.id, row]));
        for (const [id, want] of expected.messages) {
          const row = byId.get(id);
          expect(row, `${context}: message ${id}`).toBeDefined();
          expect([row!.conversation_id, row!.parent_id, row!.role], context).toEqual([want.c, want.parent, want.role]);
          if (want.role === 'user') expect(row!.content, context).toBe(want.content);
          else expect(row!.content.length, `${context}: reply ${id} lost acknowledged text`).toBeGreaterThanOrEqual(want.acked);
          if (want.finished) expect([row!.status, row!.content.length], context).toEqual(['complete', want.acked]);
        }
        for (const row of rows) {
          if (row.role === 'assistant') expect(isWholeTokenPrefix(row.content), `${context}: torn text ${row.content.slice(-40)}`).toBe(true);
        }
        // Sequence numbers per conversation are 1..n without gaps.
        const seqs = new Map<string, number[]>();
        for (const row of rows) seqs.set(row.conversation_id, [...(seqs.get(row.conversation_id) ?? []), row.seq]);
        for (const [conversationId, list] of seqs) {
          expect(list.sort((a, b) => a - b), `${context}: seq of ${conversationId}`).toEqual(list.map((_, i) => i + 1));
        }
        streaming = rows.filter((row) => row.status === 'streaming');
        expect(streaming.length, context).toBeLessThanOrEqual(1); // only the reply being written when killed
      } finally {
        raw.close();
      }

      // 2. The next start: the cut-off reply becomes interrupted, with its text, and search stays in step.
      const store = openStore(file);
      try {
        expect(store.report.recovery, context).toBeNull();
        expect(store.report.damage, context).toBeNull(); // the check at start reads the whole (small) file: intact
        expect(store.report.interruptedReplies, context).toBe(streaming.length);
        for (const row of streaming) {
          expect(store.conversations.getMessage(row.id), context).toMatchObject({ status: 'interrupted', content: row.content });
          // (A reply created just before the kill may have committed without its acknowledgement: not expected.)
          cutOffReplies += 1;
        }
        expect(store.search.verifySearchIndex(), context).toBe(true);
      } finally {
        store.close();
      }
    }

    // The kills landed mid-reply often enough for the test to mean something.
    expect(cutOffReplies).toBeGreaterThanOrEqual(KILLS / 4);
    expect(expected.messages.size).toBeGreaterThan(KILLS * 5);
  });
});
