import { availableParallelism } from 'node:os';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ScriptedEngine } from '../support/scripted-engine';
import { DATABASE_FILE } from '../../src-main/node/host/compose';
import { openStore } from '../../src-main/node/store/open-store';
import { ChatPage } from './pages/chat-page';
import { collectPageErrors, launchChromium } from './support/chromium';
import { startTestHost, type TestHost } from './support/test-host';

// App settings and per-conversation settings, stored in SQLite and applied to the next reply: the scripted engine
// records every request, so the test sees exactly what reached the engine.
let browser: Browser | undefined;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

describe('settings', () => {
  let app: TestHost;
  let engine: ScriptedEngine;
  let page: Page;
  let errors: string[];

  beforeEach(async () => {
    engine = new ScriptedEngine({ initialModelPath: path.join('/models', 'scripted.gguf') });
    app = await startTestHost({ engine });
    page = await browser!.newPage();
    errors = collectPageErrors(page);
  });

  afterEach(async () => {
    await page.close();
    await app.dispose();
  });

  const field = (dialog: Locator, name: string): Locator => dialog.getByRole('textbox', { name, exact: true });

  async function ask(chat: ChatPage, text: string): Promise<void> {
    await chat.send(text);
    await chat.message(`You said: ${text}`).waitFor();
    await chat.waitForLastReplyStatus('complete');
  }

  it('offers Automatic and every processor for the model’s threads, and a fixed count reaches the engine', async () => {
    const chat = await ChatPage.open(page, app.url);
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    const dialog = chat.dialog('Settings');
    const threads = dialog.getByRole('combobox', { name: 'Processor threads' });
    expect(await threads.inputValue()).toBe('auto');
    // The host runs on this machine: its logical processors.
    await expect
      .poll(() => threads.getByRole('option').allTextContents())
      .toEqual(['Automatic (recommended)', ...Array.from({ length: availableParallelism() }, (_, i) => String(i + 1))]);
    expect(engine.threadSettings).toEqual(['auto']);

    await threads.selectOption('1');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await expect.poll(() => engine.threadSettings).toEqual(['auto', 1]);

    await page.reload();
    await chat.waitUntilLoaded();
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    expect(await chat.dialog('Settings').getByRole('combobox', { name: 'Processor threads' }).inputValue()).toBe('1');
    expect(errors).toEqual([]);
  });

  it('refuses a bad value in words, saves good ones, and the next reply uses them', async () => {
    const chat = await ChatPage.open(page, app.url);
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    const dialog = chat.dialog('Settings');
    await dialog.waitFor();

    await field(dialog, 'Temperature').fill('5');
    await field(dialog, 'Top-k').fill('12.5');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.getByText('Temperature must be a number from 0 to 2.').waitFor();
    await dialog.getByText('Top-k must be a whole number from 0 to 1,000.').waitFor();
    expect(await field(dialog, 'Temperature').getAttribute('aria-invalid')).toBe('true');
    expect(await chat.isFocused(field(dialog, 'Temperature'))).toBe(true);
    // The error is the field's description, so a screen reader reads it with the field.
    expect(await chat.description(field(dialog, 'Temperature'))).toContain('Temperature must be a number from 0 to 2.');

    await field(dialog, 'Temperature').fill('0.3');
    await field(dialog, 'Top-k').fill('12');
    await field(dialog, 'Seed').fill('42');
    await dialog.getByRole('textbox', { name: 'Default system prompt' }).fill('You are terse.');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });

    await ask(chat, 'Hello');
    const request = engine.requests.at(-1);
    expect(request?.systemPrompt).toBe('You are terse.');
    expect(request?.settings).toMatchObject({ temperature: 0.3, topK: 12, seed: 42 });

    // Stored: a reload shows the saved values.
    await page.reload();
    await chat.waitUntilLoaded();
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    expect(await field(dialog, 'Temperature').inputValue()).toBe('0.3');
    expect(await field(dialog, 'Seed').inputValue()).toBe('42');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect(errors).toEqual([]);
  });

  it("gives one conversation its own system prompt and sampling, and 'Use app defaults' undoes it", async () => {
    const chat = await ChatPage.open(page, app.url);
    await ask(chat, 'First');
    const defaults = engine.requests.at(-1)?.settings;

    await page.getByRole('button', { name: 'Conversation settings' }).click();
    const dialog = chat.dialog('Conversation settings');
    await dialog.getByRole('checkbox', { name: 'Use the app’s default system prompt' }).uncheck();
    await dialog.getByRole('textbox', { name: 'System prompt' }).fill('Talk like a pirate.');
    await field(dialog, 'Temperature').fill('1.5');
    await field(dialog, 'Longest reply (tokens)').fill('0');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.getByText('Longest reply (tokens) must be a whole number from 1 to 2,048.').waitFor();
    await field(dialog, 'Longest reply (tokens)').fill('64');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });

    await ask(chat, 'Second');
    expect(engine.requests.at(-1)?.systemPrompt).toBe('Talk like a pirate.');
    expect(engine.requests.at(-1)?.settings).toEqual({ ...defaults, temperature: 1.5, maxTokens: 64 });

    // Another conversation keeps the app's settings.
    await chat.newChat();
    await ask(chat, 'Elsewhere');
    expect(engine.requests.at(-1)?.systemPrompt).toBeUndefined();
    expect(engine.requests.at(-1)?.settings).toEqual(defaults);

    await chat.openConversation('First');
    await page.getByRole('button', { name: 'Conversation settings' }).click();
    // The dialog shows what is stored; empty fields show the app default they fall back to.
    expect(await field(dialog, 'Temperature').inputValue()).toBe('1.5');
    expect(await field(dialog, 'Top-p').getAttribute('placeholder')).toBe(`App default: ${defaults?.topP}`);
    await dialog.getByRole('button', { name: 'Use app defaults' }).click();
    expect(await field(dialog, 'Temperature').inputValue()).toBe('');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await ask(chat, 'Third');
    expect(engine.requests.at(-1)?.systemPrompt).toBeUndefined();
    expect(engine.requests.at(-1)?.settings).toEqual(defaults);
    expect(errors).toEqual([]);
  });

  it('applies the send shortcut and the theme at once', async () => {
    const chat = await ChatPage.open(page, app.url);
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    const dialog = chat.dialog('Settings');
    await dialog.getByRole('combobox', { name: 'Send with' }).selectOption('mod+enter');
    await dialog.getByRole('combobox', { name: 'Theme' }).selectOption('dark');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await page.locator('html').getAttribute('data-theme')).toBe('dark');
    expect(await page.evaluate('getComputedStyle(document.body).backgroundColor')).toBe('rgb(24, 25, 27)');

    await chat.messageBox.fill('line one');
    await chat.messageBox.press('Enter');
    await chat.messageBox.pressSequentially('line two');
    expect(await chat.messageItems.count()).toBe(0);
    await chat.messageBox.press('Control+Enter');
    await chat.message('You said: line one\nline two').waitFor();
    expect(await page.getByText('Ctrl+Enter to send · Enter for a new line').count()).toBe(1);
    expect(errors).toEqual([]);
  });
});

