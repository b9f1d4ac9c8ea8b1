import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LlamaEngine } from '../../src-main/node/engine/llama-engine';
import { DATABASE_FILE } from '../../src-main/node/host/compose';
import { openStore } from '../../src-main/node/store/open-store';
import { getTinyModelPath } from '../fixtures/models';
import { ChatPage } from './pages/chat-page';
import { collectPageErrors, launchChromium } from './support/chromium';
import { startTestHost, type TestHost } from './support/test-host';

// The real engine (llama.cpp through node-llama-cpp) on the tiny synthetic Phi-2 model, with a 256-token window and
// short replies (set as the app's defaults in the database before the host starts): reply figures, regenerate and
// the "‹ 2/3 ›" switcher, and the context-window divider once the conversation outgrows the window.
let app: TestHost | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  const modelPath = await getTinyModelPath();
  const engine = new LlamaEngine({ threads: 1, maxContextSize: 256 });
  [app, browser] = await Promise.all([
    startTestHost({
      engine,
      modelPath,
      prepare: (dataDir) => {
        const store = openStore(path.join(dataDir, DATABASE_FILE));
        try {
          store.settings.updateAppSettings({
            defaultGeneration: { temperature: 1, topP: 1, topK: 0, repeatPenalty: 1, seed: 7, maxTokens: 24 },
          });
        } finally {
          store.close();
        }
      },
    }),
    launchChromium(),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await app?.dispose();
});

const STATS = /^\d+ tokens? · \d+\.\d tokens\/s · first token in \d+\.\d+ s · (Finished|Reached the length limit)$/;

describe('with the real engine', () => {
  it('shows reply figures, regenerates into a second version, and marks what fell out of the window', async () => {
    const page = await browser!.newPage();
    const errors = collectPageErrors(page);
    const chat = await ChatPage.open(page, app!.url);
    await chat.waitForEngineReady();

    await chat.send('Tell me about the sea.');
    await chat.waitForLastReplyStatus('complete', 60_000);
    expect(await chat.stats(chat.replies.last()).textContent()).toMatch(STATS);
    const first = await chat.lastReplyText();

    await chat.replies.last().getByRole('button', { name: 'Regenerate' }).click();
    const versions = chat.versions(chat.replies.last());
    await versions.getByText('2 / 2').waitFor({ timeout: 60_000 });
    await chat.waitForLastReplyStatus('complete', 60_000);
    expect(await chat.stats(chat.replies.last()).textContent()).toMatch(STATS);
    await versions.getByRole('button', { name: 'Previous version' }).click();
    await versions.getByText('1 / 2').waitFor();
    expect(await chat.lastReplyText()).toBe(first);
    expect(await chat.messageItems.count()).toBe(2);

    // Long messages until the oldest no longer fit in the 256-token window.
    const long = 'The waves roll in from the deep blue ocean and break upon the rocky shore again and again. ';
    const divider = page.getByText(/^Earlier messages are outside the model's view \(\d+\)$/);
    for (let turn = 0; turn < 6 && (await divider.count()) === 0; turn++) {
      await chat.send(`${turn}: ${long.repeat(2)}`);
      await chat.waitForLastReplyStatus('complete', 60_000);
    }
    await divider.waitFor();
    const dimmed = chat.messageItems.and(page.locator('[data-in-view="false"]'));
    expect(await dimmed.count()).toBeGreaterThan(0);
    expect(await chat.messageItems.first().getAttribute('data-in-view')).toBe('false');
    expect(errors).toEqual([]);
    await page.close();
  });
});
