import path from 'node:path';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ScriptedEngine } from '../support/scripted-engine';
import { ChatPage } from './pages/chat-page';
import { collectPageErrors, launchChromium } from './support/chromium';
import { manyConversations, seedConversations, type SeedConversation } from './support/seed-conversations';
import { startTestHost, type TestHost } from './support/test-host';

// The sidebar: conversations grouped by date under headings, a virtual list that stays small with thousands of
// conversations, keyboard access to the list and to each conversation's options menu, and a resizable width.

/** 27 November 2026, 12:00 in Berlin: the "now" of the date groups test. */
const NOW = Date.UTC(2026, 10, 27, 11, 0);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let browser: Browser | undefined;
let app: TestHost | undefined;
let page: Page | undefined;
let errors: string[] = [];

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

afterEach(async () => {
  await page?.close();
  await app?.dispose();
  page = undefined;
  app = undefined;
});

/** A browser host whose database holds `conversations`, and a page on it (Berlin time, a 1280×800 window). */
async function openSidebar(conversations: readonly SeedConversation[], options: BrowserContextOptions = {}): Promise<ChatPage> {
  app = await startTestHost({
    engine: new ScriptedEngine({ initialModelPath: path.join('/models', 'scripted.gguf') }),
    prepare: (dataDir) => void seedConversations(dataDir, conversations),
  });
  page = await browser!.newPage({ viewport: { width: 1280, height: 800 }, timezoneId: 'Europe/Berlin', ...options });
  errors = collectPageErrors(page);
  return ChatPage.open(page, app.url);
}

/** The name of the element that has keyboard focus (its label or its text); empty when nothing has it. */
async function focusedName(chat: ChatPage): Promise<string> {
  const focused = chat.page.locator(':focus');
  if ((await focused.count()) === 0) return '';
  return focused.evaluate((element) => element.getAttribute('aria-label') ?? element.textContent?.trim() ?? '');
}

