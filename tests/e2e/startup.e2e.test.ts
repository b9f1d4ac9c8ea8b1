import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ScriptedEngine } from '../support/scripted-engine';
import { DATABASE_FILE } from '../../src-main/node/host/compose';
import { MARKED_CONVERSATION, writeHistory } from '../fixtures/generated-history';
import { ChatPage } from './pages/chat-page';
import { StartupPanel } from './pages/startup-panel';
import { collectPageErrors, launchChromium } from './support/chromium';
import { startTestHost, type TestHost } from './support/test-host';

// A history kept by an older version of Phi Desk, opened by this one: the update indexes every message again for
// search (24,000 of them here), which takes a while. The page is there at once with the start-up panel — what is
// being done, a bar that moves, nothing to press, never "not connected" — and then the conversations, searchable.
let browser: Browser | undefined;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

describe('starting on a history that needs an update', () => {
  let app: TestHost | undefined;
  let page: Page | undefined;

  afterEach(async () => {
    await page?.close();
    await app?.dispose();
  });

  it('shows the start-up panel at once, with what it does and a moving bar and nothing to press, then the conversations', async () => {
    app = await startTestHost({
      engine: new ScriptedEngine({ initialModelPath: path.join('/models', 'scripted.gguf') }),
      prepare: (dataDir) =>
        writeHistory(path.join(dataDir, DATABASE_FILE), { version: 3, conversations: 400, messagesPerConversation: 60 }),
    });
    page = await browser!.newPage();
    const errors = collectPageErrors(page);
    await page.goto(app.url);

    const panel = new StartupPanel(page);
    await panel.region.waitFor();
    await panel.step(/^Updating the database: [\d,]+ of 24,000 messages$/).waitFor({ timeout: 60_000 });
    let first: number | null = null;
    await expect.poll(async () => (first = await panel.barValue()), { timeout: 60_000 }).toBeGreaterThan(0);
    await expect.poll(async () => (await panel.barValue()) ?? first, { timeout: 60_000 }).not.toBe(first);
    expect(await panel.buttons.count()).toBe(0);
    expect(await page.getByText(/Disconnected from Phi Desk|Could not connect to Phi Desk/).count()).toBe(0);

    const chat = new ChatPage(page);
    await chat.conversationList.getByRole('button', { name: MARKED_CONVERSATION.title, exact: true }).waitFor({ timeout: 120_000 });
    expect(await panel.region.count()).toBe(0);
    await chat.search(MARKED_CONVERSATION.word);
    await expect.poll(() => chat.messageHits.count()).toBe(1);
    expect(errors).toEqual([]);
  });
});
