import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScriptedEngine } from '../support/scripted-engine';
import { RICH_REPLY } from '../fixtures/rich-reply';
import { ChatPage } from './pages/chat-page';
import { collectPageErrors, launchChromium } from './support/chromium';
import { startTestHost, type TestHost } from './support/test-host';

/** Where screenshots go: the test output, next to the test reports (git-ignored). */
const SCREENSHOTS = path.resolve('.cache/test-results/screenshots');

// The HTML export opened as a reader opens it: a file in Chromium, offline. Not one script, not one request beyond
// the file itself; the Markdown, code and math rendered; light and dark as the system is (screenshots of both); the
// table of contents jumps within the page.
let browser: Browser | undefined;
let host: TestHost | undefined;
let folder: string;
let exported: string;

beforeAll(async () => {
  browser = await launchChromium();
  folder = mkdtempSync(path.join(tmpdir(), 'phi-desk-e2e-html-'));
  host = await startTestHost({
    engine: new ScriptedEngine({
      initialModelPath: '/models/scripted.gguf',
      reply: (request) => (/circle/i.test(request.turns.at(-1)?.content ?? '') ? RICH_REPLY : 'Pack light: a raincoat, the map, good shoes.'),
    }),
  });
  const page = await browser.newPage({ acceptDownloads: true });
  const chat = await ChatPage.open(page, host.url);
  for (const question of ['What is the area of a circle?', 'What should I pack for Lisbon?']) {
    await chat.newChatButton.click();
    await chat.send(question);
    await chat.waitForLastReplyStatus('complete');
  }
  await chat.openHistoryDialog();
  await chat.historyDialog.getByRole('radio', { name: /^Web page/ }).check();
  exported = path.join(folder, 'history.html');
  await chat.downloadExport(exported);
  await page.close();
});

afterAll(async () => {
  await host?.dispose();
  await browser?.close();
  rmSync(folder, { recursive: true, force: true });
});

/** Open the exported file, recording every request the page makes (the file itself is the one allowed). */
async function openExport(colorScheme: 'light' | 'dark'): Promise<{ page: Page; requests: string[]; errors: string[] }> {
  const page = await browser!.newPage({ colorScheme, viewport: { width: 1000, height: 1400 } });
  const requests: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  const errors = collectPageErrors(page);
  await page.goto(pathToFileURL(exported).href);
  await page.evaluate(() => document.fonts.ready);
  return { page, requests, errors };
}

describe('the HTML export in a browser', () => {
  it('has no script and makes no request; renders Markdown, code and math with the fonts it carries', async () => {
    const { page, requests, errors } = await openExport('light');
    try {
      expect(await page.locator('script').count()).toBe(0);
      expect(await page.evaluate(() => document.scripts.length)).toBe(0);
      expect(requests).toEqual([pathToFileURL(exported).href]);
      expect(await page.title()).toBe('Phi Desk conversations');

      const contents = page.getByRole('navigation', { name: 'Contents' });
      expect(await contents.getByRole('link').allTextContents()).toEqual(['What is the area of a circle?', 'What should I pack for Lisbon?']);
      await page.getByRole('table').waitFor();
      await page.getByRole('link', { name: 'a link' }).waitFor();
      expect(await page.getByText('a bad one').count()).toBe(1);
      expect(await page.getByRole('link', { name: 'a bad one' }).count()).toBe(0);
      expect(await page.getByText('<script>alert(1)</script>').count()).toBe(1); // shown as text
      expect(await page.locator('.hljs-keyword').first().textContent()).toBe('def');
      expect(await page.locator('.katex').count()).toBeGreaterThanOrEqual(2);
      // The math fonts came from the file itself (data: URLs), and are in use.
      const fonts = await page.evaluate(() => [...document.fonts].filter((font) => font.status === 'loaded').map((font) => font.family));
      expect(fonts).toEqual(expect.arrayContaining(['KaTeX_Main', 'KaTeX_Math']));
      expect(await page.locator('.katex .mathnormal').first().evaluate((element) => getComputedStyle(element).fontFamily)).toBe('KaTeX_Math');

      // The contents jump within the page: still no request.
      await contents.getByRole('link', { name: 'What should I pack for Lisbon?' }).click();
      await expect.poll(() => page.evaluate(() => location.hash)).toBe('#conversation-2');
      expect(requests).toHaveLength(1);
      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: path.join(SCREENSHOTS, 'history-export-light.png') });
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('follows the system into dark mode, code colours included', async () => {
    const light = await openExport('light');
    const dark = await openExport('dark');
    try {
      const look = (page: Page) =>
        page.evaluate(() => ({
          background: getComputedStyle(document.body).backgroundColor,
          keyword: getComputedStyle(document.querySelector('.hljs-keyword')!).color,
        }));
      const [inLight, inDark] = [await look(light.page), await look(dark.page)];
      expect(inLight.background).toBe('rgb(255, 255, 255)');
      expect(inDark.background).toBe('rgb(13, 17, 23)');
      expect(inDark.keyword).not.toBe(inLight.keyword);
      expect(dark.requests).toHaveLength(1);
      await dark.page.screenshot({ path: path.join(SCREENSHOTS, 'history-export-dark.png') });
    } finally {
      await light.page.close();
      await dark.page.close();
    }
  });
});
