import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { connectApp } from '../../../../src-main/common/app-rpc';
import type { IsolatedEngine } from '../../../../src-main/node/engine/process/isolated-engine';
import { startBrowserHost } from '../../../../src-main/node/host/browser-host';
import { createWebSocketTransport } from '../../../../src-main/node/host/ws-transport';
import { logFileFor, openAppLog } from '../../../../src-main/node/logs/app-log';
import { getTinyModelPath } from '../../../fixtures/models';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'phi-desk-log-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('the app log', () => {
  it('writes lines with time and level to logs/phi-desk.log in the data folder, errors with their stack', () => {
    const log = openAppLog(dir);
    expect(log.file).toBe(path.join(dir, 'logs', 'phi-desk.log'));
    log.write('warn', 'llama.cpp: something odd');
    log.write('error', 'chat.send failed', new Error('disk full', { cause: new Error('ENOSPC') }));
    const lines = readFileSync(log.file, 'utf8');
    expect(lines).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z WARN {2}llama\.cpp: something odd\n/);
    expect(lines).toMatch(/ERROR chat\.send failed: Error: disk full\n\s+at /);
    expect(lines).toContain('caused by: Error: ENOSPC');
  });

  it('rotates: past its size the file becomes phi-desk.old.log and a new one starts', () => {
    const log = openAppLog(dir, { maxBytes: 200 });
    for (let i = 0; i < 5; i++) log.write('info', `entry ${i} ${'x'.repeat(40)}`);
    const current = readFileSync(log.file, 'utf8');
    const old = readFileSync(path.join(dir, 'logs', 'phi-desk.old.log'), 'utf8');
    expect(current.length).toBeLessThanOrEqual(200);
    expect(current).toContain('entry 4');
    expect(old).not.toContain('entry 4');
    expect(`${old}${current}`).toContain('entry 3');
  });

  it('never fails its caller when the folder cannot be written', () => {
    writeFileSync(path.join(dir, 'logs'), 'a file where the folder should be');
    const log = openAppLog(dir);
    expect(() => log.write('error', 'nowhere to go')).not.toThrow();
    expect(existsSync(logFileFor(dir))).toBe(false);
  });
});

describe('the browser host log', () => {
  it('says what happened to the engine, and never what anyone wrote', async () => {
    const data = path.join(dir, 'data');
    const rendererDir = path.join(dir, 'renderer');
    mkdirSync(rendererDir);
    writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Phi Desk</title>');
    const echoed: string[] = [];
    const secret = 'Zanzibar lighthouse keeper 4471';
    const host = await startBrowserHost({
      dataDir: data,
      modelPath: await getTinyModelPath(),
      rendererDir,
      log: openAppLog(data, { echo: (line) => echoed.push(line) }),
    });
    try {
      // The host answers at once; the model named at launch loads meanwhile.
      await host.starting.modelLoaded;
      const socket = new WebSocket(`ws://127.0.0.1:${host.port}/rpc?token=${host.token}`, { headers: { Origin: `http://127.0.0.1:${host.port}` } });
      await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
      const client = connectApp(createWebSocketTransport(socket));
      const conversation = await client.call('conversations.create', { title: `About ${secret}` });
      const first = await client.call('chat.send', { conversationId: conversation.id, text: `Tell me about the ${secret}.` });
      expect(first.status).toBe('complete');
      // A crash mid-reply: the engine process is killed while it writes.
      const engine = host.app.engine as IsolatedEngine;
      let killed = false;
      const second = await client.call(
        'chat.send',
        { conversationId: conversation.id, text: `And the ${secret} again, at length.` },
        {
          onEvent: (event) => {
            if (event.type !== 'onDelta' || killed) return;
            killed = true;
            process.kill(engine.processId() ?? 0, 'SIGKILL');
          },
        },
      ).catch((error: unknown) => error);
      expect(killed).toBe(true);
      expect(second).toMatchObject({ code: 'ENGINE_FAILED', message: expect.stringContaining('killed by SIGKILL') as unknown });
      await expect.poll(() => readFileSync(host.log.file, 'utf8'), { timeout: 20_000 }).toMatch(/loaded \S+ again/);
      const written = readFileSync(host.log.file, 'utf8');
      expect(written).toContain('The engine process stopped unexpectedly (killed by SIGKILL)');
      for (const text of [secret, 'Zanzibar', first.content.slice(0, 40)].filter((part) => part.trim().length >= 8)) {
        expect(written).not.toContain(text);
      }
      expect(echoed.join('\n')).toContain('stopped unexpectedly');
      client.close();
      socket.close();
    } finally {
      await host.close();
    }
  }, 120_000);
});
