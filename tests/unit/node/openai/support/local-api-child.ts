import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';

const ENTRY = path.join(process.cwd(), 'tests', 'unit', 'node', 'openai', 'support', 'local-api-process.ts');

/** Phi Desk's local API served by another process (see `local-api-process.ts`). */
export interface LocalApiChild {
  /** The API's base URL, `http://127.0.0.1:<port>/v1`. */
  url: string;
  key: string;
  /** The model it serves (its id in `/models`). */
  model: string;
  /** Everything the process wrote to stderr, for a failing test's message. */
  stderr(): string;
  /** Stop the process (SIGTERM, then SIGKILL after 10 s) and delete its data folder. */
  stop(): Promise<void>;
}

/** Start the local API in a child process on `modelPath`; resolves once it serves. */
export async function startLocalApiChild(modelPath: string): Promise<LocalApiChild> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'phi-local-api-child-'));
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', ENTRY, dataDir, modelPath], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const line = await new Promise<string>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout! });
      lines.once('line', resolve);
      child.once('exit', (code) => reject(new Error(`the local API process exited (${code}) before serving:\n${stderr}`)));
    });
    const ready = JSON.parse(line) as { url: string; key: string; model: string };
    return { ...ready, stderr: () => stderr, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
