import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ScriptedEngine } from '../support/scripted-engine';
import { ChatPage } from './pages/chat-page';
import { collectPageErrors, launchChromium } from './support/chromium';
import { useScriptedSession } from './support/scripted-session';
import { seedConversations, type SeedConversation } from './support/seed-conversations';
import { startTestHost, type TestHost } from './support/test-host';

// Full-text search from the sidebar (SQLite FTS5 behind `search.query`), and jumping to a hit (`search.reveal`).
describe('searching conversations', () => {
  const s = useScriptedSession();

  it('finds a message on another branch, opens that branch and shows the message marked', async () => {
    const chat = await ChatPage.open(s.page, s.app.url);
    await chat.sendAndWaitForReply('Tell me about whales');
    await chat.editAndResend(chat.message('Tell me about whales'), 'Tell me about dolphins');
    await chat.message('You said: Tell me about dolphins').waitFor();
    await chat.waitForLastReplyStatus('complete');
    await chat.newChat();
    await chat.sendAndWaitForReply('Something else <b>entirely</b>');

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
    await found.and(s.page.locator('[data-highlighted="true"]')).waitFor();
    expect(await chat.messages()).toEqual([
      { role: 'user', status: 'complete', text: 'Tell me about whales' },
      { role: 'assistant', status: 'complete', text: 'You said: Tell me about whales' },
    ]);
    expect(await chat.isFocused(found)).toBe(true);
    expect(await s.page.getByRole('heading', { level: 1 }).textContent()).toBe('Tell me about whales');
    expect(await chat.versions(found).textContent()).toContain('1 / 2');
    expect(s.errors).toEqual([]);
  });

  it('shows snippets as text, filters to the open conversation, and says when nothing matches', async () => {
    const chat = await ChatPage.open(s.page, s.app.url);
    await chat.sendAndWaitForReply('The <b>harbour</b> at dawn');
    await chat.newChat();
    await chat.sendAndWaitForReply('A harbour in winter');

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
    // The list is rendered again a frame or so after the results go (a virtual list): wait for its rows.
    await expect.poll(() => chat.conversations.count()).toBe(2);
    expect(s.errors).toEqual([]);
  });
});

// The date filter, on conversations written at different times (seeded into the database before the host starts).
describe('searching by date', () => {
  const HOUR = 3_600_000;
  const DAY = 24 * HOUR;
  let browser: Browser | undefined;
  let app: TestHost | undefined;
  let page: Page | undefined;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });
  afterEach(async () => {
    await page?.close();
    await app?.dispose();
  });

  /** A conversation with one question about the harbour and its answer, both written at `at`. */
  const harbour = (title: string, at: number, words: string): SeedConversation => ({
    title,
    updatedAt: at,
    messages: [
      { role: 'user', content: `Tell me about the ${words}`, createdAt: at },
      { role: 'assistant', content: `The ${words} is lovely.`, createdAt: at },
    ],
  });

  it('narrows the results to the past week, the past month or a custom range, and says when a range is wrong', async () => {
    const now = Date.now();
    app = await startTestHost({
      engine: new ScriptedEngine({ initialModelPath: path.join('/models', 'scripted.gguf') }),
      prepare: (dataDir) =>
        void seedConversations(dataDir, [
          harbour('Old map', Date.UTC(2025, 5, 10, 12), 'old harbour map'),
          harbour('Three weeks', now - 20 * DAY, 'harbour in the rain'),
          harbour('Last week', now - 5 * DAY, 'harbour cruise'),
          harbour('Today', now - HOUR, 'harbour at dawn'),
        ]),
    });
    page = await browser!.newPage({ timezoneId: 'Europe/Berlin' });
    const errors = collectPageErrors(page);
    const chat = await ChatPage.open(page, app.url);
    const dates = page.getByRole('combobox', { name: 'Date' });
    /** The conversations of the message hits shown, in order. */
    const hitConversations = async (): Promise<string[]> =>
      [...new Set((await chat.messageHits.allTextContents()).map((text) => text.split(' · ')[0] ?? ''))].sort();

    await chat.search('harbour');
    await expect.poll(() => chat.messageHits.count()).toBe(8);
    expect(await dates.inputValue()).toBe('any');

    await dates.selectOption({ label: 'Past week' });
    await expect.poll(hitConversations).toEqual(['Last week', 'Today']);
    expect(await chat.messageHits.count()).toBe(4);

    await dates.selectOption({ label: 'Past month' });
    await expect.poll(hitConversations).toEqual(['Last week', 'Three weeks', 'Today']);

    await dates.selectOption({ label: 'Custom range' });
    const from = page.getByLabel('From', { exact: true });
    const to = page.getByLabel('To', { exact: true });
    await from.fill('2025-06-01');
    await to.fill('2025-06-30');
    await expect.poll(hitConversations).toEqual(['Old map']);
    // The range's last day counts whole: a range of that one day finds it too.
    await from.fill('2025-06-10');
    await to.fill('2025-06-10');
    await expect.poll(hitConversations).toEqual(['Old map']);

    await from.fill('2025-07-01');
    await page.getByRole('alert').getByText('The range ends before it starts.').waitFor();
    await chat.searchResults.getByText('Choose a date range that can be searched.').waitFor();
    expect(await from.getAttribute('aria-invalid')).toBe('true');

    await dates.selectOption({ label: 'Any time' });
    await expect.poll(hitConversations).toEqual(['Last week', 'Old map', 'Three weeks', 'Today']);
    expect(errors).toEqual([]);
  });
});
