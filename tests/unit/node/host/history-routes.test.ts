import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { connectApp, type AppClient } from '../../../../src-main/common/app-rpc';
import { ScriptedEngine } from '../../../support/scripted-engine';
import { startBrowserHost, TRANSFERS_FOLDER, type BrowserHost } from '../../../../src-main/node/host/browser-host';
import { attachment } from '../../../../src-main/node/host/history-routes';
import { createWebSocketTransport } from '../../../../src-main/node/host/ws-transport';
import { expectValidExport } from '../../../fixtures/export-schema';

/**
 * The browser host's download and upload of history files over HTTP: behind the launch token, the Host check, and
 * for uploads the page's own Origin; a download streams once, an upload is capped and streamed to disk, and both are
 * gone from the staging folder once used.
 */

let dir: string;
let host: BrowserHost;
let client: AppClient;
let origin: string;

beforeEach(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'phi-routes-'));
  const rendererDir = path.join(dir, 'renderer');
  mkdirSync(rendererDir);
  writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Phi Desk</title>');
  const engine = new ScriptedEngine({ initialModelPath: path.join(dir, 'model.gguf'), reply: 'A reply.' });
  host = await startBrowserHost({ dataDir: path.join(dir, 'data'), engine, rendererDir, maxUploadBytes: 64 * 1024 });
  origin = `http://127.0.0.1:${host.port}`;
  const socket = new WebSocket(`ws://127.0.0.1:${host.port}/rpc?token=${host.token}`, { headers: { Origin: origin } });
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  client = connectApp(createWebSocketTransport(socket));
  const conversation = await client.call('conversations.create', { title: 'Café ☕ notes' });
  await client.call('chat.send', { conversationId: conversation.id, text: 'Hello' });
});

afterEach(async () => {
  client.close();
  await host.close();
  rmSync(dir, { recursive: true, force: true });
});

function request(
  method: 'GET' | 'POST',
  pathname: string,
  headers: Record<string, string> = {},
  body?: Buffer,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: host.port, path: pathname, method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const staged = (): string[] => {
  const folder = path.join(dir, 'data', TRANSFERS_FOLDER);
  return existsSync(folder) ? readdirSync(folder) : [];
};

describe('history download', () => {
  it('streams the export once, as an attachment named for the browser, with the token; nothing stays staged', async () => {
    const result = await client.call('history.export', { download: true, format: 'json' });
    expect(result).toMatchObject({ path: null, conversations: 1, download: { fileName: result.fileName, url: expect.stringMatching(/^\/history\/download\/[\w-]{22}$/) } });
    const url = result.download!.url;
    expect(staged()).toHaveLength(1);

    expect((await request('GET', url)).status).toBe(401); // no token
    expect((await request('GET', `${url}?token=${host.token}x`)).status).toBe(401);
    expect((await request('GET', `${url}?token=${host.token}`, { Host: 'evil.example' })).status).toBe(421);
    expect((await request('GET', `${url}?token=${host.token}`, { 'Sec-Fetch-Site': 'cross-site' })).status).toBe(403);

    const download = await request('GET', `${url}?token=${host.token}`, { 'Sec-Fetch-Site': 'same-origin' });
    expect(download.status).toBe(200);
    expect(download.headers['content-type']).toBe('application/json');
    expect(download.headers['content-disposition']).toBe(attachment(result.fileName));
    expect(Number(download.headers['content-length'])).toBe(result.bytes);
    expectValidExport(JSON.parse(download.body.toString('utf8')));
    await expect.poll(staged).toEqual([]);
    expect((await request('GET', `${url}?token=${host.token}`)).status).toBe(404); // once
  });

  it('names a file with any characters safely (an ASCII fallback and the exact UTF-8 name)', async () => {
    expect(attachment('Café ☕ notes.md')).toBe(`attachment; filename="Caf_ _ notes.md"; filename*=UTF-8''Caf%C3%A9%20%E2%98%95%20notes.md`);
    expect(attachment('a"b\\c (1).md')).toBe(`attachment; filename="a_b_c (1).md"; filename*=UTF-8''a%22b%5Cc%20%281%29.md`);
  });
});

describe('history upload', () => {
  it('takes a file from the page itself (Origin, token), streams it to disk, and imports it; the staged copy is deleted', async () => {
    const exported = await client.call('history.export', { download: true, format: 'json' });
    const file = (await request('GET', `${exported.download!.url}?token=${host.token}`)).body;
    const upload = (headers: Record<string, string>, token = host.token) =>
      request('POST', `/history/upload?token=${token}&name=${encodeURIComponent('my history.json')}`, headers, file);

    expect((await upload({ Origin: 'http://evil.example' })).status).toBe(403);
    expect((await upload({})).status).toBe(403);
    expect((await upload({ Origin: origin }, 'wrong')).status).toBe(401);
    await expect.poll(staged).toEqual([]); // the download is gone, and nothing of the refused uploads was kept

    const accepted = await upload({ Origin: origin, 'Content-Type': 'application/octet-stream' });
    expect(accepted.status).toBe(201);
    const { id, bytes, name } = JSON.parse(accepted.body.toString('utf8')) as { id: string; bytes: number; name: string };
    expect({ bytes, name }).toEqual({ bytes: file.length, name: 'my history.json' });
    expect(staged()).toHaveLength(1);

    await client.call('conversations.delete', { id: (await client.call('conversations.list', {}))[0]!.id });
    const imported = await client.call('history.import', { uploads: [id] });
    expect(imported).toMatchObject({ imported: 1, messages: 2 });
    expect(staged()).toEqual([]);
    // An upload is read once.
    await expect(client.call('history.import', { uploads: [id] })).rejects.toMatchObject({ code: 'BAD_REQUEST', details: { reason: 'NOT_FOUND' } });
  });

  it('refuses a file over the cap, whether it says its size or not, and keeps nothing of it', async () => {
    const big = Buffer.alloc(100 * 1024, 0x20);
    const declared = await request('POST', `/history/upload?token=${host.token}&name=big.json`, { Origin: origin }, big);
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body.toString('utf8'))).toEqual({ error: 'The file is larger than 65.5 kB, the most Phi Desk takes in an upload.' });
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: host.port, path: `/history/upload?token=${host.token}&name=big.json`, method: 'POST', headers: { Origin: origin, 'Transfer-Encoding': 'chunked' } },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      for (let i = 0; i < 10; i++) req.write(Buffer.alloc(10 * 1024, 0x20));
      req.end();
    });
    expect(chunked).toBe(413);
    await expect.poll(staged).toEqual([]);
  });
});