describe('the sidebar', () => {
  it('groups conversations by date under headings: Pinned, Today, Yesterday, Previous 7 and 30 days, then months', async () => {
    const longTitle = 'A conversation whose title is far too long to fit in the sidebar however wide it is made';
    const chat = await openSidebar(
      [
        { title: 'A year ago', updatedAt: Date.UTC(2025, 10, 10, 12) },
        { title: 'Back in August', updatedAt: Date.UTC(2026, 7, 15, 12) },
        { title: 'Three weeks ago', updatedAt: NOW - 20 * DAY },
        { title: 'Earlier this week', updatedAt: NOW - 4 * DAY },
        { title: 'Last night', updatedAt: Date.UTC(2026, 10, 26, 21, 0) }, // 22:00 in Berlin
        { title: longTitle, updatedAt: NOW - HOUR },
        { title: 'This morning', updatedAt: Date.UTC(2026, 10, 27, 8, 0) },
        { title: 'Pinned plan', updatedAt: Date.UTC(2025, 2, 1), pinned: true },
      ],
      {},
    );
    await page!.clock.setFixedTime(NOW);
    await page!.reload();
    await chat.waitUntilLoaded();

    await expect
      .poll(() => chat.sidebarRows())
      .toEqual([
        '# Pinned',
        'Pinned plan',
        '# Today',
        longTitle,
        'This morning',
        '# Yesterday',
        'Last night',
        '# Previous 7 days',
        'Earlier this week',
        '# Previous 30 days',
        'Three weeks ago',
        '# August',
        'Back in August',
        '# November 2025',
        'A year ago',
      ]);
    // Real headings, so a screen reader can list and jump to them.
    for (const name of ['Pinned', 'Today', 'Yesterday', 'Previous 7 days', 'Previous 30 days', 'August', 'November 2025']) {
      expect(await chat.groupHeading(name).evaluate((heading) => heading.tagName)).toBe('H2');
    }
    // A title too long for the row is cut short on screen, and shown whole on hover.
    const long = chat.conversationList.getByRole('button', { name: longTitle, exact: true });
    expect(await long.getAttribute('title')).toBe(longTitle);
    expect(await long.evaluate((button) => button.scrollWidth > button.clientWidth)).toBe(true);
    expect(errors).toEqual([]);
  });

  it('keeps only the rows near the view in the page with 2,000 conversations, and scrolls down to the oldest', async () => {
    const chat = await openSidebar(manyConversations(2_000, Date.now()));
    await chat.conversations.first().waitFor();
    expect(await chat.conversations.first().textContent()).toBe('Conversation 2000');
    const rowsInPage = (): Promise<number> => chat.conversationList.locator('li').count();
    expect(await rowsInPage()).toBeLessThan(60);

    const scroller = chat.conversationList.locator('.conversation-rows');
    const oldest = chat.conversationList.getByRole('button', { name: 'Conversation 1', exact: true });
    // Scroll to the end as a reader would, until the end stays put (rows are measured as they render).
    await expect
      .poll(async () => {
        await scroller.evaluate((element) => element.scrollTo({ top: element.scrollHeight }));
        return oldest.isVisible();
      })
      .toBe(true);
    expect(await rowsInPage()).toBeLessThan(60);
    expect((await chat.sidebarRows()).at(-1)).toBe('Conversation 1');
    expect(errors).toEqual([]);
  });

  it('is one Tab stop that leads to the open conversation; the arrow keys move along it, far out of view too', async () => {
    const chat = await openSidebar(manyConversations(500, Date.now()));
    await chat.openConversation('Conversation 497');
    await chat.searchBox.focus();

    await page!.keyboard.press('Tab');
    await expect.poll(() => focusedName(chat)).toBe('Conversation 497');
    await page!.keyboard.press('ArrowDown');
    await expect.poll(() => focusedName(chat)).toBe('Conversation 496');
    await page!.keyboard.press('ArrowUp');
    await page!.keyboard.press('ArrowUp');
    await expect.poll(() => focusedName(chat)).toBe('Conversation 498');
    await page!.keyboard.press('End');
    await expect.poll(() => focusedName(chat)).toBe('Conversation 1');
    await expect.poll(() => chat.conversationList.getByRole('button', { name: 'Conversation 1', exact: true }).isVisible()).toBe(true);
    await page!.keyboard.press('Home');
    await expect.poll(() => focusedName(chat)).toBe('Conversation 500');
    // Tab goes on to the row's options button, then out of the list (only one row is a Tab stop).
    await page!.keyboard.press('Tab');
    await expect.poll(() => focusedName(chat)).toBe('Options for Conversation 500');
    await page!.keyboard.press('Tab');
    await expect.poll(() => focusedName(chat)).not.toMatch(/^(Options for )?Conversation \d+$/);
    expect(errors).toEqual([]);
  });

  it('has a popover options menu worked by keyboard: arrows, Home, End, Escape back to its button, Enter acts', async () => {
    const chat = await openSidebar([
      { title: 'Older', updatedAt: Date.now() - 2 * 60_000 },
      { title: 'Newer', updatedAt: Date.now() - 60_000 },
    ]);
    const options = chat.conversationOptions('Newer');
    const menu = chat.conversationMenu('Newer');
    const item = (name: string) => menu.getByRole('menuitem', { name, exact: true });
    expect(await options.getAttribute('aria-haspopup')).toBe('menu');
    const row = chat.conversationList.locator('li').filter({ has: page!.getByRole('button', { name: 'Options for Newer' }) });
    const rowHeight = await row.evaluate((li) => (li as HTMLElement).offsetHeight);

    await options.focus();
    await page!.keyboard.press('Enter');
    await menu.waitFor();
    expect(await options.getAttribute('aria-expanded')).toBe('true');
    expect(await options.getAttribute('aria-controls')).toBe(await menu.getAttribute('id'));
    expect(await chat.isFocused(item('Pin'))).toBe(true);
    // Over the list, not in it: the row keeps its height.
    expect(await row.evaluate((li) => (li as HTMLElement).offsetHeight)).toBe(rowHeight);
    expect(await menu.getByRole('menuitem').allTextContents()).toEqual(['Pin', 'Rename', 'Export…', 'Archive', 'Delete']);

    const expectFocus = async (name: string): Promise<void> => {
      await expect.poll(() => chat.isFocused(item(name))).toBe(true);
    };
    await page!.keyboard.press('ArrowDown');
    await expectFocus('Rename');
    await page!.keyboard.press('End');
    await expectFocus('Delete');
    await page!.keyboard.press('ArrowDown'); // wraps round
    await expectFocus('Pin');
    await page!.keyboard.press('ArrowUp');
    await expectFocus('Delete');
    await page!.keyboard.press('Home');
    await expectFocus('Pin');

    await page!.keyboard.press('Escape');
    await menu.waitFor({ state: 'detached' });
    expect(await options.getAttribute('aria-expanded')).toBe('false');
    expect(await chat.isFocused(options)).toBe(true);

    // Tab closes it too, and moves on from its button; a click elsewhere closes it.
    await page!.keyboard.press('Space');
    await menu.waitFor();
    await page!.keyboard.press('Tab');
    await menu.waitFor({ state: 'detached' });
    expect(await chat.isFocused(options)).toBe(false);
    await options.click();
    await menu.waitFor();
    await page!.getByRole('heading', { level: 1 }).click();
    await menu.waitFor({ state: 'detached' });

    // Enter on an item does it: Pin moves the conversation up into Pinned, focus stays on its options button.
    await options.focus();
    await page!.keyboard.press('Enter');
    await page!.keyboard.press('Enter');
    await chat.groupHeading('Pinned').waitFor();
    await expect.poll(() => chat.sidebarRows()).toEqual(['# Pinned', 'Newer', '# Today', 'Older']);
    await expect.poll(() => chat.isFocused(options)).toBe(true);
    // Archive by keyboard: the row leaves the list and focus goes to the one left.
    await page!.keyboard.press('Enter');
    await page!.keyboard.press('ArrowDown');
    await page!.keyboard.press('ArrowDown');
    await page!.keyboard.press('ArrowDown');
    await expectFocus('Archive');
    await page!.keyboard.press('Enter');
    await expect.poll(() => chat.conversations.allTextContents()).toEqual(['Older']);
    await expect.poll(() => focusedName(chat)).toBe('Older');
    expect(errors).toEqual([]);
  });

  it('resizes by dragging its edge or with the keys of its splitter, and remembers the width after a reload', async () => {
    const chat = await openSidebar([{ title: 'Only one', updatedAt: Date.now() }]);
    const splitter = chat.sidebarSplitter;
    const sidebar = page!.locator('aside');
    const width = async (): Promise<number> => Math.round((await sidebar.boundingBox())!.width);
    const value = async (): Promise<number> => Number(await splitter.getAttribute('aria-valuenow'));
    expect(await splitter.getAttribute('aria-valuemin')).toBe('224');
    expect(await splitter.getAttribute('aria-valuemax')).toBe('560');
    expect(await splitter.getAttribute('aria-orientation')).toBe('vertical');
    const start = await value();
    expect(await width()).toBe(start);

    const box = (await splitter.boundingBox())!;
    await page!.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page!.mouse.down();
    await page!.mouse.move(box.x + box.width / 2 + 60, box.y + 200, { steps: 5 });
    await page!.mouse.move(box.x + box.width / 2 + 120, box.y + 300, { steps: 5 });
    await page!.mouse.up();
    expect(await value()).toBe(start + 120);
    expect(await width()).toBe(start + 120);

    await splitter.focus();
    await page!.keyboard.press('ArrowLeft');
    await page!.keyboard.press('ArrowLeft');
    expect(await value()).toBe(start + 120 - 32);
    await page!.keyboard.press('Shift+ArrowRight');
    expect(await value()).toBe(start + 120 - 32 + 64);
    await page!.keyboard.press('Home');
    expect(await value()).toBe(224);
    await page!.keyboard.press('End');
    expect(await value()).toBe(560);
    expect(await width()).toBe(560);
    await page!.keyboard.press('ArrowLeft');

    await page!.reload();
    await chat.waitUntilLoaded();
    expect(await value()).toBe(560 - 16);
    expect(await width()).toBe(560 - 16);
    expect(errors).toEqual([]);
  });
});
