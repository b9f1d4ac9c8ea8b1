import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { getTinyModelPath } from '../../../fixtures/models';

// If the host dies without a word (killed, crashed), its engine process must not live on holding the model in memory.

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('engine process when its host dies', () => {
  it('exits by itself once the host is killed', async () => {
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    const script = fileURLToPath(new URL('./support/engine-host.ts', import.meta.url));
    const host = spawn(process.execPath, ['--import', tsx, script, await getTinyModelPath()], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const enginePid = await new Promise<number>((resolve, reject) => {
      let out = '';
      host.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('\n')) resolve(Number(out.trim()));
      });
      host.once('exit', (code) => reject(new Error(`the host exited early (${code})`)));
    });
    expect(enginePid).toBeGreaterThan(0);
    expect(isAlive(enginePid)).toBe(true);

    host.kill('SIGKILL');
    const deadline = Date.now() + 10_000;
    while (isAlive(enginePid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(isAlive(enginePid)).toBe(false);
  }, 60_000);
});
