import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ScriptedEngine } from '../../src-main/node/engine/scripted-engine';
import { ChatPage } from './pages/chat-page';
import { collectPageErrors, launchChromium } from './support/chromium';
import { startTestHost, type TestHost } from './support/test-host';

// The sidebar's conversation actions, stored in SQLite: pin, archive (and the Archived view), rename, delete.
let browser: Browser | undefined;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

describe('the conversation list', () => {
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

  async function threeConversations(): Promise<ChatPage> {
    const chat = await ChatPage.open(page, app.url);
    for (const [index, topic] of ['Apples', 'Bananas', 'Cherries'].entries()) {
      if (index > 0) await chat.newChat();
      await chat.send(topic);
      await chat.waitForLastReplyStatus('complete');
    }
    await expect.poll(() => chat.conversations.allTextContents()).toEqual(['Cherries', 'Bananas', 'Apples']);
    return chat;
  }

  it('pins a conversation to the top and unpins it, also after a reload', async () => {
    const chat = await threeConversations();
    await chat.conversationAction('Apples', 'Pin');
    await expect.poll(() => chat.conversations.allTextContents()).toEqual(['Apples', 'Cherries', 'Bananas']);
    expect(await chat.conversationList.getByRole('listitem').first().getByText('Pinned').count()).toBe(1);

    await page.reload();
    await chat.waitUntilLoaded();
    await expect.poll(() => chat.conversations.allTextContents()).toEqual(['Apples', 'Cherries', 'Bananas']);

    await chat.conversationAction('Apples', 'Unpin');
    await expect.poll(() => chat.conversations.allTextContents()).toEqual(['Cherries', 'Bananas', 'Apples']);
    expect(await chat.conversationList.getByText('Pinned').count()).toBe(0);
    expect(errors).toEqual([]);
  });

  it('archives a conversation out of the list, shows it in the Archived view, and brings it back', async () => {
    const chat = await threeConversations();
    await chat.conversationAction('Bananas', 'Archive');
    await expect.poll(() => chat.conversations.allTextContents()).toEqual(['Cherries', 'Apples']);

    await chat.archivedToggle.click();
    expect(await chat.archivedToggle.getAttribute('aria-pressed')).toBe('true');
    await chat.conversationList.getByRole('heading', { name: 'Archived conversations' }).waitFor();
    expect(await chat.conversations.allTextContents()).toEqual(['Bananas']);
    // An archived conversation still opens and reads as before.
    await chat.openConversation('Bananas');
    await chat.message('You said: Bananas').waitFor();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Bananas');

    await chat.conversationAction('Bananas', 'Unarchive');
    await expect.poll(() => chat.conversations.count()).toBe(0);
    await chat.conversationList.getByText('No archived conversations.').waitFor();
    await chat.archivedToggle.click();
    await expect.poll(() => chat.conversations.allTextContents()).toEqual(['Cherries', 'Bananas', 'Apples']);
    expect(errors).toEqual([]);
  });

  it('renames a conversation in place (Enter saves, Escape cancels)', async () => {
    const chat = await threeConversations();
    await chat.conversationAction('Bananas', 'Rename');
    const box = chat.conversationList.getByRole('textbox', { name: 'New title for Bananas' });
    expect(await chat.isFocused(box)).toBe(true);
    await box.fill('Not this');
    await box.press('Escape');
    await expect.poll(() => chat.conversations.allTextContents()).toEqual(['Cherries', 'Bananas', 'Apples']);

    await chat.conversationAction('Bananas', 'Rename');
    await box.fill('Yellow fruit');
    await box.press('Enter');
    await expect.poll(() => chat.conversations.allTextContents()).toEqual(['Cherries', 'Yellow fruit', 'Apples']);
    await page.reload();
    await chat.waitUntilLoaded();
    await expect.poll(() => chat.conversations.allTextContents()).toEqual(['Cherries', 'Yellow fruit', 'Apples']);
    expect(errors).toEqual([]);
  });

  it('deletes a conversation only after confirmation, and closes its options with Escape', async () => {
    const chat = await threeConversations();
    const options = chat.conversationList.getByRole('button', { name: 'Options for Cherries', exact: true });
    await options.click();
    expect(await options.getAttribute('aria-expanded')).toBe('true');
    await chat.conversationList.getByRole('group', { name: 'Options for Cherries' }).getByRole('button', { name: 'Pin' }).focus();
    await page.keyboard.press('Escape');
    expect(await options.getAttribute('aria-expanded')).toBe('false');
    expect(await chat.isFocused(options)).toBe(true);

    // Escape in the confirmation keeps the conversation.
    await chat.conversationAction('Cherries', 'Delete');
    const confirm = chat.dialog('Delete conversation?');
    await confirm.getByText('“Cherries” and all its messages will be deleted').waitFor();
    await page.keyboard.press('Escape');
    await confirm.waitFor({ state: 'hidden' });
    expect(await chat.conversations.allTextContents()).toEqual(['Cherries', 'Bananas', 'Apples']);

    await chat.conversationAction('Cherries', 'Delete');
    await confirm.getByRole('button', { name: 'Delete', exact: true }).click();
    await expect.poll(() => chat.conversations.allTextContents()).toEqual(['Bananas', 'Apples']);
    // The open conversation was the deleted one: the window is back at a new chat.
    await page.getByRole('heading', { name: 'New chat', level: 2 }).waitFor();
    await page.reload();
    await chat.waitUntilLoaded();
    await expect.poll(() => chat.conversations.allTextContents()).toEqual(['Bananas', 'Apples']);
    expect(errors).toEqual([]);
  });
});
