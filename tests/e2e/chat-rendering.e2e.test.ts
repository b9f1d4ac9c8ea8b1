import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ScriptedEngine } from '../support/scripted-engine';
import { ChatPage } from './pages/chat-page';
import { collectPageErrors, launchChromium } from './support/chromium';
import { startTestHost, type TestHost } from './support/test-host';

// The scripted engine streams exact text, so what the page shows can be compared character for character.
let browser: Browser | undefined;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

describe('with a model loaded', () => {
  let app: TestHost;
  let engine: ScriptedEngine;
  let page: Page;
  let errors: string[];
  let dialogs: string[];

  beforeEach(async () => {
    engine = new ScriptedEngine({ initialModelPath: path.join('/models', 'scripted.gguf'), deltaChars: 3, deltaDelayMs: 2 });
    app = await startTestHost({ engine });
    page = await browser!.newPage();
    errors = collectPageErrors(page);
    dialogs = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
  });

  afterEach(async () => {
    await page.close();
    await app.dispose();
  });

  it('shows a reply as the writer broke its lines, markup-like text as text, entities and emoji as written', async () => {
    const reply = 'Line one\nline two\n\n<b>not bold</b> & "quoted" &amp; — ünïcödé 🌊';
    engine.queueReply(reply);
    const chat = await ChatPage.open(page, app.url);
    await chat.sendAndWaitForReply('Hi');

    // innerText follows the layout: the line breaks are really on screen; raw HTML is shown as its characters.
    expect(await chat.messages()).toEqual([
      { role: 'user', status: 'complete', text: 'Hi' },
      { role: 'assistant', status: 'complete', text: 'Line one\nline two\n\n<b>not bold</b> & "quoted" & — ünïcödé 🌊' },
    ]);
    expect(await page.locator('li b').count()).toBe(0);
    expect(errors).toEqual([]);
  });

  it('shows a message that looks like HTML as text, never as markup', async () => {
    const attack = '<img src=x onerror=alert(1)>';
    const chat = await ChatPage.open(page, app.url);
    await chat.sendAndWaitForReply(attack);

    expect(await chat.messages()).toEqual([
      { role: 'user', status: 'complete', text: attack },
      { role: 'assistant', status: 'complete', text: `You said: ${attack}` },
    ]);
    expect(await page.locator('img').count()).toBe(0);
    expect(await chat.conversationList.getByRole('button', { name: attack, exact: true }).count()).toBe(1);
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('sends with Enter, adds a line with Shift+Enter, and refuses an empty message', async () => {
    const chat = await ChatPage.open(page, app.url);
    await chat.messageBox.fill('   ');
    expect(await chat.sendButton.isDisabled()).toBe(true);

    await chat.messageBox.fill('');
    await chat.messageBox.pressSequentially('first line');
    await chat.messageBox.press('Shift+Enter');
    await chat.messageBox.pressSequentially('second line');
    expect(await chat.messageItems.count()).toBe(0);
    await chat.messageBox.press('Enter');
    await chat.waitForLastReplyStatus('complete');

    expect(await chat.messages()).toEqual([
      { role: 'user', status: 'complete', text: 'first line\nsecond line' },
      { role: 'assistant', status: 'complete', text: 'You said: first line\nsecond line' },
    ]);
    expect(await chat.messageBox.inputValue()).toBe('');
    expect(errors).toEqual([]);
  });

  it('keeps conversations apart: New chat starts empty and the list switches between them', async () => {
    const chat = await ChatPage.open(page, app.url);
    await chat.sendAndWaitForReply('First topic');
    await chat.newChat();
    expect(await chat.messageItems.count()).toBe(0);
    await chat.sendAndWaitForReply('Second topic');

    expect(await chat.conversations.allTextContents()).toEqual(['Second topic', 'First topic']);
    await chat.openConversation('First topic');
    await chat.replies.filter({ hasText: 'You said: First topic' }).waitFor();
    expect((await chat.messages()).map((m) => m.text)).toEqual(['First topic', 'You said: First topic']);
    expect(await chat.currentConversation.textContent()).toBe('First topic');
    expect(errors).toEqual([]);
  });
});

describe('without a model', () => {
  let app: TestHost;
  let page: Page;

  beforeEach(async () => {
    app = await startTestHost({ engine: new ScriptedEngine() });
    page = await browser!.newPage();
  });

  afterEach(async () => {
    await page.close();
    await app.dispose();
  });

  // Before issue 9 the message box stayed under the model panel, and sending from it was refused with "No model is
  // loaded"; now there is no message box until a model is loaded, so nothing can be typed that cannot be answered.
  it('says plainly that no model is loaded and offers no message box to type into', async () => {
    const errors = collectPageErrors(page);
    const chat = await ChatPage.open(page, app.url);
    expect(await chat.engineStatus.textContent()).toBe('No model loaded');
    await chat.firstRunPanel.waitFor();
    expect(await chat.messageBox.count()).toBe(0);
    expect(await chat.sendButton.count()).toBe(0);
    expect(await chat.conversations.count()).toBe(0);
    expect(await chat.messageItems.count()).toBe(0);
    expect(errors).toEqual([]);
  });

  it('tells the user when the connection to the app is lost', async () => {
    const chat = await ChatPage.open(page, app.url);
    await app.host.close();
    await chat.alerts.filter({ hasText: 'Disconnected from Phi Desk — reload to reconnect' }).waitFor();
    expect(await chat.messageBox.isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Reload' }).isVisible()).toBe(true);
    expect(await chat.engineStatus.textContent()).toBe('Not connected');
  });
});
