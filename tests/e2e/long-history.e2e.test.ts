import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ScriptedEngine } from '../../src-main/node/engine/scripted-engine';
import { DATABASE_FILE } from '../../src-main/node/host/compose';
import { openStore } from '../../src-main/node/store/open-store';
import { ChatPage } from './pages/chat-page';
import { collectPageErrors, launchChromium } from './support/chromium';
import { startTestHost, type TestHost } from './support/test-host';

// A 1,000-message conversation seeded through the store before the host starts. The window shows the newest page
// and fetches older pages (`messages.page`) as the reader scrolls up, without moving what is on screen.
const MESSAGES = 1000;
const NEWEST_PAGE = 200;
const OLDER_PAGE = 100;
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

  it('opens at the newest message and loads older pages on scroll up without jumping', async () => {
    const chat = await ChatPage.open(page, app!.url);
    await chat.openConversation('Long history');
    await numbered(chat, MESSAGES).waitFor();
    expect(await chat.messageItems.count()).toBe(NEWEST_PAGE);
    // The view starts at the bottom: the newest message is on screen.
    expect(await offset(chat, MESSAGES)).toBeLessThan(800);

    const firstShown = MESSAGES - NEWEST_PAGE + 1;
    // Scroll to the top and note where the oldest shown message is, before the older page arrives.
    const before = await chat.scroller.evaluate((scroller, n) => {
      scroller.scrollTop = 0;
      const item = [...scroller.querySelectorAll('ol > li')].find((li) => li.textContent?.includes(`Message ${n}.`));
      return (item?.getBoundingClientRect().top ?? NaN) - scroller.getBoundingClientRect().top;
    }, firstShown);
    await expect.poll(() => chat.messageItems.count()).toBe(NEWEST_PAGE + OLDER_PAGE);
    await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))');
    // What the reader looked at stayed where it was.
    expect(Math.abs((await offset(chat, firstShown)) - before)).toBeLessThan(4);
    expect((await chat.messages()).slice(0, 2).map((m) => m.text)).toEqual([
      expect.stringMatching(new RegExp(`^Message ${firstShown - OLDER_PAGE}\\.`)),
      expect.stringMatching(new RegExp(`^Message ${firstShown - OLDER_PAGE + 1}\\.`)),
    ]);

    // Keep scrolling up until the first message: every message once, in order.
    const loadEarlier = page.getByRole('button', { name: 'Load earlier messages' });
    for (let pages = 0; (await loadEarlier.count()) > 0 && pages < 20; pages++) {
      const count = await chat.messageItems.count();
      await chat.scroller.evaluate((scroller) => (scroller.scrollTop = 0));
      await expect.poll(() => chat.messageItems.count()).toBeGreaterThan(count);
    }
    expect(await loadEarlier.count()).toBe(0);
    const texts = (await chat.messages()).map((m) => m.text);
    expect(texts).toHaveLength(MESSAGES);
    texts.forEach((text, index) => expect(text.startsWith(`Message ${index + 1}`)).toBe(true));

    // With all of them in the page, it stays responsive: a jump to the middle paints within a generous bound.
    const elapsed = Number(
      await page.evaluate(`new Promise((resolve) => {
        const scroller = document.querySelector('.scroller');
        const start = performance.now();
        scroller.scrollTop = scroller.scrollHeight / 2;
        requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now() - start)));
      })`),
    );
    expect(elapsed).toBeLessThan(1000);
    expect(errors).toEqual([]);
  });

  it('loads older pages with the "Load earlier messages" button too (keyboard users)', async () => {
    const chat = await ChatPage.open(page, app!.url);
    await chat.openConversation('Long history');
    await numbered(chat, MESSAGES).waitFor();
    const button = page.getByRole('button', { name: 'Load earlier messages' });
    await button.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => chat.messageItems.count()).toBe(NEWEST_PAGE + OLDER_PAGE);
    expect(errors).toEqual([]);
  });

  it('jumps from a search hit to a message far back, loading the pages up to it', async () => {
    const chat = await ChatPage.open(page, app!.url);
    await chat.openConversation('Long history');
    await numbered(chat, MESSAGES).waitFor();
    await chat.search(RARE_WORD);
    await chat.messageHits.first().click();
    const found = numbered(chat, 7);
    await found.and(page.locator('[data-highlighted="true"]')).waitFor();
    expect(await chat.isFocused(found)).toBe(true);
    // It is on screen.
    await expect.poll(async () => {
      const top = await offset(chat, 7);
      return top > -10 && top < 800;
    }).toBe(true);
    expect(errors).toEqual([]);
  });
});
