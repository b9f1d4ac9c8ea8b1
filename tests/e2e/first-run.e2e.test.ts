import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LlamaEngine } from '../../src-main/node/engine/llama-engine';
import { ScriptedEngine } from '../support/scripted-engine';
import { startBrowserHost } from '../../src-main/node/host/browser-host';
import { getTinyModelPath } from '../fixtures/models';
import { REPO, sha256, startModelServer, type ModelServer } from '../unit/node/models/model-server';
import { ChatPage } from './pages/chat-page';
import { ModelSetupPage } from './pages/model-setup-page';
import { collectPageErrors, launchChromium } from './support/chromium';
import { startTestHost, type TestHost } from './support/test-host';

let browser: Browser | undefined;
let tinyModel: string;
let scratch: string;

beforeAll(async () => {
  tinyModel = await getTinyModelPath();
  scratch = await mkdtemp(path.join(tmpdir(), 'phi-desk-first-run-'));
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await rm(scratch, { recursive: true, force: true });
});

describe('first run: choosing a model file', () => {
  let app: TestHost | undefined;

  afterAll(async () => {
    await app?.dispose();
  });

  it('offers the model panel, explains wrong files, then loads a typed path and chats with the real engine', async () => {
    // The real engine (llama.cpp) on the tiny synthetic Phi-2 model; no model at start.
    const engine = new LlamaEngine({ threads: 1, defaults: { temperature: 1, maxTokens: 24, seed: 1 } });
    app = await startTestHost({ engine });
    const page = await browser!.newPage();
    const errors = collectPageErrors(page);
    const chat = await ChatPage.open(page, app.url);
    const setup = new ModelSetupPage(page);

    await setup.firstRunHeading.waitFor();
    expect(await chat.engineStatus.textContent()).toBe('No model loaded');
    // Only the model panel: no "New chat" welcome inviting a message, and no message box, while nothing can answer.
    expect(await chat.welcome.count()).toBe(0);
    expect(await chat.messageBox.count()).toBe(0);
    expect(await chat.sendButton.count()).toBe(0);
    // The download offer lists the catalog, Phi-2 Q4_K_M (1.79 GB) first choice.
    expect(await setup.quantization.inputValue()).toBe('phi-2.Q4_K_M.gguf');
    expect(await setup.quantization.locator('option:checked').textContent()).toContain('1.79 GB');
    expect(await setup.quantization.locator('option').count()).toBe(12);
    // The list is wide enough for its longest option (it used to be cut off in the narrow first-run card).
    const room = await setup.quantizationRoom();
    expect(room.needed).toBeLessThanOrEqual(room.width + 0.5);

    // A path where there is nothing: said in words, and the panel stays usable.
    const missing = path.join(scratch, 'nowhere', 'phi-2.gguf');
    await setup.useFile(missing);
    await setup.problem.filter({ hasText: `There is no file at ${missing}` }).waitFor();
    expect(await setup.pathField.inputValue()).toBe(missing);

    // A file that is not a model.
    const notes = path.join(scratch, 'notes.gguf');
    await writeFile(notes, 'These are my notes, not a model.\n'.repeat(100));
    await setup.useFile(notes);
    await setup.problem.filter({ hasText: 'it is not a GGUF file' }).waitFor();

    // Not a full path.
    await setup.useFile('phi-2.gguf');
    await setup.problem.filter({ hasText: 'must be a full (absolute) path' }).waitFor();
    expect(await chat.engineStatus.textContent()).toBe('No model loaded');

    // The real model: loads, the panel goes away, the message box appears with the caret in it, and a reply streams.
    await setup.useFile(tinyModel);
    await chat.waitForEngineReady();
    await setup.panel.waitFor({ state: 'detached' });
    await expect.poll(() => chat.isFocused(chat.messageBox)).toBe(true);
    await chat.welcome.waitFor();
    await chat.newChat();
    await chat.send('Hello, who are you?');
    await expect.poll(() => chat.lastReplyText(), { timeout: 30_000 }).not.toBe('');
    await chat.waitForLastReplyStatus('complete');
    expect((await chat.lastReplyText()).length).toBeGreaterThan(0);

    // The model can be changed later from the status line; a bad choice there keeps the running model, and the
    // conversation and its message box stay usable under the panel.
    await setup.changeModelButton.click();
    await page.getByRole('heading', { name: 'Change the model' }).waitFor();
    expect(await chat.messageBox.isEditable()).toBe(true);
    // The conversation is still there under the panel: its reply in view (the list is virtual: rows far out of view,
    // such as the question above a long reply, are not in the page, so count nothing).
    await expect.poll(() => chat.replies.last().isVisible()).toBe(true);
    await setup.useFile(notes);
    await setup.problem.filter({ hasText: 'it is not a GGUF file' }).waitFor();
    expect(await chat.engineStatus.textContent()).toContain('· ready');
    await page.getByRole('button', { name: 'Close' }).click();
    await setup.panel.waitFor({ state: 'detached' });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('remembers the chosen model: the next start loads it without asking', async () => {
    const dataDir = app!.dataDir;
    await app!.host.close(); // keep the data folder; start a second host on it
    const engine = new LlamaEngine({ threads: 1 });
    const second = await startBrowserHost({ dataDir, engine });
    try {
      const page = await browser!.newPage();
      const chat = await ChatPage.open(page, second.url);
      await chat.waitForEngineReady();
      expect(await chat.engineStatus.textContent()).toContain('· ready');
      expect(await new ModelSetupPage(page).firstRunHeading.count()).toBe(0);
      await page.close();
    } finally {
      await second.close();
    }
  });
});

describe('first run: downloading Phi-2', () => {
  const FILE = 'phi-2.Q4_K_M.gguf';
  let server: ModelServer;
  let app: TestHost;

  beforeAll(async () => {
    const model = await readFile(tinyModel);
    server = await startModelServer();
    server.addFile(FILE, model);
    // The tiny model stands in for Phi-2; the catalog pins its size and hash like the real one.
    const entry = {
      id: FILE,
      repo: REPO,
      revision: 'main',
      file: FILE,
      quantization: 'Q4_K_M' as const,
      sizeBytes: model.length,
      sizeLabel: '1.79 GB',
      sha256: sha256(model),
      note: 'medium, balanced quality (recommended)',
      recommended: true,
    };
    app = await startTestHost({
      engine: new ScriptedEngine({ checkModelFile: true, loadDelayMs: 50 }),
      models: {
        catalog: [entry],
        download: { hubBaseUrl: server.baseUrl, allowLoopbackHttp: true, retries: 0, progressIntervalMs: 50 },
      },
    });
  });

  afterAll(async () => {
    await app?.dispose();
    await server?.close();
  });

  it('shows progress with bytes, pauses and resumes, then loads the downloaded model', async () => {
    server.faults.throttle = { chunkBytes: 8 * 1024, delayMs: 50 }; // ~160 kB/s: the 600 kB model takes ~4 s
    const page = await browser!.newPage();
    const errors = collectPageErrors(page);
    const chat = await ChatPage.open(page, app.url);
    const setup = new ModelSetupPage(page);
    await setup.firstRunHeading.waitFor();

    await setup.downloadButton.click();
    const item = setup.download(FILE);
    const progressBar = item.getByRole('progressbar', { name: `Download progress of ${FILE}` });
    await expect
      .poll(() => progressBar.evaluate((bar) => (bar as unknown as { value: number }).value), { timeout: 20_000 })
      .toBeGreaterThan(0);
    // "312 kB of 4.21 MB · 1.20 MB/s · 3 s left": bytes, speed and time left.
    await item.getByText(/^\d+(\.\d+)? (bytes|kB|MB) of \d.* · .*\/s · .* left$/).waitFor();
    await item.getByRole('button', { name: 'Pause' }).click();
    await item.getByText('Paused', { exact: true }).waitFor();
    expect(await item.getByRole('button', { name: 'Resume' }).isVisible()).toBe(true);

    server.faults.throttle = null;
    await item.getByRole('button', { name: 'Resume' }).click();
    await chat.waitForEngineReady(30_000);
    expect(await chat.engineStatus.textContent()).toContain(FILE);
    await setup.panel.waitFor({ state: 'detached' });
    expect(server.log.some((request) => request.status === 206)).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });
});