describe('notices from the app', () => {
  let app: TestHost;
  let page: Page;

  afterEach(async () => {
    await page.close();
    await app.dispose();
  });

  it('tells the user the database was restored from a backup, once, and takes notices pushed later', async () => {
    app = await startTestHost({
      engine: new ScriptedEngine({ initialModelPath: path.join('/models', 'scripted.gguf') }),
      // A database with one conversation and a backup of it, then the database file is destroyed.
      prepare: async (dataDir) => {
        const file = path.join(dataDir, DATABASE_FILE);
        const store = openStore(file);
        store.conversations.createConversation({ title: 'Saved before the damage' });
        await store.backupNow();
        store.close();
        writeFileSync(file, 'this is not a database any more'.repeat(1000));
      },
    });
    page = await browser!.newPage();
    const errors = collectPageErrors(page);
    const chat = await ChatPage.open(page, app.url);

    const notices = page.getByRole('region', { name: 'Notices' });
    const recovered = notices.getByRole('alert').filter({ hasText: 'The conversation database was damaged' });
    await recovered.waitFor();
    expect(await recovered.textContent()).toMatch(/restored the backup taken/);
    // The backup's conversation is back.
    expect(await chat.conversations.allTextContents()).toEqual(['Saved before the damage']);

    app.host.app.notices.add({ id: 'backup-failed', level: 'warning', text: 'The daily backup of your conversations failed: disk full' });
    await notices.getByText('The daily backup of your conversations failed: disk full').waitFor();

    await recovered.getByRole('button', { name: 'Dismiss' }).click();
    await recovered.waitFor({ state: 'detached' });
    await page.reload();
    await chat.waitUntilLoaded();
    await notices.getByText('The daily backup of your conversations failed').waitFor();
    expect(await notices.getByText('The conversation database was damaged').count()).toBe(0);
    expect(errors).toEqual([]);
  });
});
