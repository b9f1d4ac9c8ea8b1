import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ScriptedEngine } from '../../src-main/node/engine/scripted-engine';
import { ChatPage } from './pages/chat-page';
import { collectPageErrors, launchChromium } from './support/chromium';
import { startTestHost, type TestHost } from './support/test-host';

// Full-text search from the sidebar (SQLite FTS5 behind `search.query`), and jumping to a hit (`search.reveal`).
let browser: Browser | undefined;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

describe('searching conversations', () => {
  let app: TestHost;
  let page: Page;
  let errors: string[];

  beforeEach(async () => {
    const engine = new ScriptedEngine({ initialModelPath: path.join('/models', 'scripted.gguf') });
    app = await startTestHost({ engine });
    page = await browser!.newPage();
    errors = collectPageErrors(page);
  });

  afterEach(async () => {
    await page.close();
    await app.dispose();
  });

  it('finds a message on another branch, opens that branch and shows the message marked', async () => {
    const chat = await ChatPage.open(page, app.url);
    await chat.send('Tell me about whales');
    await chat.waitForLastReplyStatus('complete');
    await chat.editAndResend(chat.message('Tell me about whales'), 'Tell me about dolphins');
    await chat.message('You said: Tell me about dolphins').waitFor();
    await chat.waitForLastReplyStatus('complete');
    await chat.newChat();
    await chat.send('Something else <b>entirely</b>');
    await chat.waitForLastReplyStatus('complete');

    // Prefix and case folding: "WHAL" finds "whales", on the branch that is no longer shown.
    await chat.search('WHAL');
    await chat.messageHits.first().waitFor();
    const hit = chat.messageHits.filter({ hasText: 'Tell me about whales' }).filter({ hasText: 'You ·' });
    expect(await hit.count()).toBe(1);
    expect(await hit.locator('mark').allTextContents()).toEqual(['whales']);
    // The title hit (the conversation is named after its first message) is listed too.
    expect(await chat.titleHits.allTextContents()).toEqual([expect.stringContaining('Tell me about whales')]);

    await hit.click();
    const found = chat.message('Tell me about whales');
    await found.and(page.locator('[data-highlighted="true"]')).waitFor();
    expect(await chat.messages()).toEqual([
      { role: 'user', status: 'complete', text: 'Tell me about whales' },
      { role: 'assistant', status: 'complete', text: 'You said: Tell me about whales' },
    ]);
    expect(await chat.isFocused(found)).toBe(true);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Tell me about whales');
    expect(await chat.versions(found).textContent()).toContain('1 / 2');
    expect(errors).toEqual([]);
  });

  it('shows snippets as text, filters to the open conversation, and says when nothing matches', async () => {
    const chat = await ChatPage.open(page, app.url);
    await chat.send('The <b>harbour</b> at dawn');
    await chat.waitForLastReplyStatus('complete');
    await chat.newChat();
    await chat.send('A harbour in winter');
    await chat.waitForLastReplyStatus('complete');

    await chat.search('harbour');
    await expect.poll(() => chat.messageHits.count()).toBe(4);
    expect(await chat.searchResults.locator('b').count()).toBe(0);
    expect(await chat.messageHits.filter({ hasText: 'The <b>harbour</b> at dawn' }).count()).toBeGreaterThan(0);

    await chat.searchResults.page().getByRole('checkbox', { name: 'Only this conversation' }).check();
    await expect.poll(() => chat.messageHits.count()).toBe(2);
    for (const text of await chat.messageHits.allTextContents()) expect(text).toContain('winter');
    expect(await chat.titleHits.count()).toBe(0);

    await chat.search('zeppelin');
    await chat.searchResults.getByText('No matches for “zeppelin”.').waitFor();
    // Escape clears the search and the list is back.
    await chat.searchBox.press('Escape');
    await chat.searchResults.waitFor({ state: 'detached' });
    expect(await chat.conversations.count()).toBe(2);
    expect(errors).toEqual([]);
  });
});
