import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ScriptedEngine } from '../support/scripted-engine';
import { DATABASE_FILE } from '../../src-main/node/host/compose';
import { openStore } from '../../src-main/node/store/open-store';
import { ChatPage } from './pages/chat-page';
import { collectPageErrors, launchChromium } from './support/chromium';
import { startTestHost, type TestHost } from './support/test-host';

// A 1,000-message conversation seeded through the store before the host starts. The window shows the newest page
// and fetches older pages (`messages.page`) as the reader scrolls up, without moving what is on screen; only the rows
// near the view are in the page (a virtual list).
const MESSAGES = 1000;
const NEWEST_PAGE = 200;
/** The one message with this word, near the start. */
const RARE_WORD = 'aardvark';

let browser: Browser | undefined;
let app: TestHost | undefined;

beforeAll(async () => {
  [browser, app] = await Promise.all([
    launchChromium(),
    startTestHost({
      engine: new ScriptedEngine({ initialModelPath: path.join('/models', 'scripted.gguf') }),
      prepare: (dataDir) => {
        const store = openStore(path.join(dataDir, DATABASE_FILE));
        try {
          const { id } = store.conversations.createConversation({ title: 'Long history' });
          let parentId: string | null = null;
          for (let n = 1; n <= MESSAGES; n++) {
            const role = n % 2 === 1 ? 'user' : 'assistant';
            // Lengths vary, so pages are not uniform blocks.
            const content = `Message ${n}${n === 7 ? ` about an ${RARE_WORD}` : ''}.${' More words here.'.repeat(n % 5)}`;
            parentId = store.conversations.appendMessage({ conversationId: id, parentId, role, content, status: 'complete' }).id;
          }
        } finally {
          store.close();
        }
      },
    }),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await app?.dispose();
});

describe('a long conversation', () => {
  let page: Page;
  let errors: string[];

  beforeEach(async () => {
    page = await browser!.newPage({ viewport: { width: 1100, height: 800 } });
    errors = collectPageErrors(page);
  });

  afterEach(async () => {
    await page.close();
  });

  const numbered = (chat: ChatPage, n: number): Locator => chat.message(new RegExp(`^Message ${n}\\b`));
  /** The message's top edge relative to the scroller's, in px. */
  const offset = (chat: ChatPage, n: number): Promise<number> =>
    numbered(chat, n).evaluate((item) => {
      const scroller = item.closest('.scroller');
      return item.getBoundingClientRect().top - (scroller?.getBoundingClientRect().top ?? 0);
    });
  /** The numbers of the messages in the page, in page order. */
  const inPage = async (chat: ChatPage): Promise<number[]> =>
    (await chat.messages()).map((m) => Number(/^Message (\d+)/.exec(m.text)?.[1] ?? NaN));
  /** True when the numbers are consecutive, ascending: no gap, no duplicate, no disorder. */
  const consecutive = (numbers: number[]): boolean => numbers.every((n, i) => i === 0 || n === (numbers[i - 1] ?? NaN) + 1);
  /** The first message whose top is at or below the scroller's top, with its offset. */
  const topMessage = (chat: ChatPage): Promise<{ n: number; top: number }> =>
    chat.scroller.evaluate((scroller) => {
      const top = scroller.getBoundingClientRect().top;
      for (const item of scroller.querySelectorAll('li[data-message-id]')) {
        const rect = item.getBoundingClientRect();
        if (rect.top >= top - 1) return { n: Number(/Message (\d+)/.exec(item.textContent ?? '')?.[1]), top: rect.top - top };
      }
      return { n: NaN, top: NaN };
    });

  it('opens at the newest message with only the rows near the view in the page, and scrolls up to the first without jumping', async () => {
    const chat = await ChatPage.open(page, app!.url);
    await chat.openConversation('Long history');
    await numbered(chat, MESSAGES).waitFor();
    // The view starts at the bottom: the newest message is on screen.
    await expect.poll(async () => (await offset(chat, MESSAGES)) < 800).toBe(true);
    // A thousand messages, a few dozen in the page.
    expect(await chat.messageItems.count()).toBeLessThan(60);
    expect(consecutive(await inPage(chat))).toBe(true);

    // Scroll to the top of what is loaded (the newest page) and watch, frame by frame, the message at the top of the
    // view while the older page arrives: it must not move.
    const frames = await chat.scroller.evaluate(
      (scroller, first) =>
        new Promise<{ n: number; top: number }[]>((resolve) => {
          const samples: { n: number; top: number }[] = [];
          const topOf = (n: number): number | null => {
            const item = [...scroller.querySelectorAll('li[data-message-id]')].find((li) =>
              new RegExp(`^Message ${n}\\b`).test(li.querySelector('.text')?.textContent ?? ''),
            );
            return item ? item.getBoundingClientRect().top - scroller.getBoundingClientRect().top : null;
          };
          // Runs in the page, which has requestAnimationFrame (this file's types are Node's).
          const nextFrame = (callback: () => void): void =>
            void (globalThis as unknown as { requestAnimationFrame(callback: () => void): number }).requestAnimationFrame(callback);
          scroller.scrollTop = 0;
          let after = 0;
          const sample = (): void => {
            const top = topOf(first);
            if (top !== null) samples.push({ n: first, top });
            // Done a few frames after the message above it (from the older page) is in the page.
            if (topOf(first - 1) !== null) after++;
            if (after > 5 || samples.length > 600) resolve(samples);
            else nextFrame(sample);
          };
          nextFrame(sample);
        }),
      MESSAGES - NEWEST_PAGE + 1,
    );
    expect(frames.length).toBeGreaterThan(5);
    const tops = frames.map((f) => f.top);
    expect(Math.max(...tops) - Math.min(...tops)).toBeLessThan(4);

    // Keep scrolling up until the first message: every page in order, never more than a few dozen rows in the page.
    let oldest = Math.min(...(await inPage(chat)));
    for (let steps = 0; oldest > 1 && steps < 40; steps++) {
      await chat.scroller.evaluate((scroller) => (scroller.scrollTop = 0));
      const before = oldest;
      await expect.poll(async () => (oldest = Math.min(...(await inPage(chat))))).toBeLessThan(before);
      const shown = await inPage(chat);
      expect(consecutive(shown)).toBe(true);
      expect(shown.length).toBeLessThan(60);
    }
    await chat.scroller.evaluate((scroller) => (scroller.scrollTop = 0));
    await expect.poll(() => topMessage(chat)).toMatchObject({ n: 1 });
    expect(await page.getByRole('button', { name: 'Load earlier messages' }).count()).toBe(0);
    expect(errors).toEqual([]);
  });

  it('flung a screen per frame, shows the rows it passes as plain text, and their buttons once the scroll slows', async () => {
    const chat = await ChatPage.open(page, app!.url);
    await chat.openConversation('Long history');
    await numbered(chat, MESSAGES).waitFor();
    // A fling up, a screen per frame, for a dozen frames (within the loaded newest page); what the rows on screen
    // show is read in the page at its last frame, before anything can slow it.
    const during = await chat.scroller.evaluate(async (scroller) => {
      const nextFrame = (): Promise<void> =>
        new Promise((resolve) =>
          (globalThis as unknown as { requestAnimationFrame(callback: () => void): number }).requestAnimationFrame(() => resolve()),
        );
      for (let frame = 0; frame < 12; frame++) {
        await nextFrame();
        scroller.scrollTop -= scroller.clientHeight;
      }
      await nextFrame();
      const view = scroller.getBoundingClientRect();
      return [...scroller.querySelectorAll('li[data-message-id]')]
        .filter((item) => {
          const rect = item.getBoundingClientRect();
          return rect.bottom > view.top && rect.top < view.bottom;
        })
        .map((item) => ({
          text: item.querySelector('.text')?.textContent ?? '',
          buttons: item.querySelectorAll('button').length,
          plain: item.querySelector('.text > .markdown.pending') !== null,
        }));
    });
    expect(during.length).toBeGreaterThan(0);
    // Every row on screen was made during the fling: its text is there, as written, without its buttons yet.
    for (const row of during) {
      expect(row.text).toMatch(/^Message \d+/);
      expect(row).toMatchObject({ buttons: 0, plain: true });
    }
    // The scroll has stopped: the same rows get their actions.
    const shown = Number(/^Message (\d+)/.exec(during[0]!.text)?.[1]);
    await numbered(chat, shown).getByRole('button', { name: 'Copy', exact: true }).waitFor();
    await expect.poll(() => numbered(chat, shown).locator('.markdown.pending').count()).toBe(0);
    expect(errors).toEqual([]);
  });

  it('reaches earlier messages from the keyboard (Home in the message list)', async () => {
    const chat = await ChatPage.open(page, app!.url);
    await chat.openConversation('Long history');
    await numbered(chat, MESSAGES).waitFor();
    await chat.scroller.focus();
    await page.keyboard.press('Home');
    await numbered(chat, MESSAGES - NEWEST_PAGE).waitFor();
    expect(consecutive(await inPage(chat))).toBe(true);
    expect(errors).toEqual([]);
  });

  it('jumps from a search hit to a message far back at once, then scrolls down through the later ones to the newest', async () => {
    const chat = await ChatPage.open(page, app!.url);
    await chat.openConversation('Long history');
    await numbered(chat, MESSAGES).waitFor();
    await chat.search(RARE_WORD);
    await chat.messageHits.first().click();
    const found = numbered(chat, 7);
    await found.and(page.locator('[data-highlighted="true"]')).waitFor();
    await expect.poll(() => chat.isFocused(found)).toBe(true);
    // It is on screen, and only the messages around it are in the page.
    await expect.poll(async () => {
      const top = await offset(chat, 7);
      return top > -10 && top < 800;
    }).toBe(true);
    expect(await chat.messageItems.count()).toBeLessThan(60);
    // The window around the hit is not the newest part: the view offers to jump there.
    const jump = page.getByRole('button', { name: 'Jump to latest' });
    await jump.waitFor();

    // Scrolling down loads the later messages page by page, in order.
    let newest = Math.max(...(await inPage(chat)));
    for (let steps = 0; newest < 400 && steps < 40; steps++) {
      await chat.scroller.evaluate((scroller) => (scroller.scrollTop = scroller.scrollHeight));
      const before = newest;
      await expect.poll(async () => (newest = Math.max(...(await inPage(chat))))).toBeGreaterThan(before);
      expect(consecutive(await inPage(chat))).toBe(true);
    }
    expect(newest).toBeGreaterThanOrEqual(400);
    // And "Jump to latest" goes straight to the newest message.
    await jump.click();
    await numbered(chat, MESSAGES).waitFor();
    await expect.poll(async () => (await offset(chat, MESSAGES)) < 800).toBe(true);
    await expect.poll(() => jump.count()).toBe(0);
    expect(consecutive(await inPage(chat))).toBe(true);
    expect(errors).toEqual([]);
  });
});
