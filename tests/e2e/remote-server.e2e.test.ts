import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LocalApiStatus } from '../../src-main/common/types';
import { ScriptedEngine } from '../support/scripted-engine';
import { composeApp, type ComposedApp } from '../../src-main/node/host/compose';
import { tempDataDir } from '../unit/node/host/compose-harness';
import { ChatPage } from './pages/chat-page';
import { collectPageErrors, launchChromium } from './support/chromium';
import { startTestHost, type TestHost } from './support/test-host';

// The user story of issue 15: a bigger model on a server. The "server" is Phi Desk's own local API (another app,
// composed here with a scripted engine that writes slowly and says which model it is), reached over real HTTP on
// loopback; the page is the browser host with its own (scripted) local model, which must never be asked.

const REMOTE_REPLY = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ');

let browser: Browser | undefined;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describe('a conversation on a remote server', () => {
  let app: TestHost;
  let local: ScriptedEngine;
  let remote: ScriptedEngine;
  let server: ComposedApp;
  let serverData: ReturnType<typeof tempDataDir>;
  let api: LocalApiStatus;
  let page: Page;
  let errors: string[];

  beforeEach(async () => {
    remote = new ScriptedEngine({ initialModelPath: '/models/big-model.gguf', reply: REMOTE_REPLY, deltaChars: 6, deltaDelayMs: 60 });
    serverData = tempDataDir();
    server = composeApp({ dataDir: serverData.dir, engine: remote, host: 'browser', version: '0.0.0-test', openai: { localApiPort: 0 } });
    server.settings.update({ patch: { localApiEnabled: true } });
    await server.localApi.apply();
    api = server.localApi.status();
    local = new ScriptedEngine({ initialModelPath: path.join('/models', 'scripted.gguf') });
    app = await startTestHost({ engine: local });
    page = await browser!.newPage();
    errors = collectPageErrors(page);
  });

  afterEach(async () => {
    await page.close();
    await app.dispose();
    await server.dispose();
    serverData.remove();
  });

  it('adds a server in Settings, tests it, answers a conversation from it; Stop keeps the text; the reply names the model', async () => {
    const chat = await ChatPage.open(page, app.url);
    await expect(chat.modelPicker.count()).resolves.toBe(0); // no choice to make before a server is added

    // Settings → Models → Add a server, with the address and key the server's own Settings show.
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    const dialog = chat.dialog('Settings');
    await dialog.getByRole('button', { name: 'Add a server…' }).click();
    const form = dialog.getByRole('group', { name: 'Add a server' });
    await form.getByRole('textbox', { name: 'Name' }).fill('Lab GPU');
    await form.getByRole('textbox', { name: 'Address' }).fill(api.url ?? '');
    await form.getByRole('button', { name: 'Test connection' }).click();
    // Without the key the server refuses, and says so.
    await expect.poll(() => form.getByRole('alert').textContent()).toMatch(/refused the API key \(401/);
    await form.getByLabel('API key (if the server needs one)').fill(api.key ?? '');
    await form.getByRole('button', { name: 'Test connection' }).click();
    await form.getByText('Connected: one model.').waitFor();
    await expect(form.getByRole('combobox', { name: 'Model' }).inputValue()).resolves.toBe('big-model.gguf');
    await expect(form.getByRole('textbox', { name: 'Context length (tokens)' }).inputValue()).resolves.toBe('2048');
    await form.getByRole('button', { name: 'Add server' }).click();
    const listed = dialog.getByRole('list', { name: 'Servers' }).getByRole('listitem');
    await expect.poll(() => listed.textContent()).toContain('Lab GPU · big-model.gguf · ');
    await expect(listed.textContent()).resolves.toContain('key stored');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });

    // A new chat on the server's model, picked above the conversation.
    await chat.modelPicker.selectOption({ label: 'big-model.gguf on Lab GPU' });
    await chat.send('Tell me everything.');
    const reply = chat.replies.last();
    // It streams: the text grows while the reply is being written…
    await expect.poll(async () => (await chat.lastReplyText()).length, { timeout: 20_000 }).toBeGreaterThan(20);
    const early = await chat.lastReplyText();
    await expect.poll(async () => (await chat.lastReplyText()).length).toBeGreaterThan(early.length);
    expect(await reply.getAttribute('data-status')).toBe('streaming');
    // …and Stop ends it, keeping what was written.
    await chat.stop();
    await chat.waitForLastReplyStatus('stopped');
    const kept = await chat.lastReplyText();
    expect(kept.length).toBeGreaterThan(early.length - 1);
    expect(REMOTE_REPLY.startsWith(kept)).toBe(true);
    expect(kept.length).toBeLessThan(REMOTE_REPLY.length);
    await expect(chat.replyModel(reply).textContent()).resolves.toBe('big-model.gguf · Lab GPU');

    // The server wrote it; the local model was never asked. After a reload it is all still there.
    expect(remote.requests.map((request) => request.turns.at(-1)?.content)).toEqual(['Tell me everything.']);
    expect(local.requests).toEqual([]);
    await page.reload();
    await chat.waitUntilLoaded();
    await chat.replies.last().and(page.locator('[data-status="stopped"]')).waitFor();
    expect(await chat.lastReplyText()).toBe(kept);
    await expect(chat.replyModel(chat.replies.last()).textContent()).resolves.toBe('big-model.gguf · Lab GPU');
    await expect(chat.modelPicker.inputValue()).resolves.not.toBe('local');
    expect(errors).toEqual([]);
  });
});
