import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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
function serve(args: string[], { untilUrl = false } = {}): Promise<Run & { stop?: () => Promise<Run> }> {
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
