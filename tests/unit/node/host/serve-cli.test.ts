import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { connectApp } from '../../../../src-main/common/app-rpc';
import { createWebSocketTransport } from '../../../../src-main/node/host/ws-transport';
import { getTinyModelPath } from '../../../fixtures/models';
import { makeFifo, releaseFifo } from '../../../fixtures/special-files';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const CLI = path.join(ROOT, 'src-main/node/host/serve-cli.ts');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'phi-serve-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run `npm run serve -- …` (the same entry point) and wait for it to exit. */
function serve(args: string[], { untilUrl = false } = {}): Promise<Run & { pid?: number; stop?: () => Promise<Run> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const exited = new Promise<Run>((done) => child.on('exit', (code) => done({ code, stdout, stderr })));
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (untilUrl && stdout.includes('\n')) {
        resolve({
          code: null,
          stdout,
          stderr,
          ...(child.pid === undefined ? {} : { pid: child.pid }),
          stop: async () => {
            child.kill('SIGINT');
            return exited;
          },
        });
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    // A run that hangs is killed, so the test fails on its exit code instead of timing out without a word.
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    void exited.then((run) => {
      clearTimeout(killer);
      resolve(run);
    });
  });
}

/** Ids of the processes whose parent is `pid` and whose command line mentions `name` (from /proc: Linux, as CI). */
function childProcesses(pid: number, name: string): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may contain spaces, so read after its closing parenthesis.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parent === pid && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(name)) children.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return children;
}

function expectCleanFailure(run: Run, message: RegExp): void {
  expect(run.code).toBe(1);
  expect(run.stderr).toMatch(message);
  expect(run.stderr).not.toMatch(/^\s+at /m); // a sentence, not a stack trace
  expect(run.stdout).toBe('');
}

describe('npm run serve', () => {
  it('loads the model, prints the URL with its token on one line, and shuts down cleanly on Ctrl+C', async () => {
    const model = await getTinyModelPath();
    const running = await serve(['--model', model, '--data', path.join(dir, 'data')], { untilUrl: true });
    const url = running.stdout.trim();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{40,}$/);
    const page = await fetch(url);
    expect(page.status).toBe(200);
    const finished = await running.stop!();
    expect(finished.code).toBe(0);
    expect(finished.stderr).toContain('Stopped. The engine is disposed and the database closed.');
  });

  it('Ctrl+C with work pending in a frozen engine exits within 5 s, the database closed cleanly (issue 12)', async () => {
    // What this exercises: the engine process frozen (SIGSTOP) while a reply and a model load wait on it, standing in
    // for native code that never returns (before the fix, a model load opening a named pipe). Nothing the app can do
    // makes it answer, so shutdown must cut it short: the reply stored as stopped, the process killed, the database
    // closed (its WAL checkpointed and removed).
    const model = await getTinyModelPath();
    const data = path.join(dir, 'data');
    const running = await serve(['--model', model, '--data', data], { untilUrl: true });
    const url = new URL(running.stdout.trim());
    const socket = new WebSocket(`ws://${url.host}/rpc?token=${url.searchParams.get('token')}`, { headers: { Origin: url.origin } });
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const client = connectApp(createWebSocketTransport(socket));
    const conversation = await client.call('conversations.create', { title: 'Frozen' });
    // The URL comes as soon as the page can be served; the model loads meanwhile.
    await expect.poll(async () => (await client.call('engine.getStatus', {})).state, { timeout: 20_000 }).toBe('ready');

    const engines = childProcesses(running.pid!, 'engine-worker');
    expect(engines).toHaveLength(1); // the engine process, with the model loaded
    process.kill(engines[0]!, 'SIGSTOP');
    const reply = client.call('chat.send', { conversationId: conversation.id, text: 'Are you there?' }).catch((error: unknown) => error);
    const copy = path.join(dir, 'copy.gguf');
    copyFileSync(model, copy);
    const load = client.call('models.useFile', { path: copy }).catch((error: unknown) => error);
    // Both wait on the frozen engine: still unanswered well after an answer would have come.
    const settled = await Promise.race([reply, load, new Promise((resolve) => setTimeout(() => resolve('pending'), 1000))]);
    expect(settled).toBe('pending');

    const stoppedAt = Date.now();
    const finished = await running.stop!();
    const took = Date.now() - stoppedAt;
    expect(finished.code).toBe(0);
    expect(took).toBeLessThan(5000);
    expect(finished.stderr).toContain('Stopped. The engine is disposed and the database closed.');
    expect(() => process.kill(engines[0]!, 0)).toThrow(); // the frozen engine process is gone too

    const database = path.join(data, 'phi-desk.sqlite');
    expect(existsSync(`${database}-wal`)).toBe(false); // closed cleanly, not left as after a crash
    const db = new Database(database, { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const messages = db.prepare('SELECT role, content, status FROM messages ORDER BY seq').all();
      expect(messages).toEqual([
        { role: 'user', content: 'Are you there?', status: 'complete' },
        { role: 'assistant', content: '', status: 'stopped' },
      ]);
    } finally {
      db.close();
    }
  });

  it('a missing model file: a clear message and exit 1', async () => {
    expectCleanFailure(await serve(['--model', path.join(dir, 'nope.gguf'), '--data', dir]), /Model file not found: .*nope\.gguf/);
  });

  it('a named pipe as the model: a clear message and exit 1 at once, not a hang (issue 12)', async () => {
    const pipe = makeFifo(path.join(dir, 'pipe.gguf'));
    try {
      const started = Date.now();
      const run = await serve(['--model', pipe, '--data', path.join(dir, 'data')]);
      expectCleanFailure(run, new RegExp(`^phi-desk: ${pipe} is not a regular file \\(a named pipe\\)\\.$`, 'm'));
      expect(Date.now() - started).toBeLessThan(20_000); // tsx start-up included; the refusal itself is immediate
    } finally {
      releaseFifo(pipe);
    }
  });

  it('a file that is not GGUF: a clear message and exit 1', async () => {
    const notModel = path.join(dir, 'notes.gguf');
    writeFileSync(notModel, 'These are my notes, not a model.\n'.repeat(100));
    expectCleanFailure(await serve(['--model', notModel, '--data', path.join(dir, 'data')]), /phi-desk: .*(GGUF|gguf)/);
  });

  it('a port in use: a clear message and exit 1', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      expectCleanFailure(await serve(['--data', path.join(dir, 'data'), '--port', String(port)]), new RegExp(`Port ${port} .*already in use`));
    } finally {
      blocker.close();
    }
  });

  it('a data folder that cannot be written: a clear message and exit 1', async () => {
    const file = path.join(dir, 'a-file');
    writeFileSync(file, 'x');
    expectCleanFailure(await serve(['--data', path.join(file, 'data')]), /phi-desk: The folder .*data cannot be created or written/);
  });

  it('a bad --port is a usage error (exit 2)', async () => {
    const run = await serve(['--port', 'lots']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--port must be a whole number');
    expect(run.stderr).toContain('Usage: npm run serve');
  });
});
