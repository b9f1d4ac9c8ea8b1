import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ScriptedEngine } from '../support/scripted-engine';
import { ChatPage } from './pages/chat-page';
import { collectPageErrors, launchChromium } from './support/chromium';
import { startTestHost, type TestHost } from './support/test-host';

// Export and import in the browser host, through the window: the dialog's typed paths (no file dialog here), its
// progress and outcome in words, a refused path, and the history back after import — in another running host and
// in the same one after deleting the conversation.
let browser: Browser | undefined;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

describe('export and import', () => {
  const hosts: TestHost[] = [];
  const pages: Page[] = [];
  let errors: string[];
  let folder: string;

  beforeEach(() => {
    folder = mkdtempSync(path.join(tmpdir(), 'phi-desk-e2e-export-'));
    errors = [];
  });

  afterEach(async () => {
    for (const page of pages.splice(0)) await page.close();
    for (const host of hosts.splice(0)) await host.dispose();
    rmSync(folder, { recursive: true, force: true });
  });

  async function openApp(): Promise<ChatPage> {
    const host = await startTestHost({ engine: new ScriptedEngine({ initialModelPath: '/models/scripted.gguf' }) });
    hosts.push(host);
    const page = await browser!.newPage();
    pages.push(page);
    errors.push(...collectPageErrors(page));
    return ChatPage.open(page, host.url);
  }

  async function openDialog(chat: ChatPage): Promise<Locator> {
    await chat.page.getByRole('button', { name: 'Export and import…', exact: true }).click();
    const dialog = chat.dialog('Export and import');
    await dialog.waitFor();
    return dialog;
  }

  async function ask(chat: ChatPage, text: string): Promise<void> {
    await chat.send(text);
    await chat.message(`You said: ${text}`).waitFor();
    await chat.waitForLastReplyStatus('complete');
  }

  it('exports to a typed path, refuses a bad one in words, and imports into another host and after deleting', async () => {
    const a = await openApp();
    await ask(a, 'Pack the blue umbrella');
    await ask(a, 'And the map of Lisbon');
    const shown = await a.messages();
    expect(shown).toHaveLength(4);

    let dialog = await openDialog(a);
    const exportPath = dialog.getByRole('textbox', { name: 'Export to' });
    // Prefilled in the data folder; a folder that does not exist is refused in words and nothing is written.
    expect(await exportPath.inputValue()).toMatch(/phi-desk-history-\d{4}-\d{2}-\d{2}\.json$/);
    await exportPath.fill(path.join(folder, 'missing', 'history.json'));
    await dialog.getByRole('button', { name: 'Export', exact: true }).click();
    await dialog.getByRole('alert').getByText(/The folder .*missing does not exist/).waitFor();

    const file = path.join(folder, 'history.json');
    await exportPath.fill(file);
    await dialog.getByRole('button', { name: 'Export', exact: true }).click();
    await dialog.getByRole('status').getByText(`Exported 1 conversation (4 messages) to ${file}.`).waitFor();
    expect(await dialog.getByRole('alert').textContent()).toBe('');
    expect(readdirSync(folder)).toEqual(['history.json']);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ format: 'phi-desk-export', version: 1 });

    // The same path again: kept unless the user says to replace it.
    await dialog.getByRole('button', { name: 'Export', exact: true }).click();
    await dialog.getByRole('alert').getByText(/A file already exists at/).waitFor();
    await dialog.getByRole('button', { name: 'Replace it', exact: true }).click();
    await dialog.getByRole('status').getByText(`Exported 1 conversation (4 messages) to ${file}.`).waitFor();

    // Markdown of the open conversation.
    await dialog.getByRole('radio', { name: /as Markdown/ }).check();
    const markdown = path.join(folder, 'trip.md');
    await exportPath.fill(markdown);
    await dialog.getByRole('button', { name: 'Export', exact: true }).click();
    await dialog.getByRole('status').getByText(`Exported the conversation (4 messages) to ${markdown}.`).waitFor();
    expect(readFileSync(markdown, 'utf8')).toContain('## You\n\n');
    await dialog.getByRole('button', { name: 'Close', exact: true }).click();

    // Another running host, empty: the import shows progress, the outcome, and the conversation with its messages.
    const b = await openApp();
    dialog = await openDialog(b);
    await dialog.getByRole('textbox', { name: 'Import from' }).fill(file);
    await dialog.getByRole('button', { name: 'Import', exact: true }).click();
    await dialog.getByRole('status').getByText('Imported 1 conversation (4 messages).').waitFor();
    await dialog.getByRole('button', { name: 'Close', exact: true }).click();
    await b.openConversation('Pack the blue umbrella');
    await b.message('You said: And the map of Lisbon').waitFor();
    expect(await b.messages()).toEqual(shown);

    // The first host: importing what is already there skips it; after deleting the conversation it comes back.
    dialog = await openDialog(a);
    const importPath = dialog.getByRole('textbox', { name: 'Import from' });
    await importPath.fill(file);
    await dialog.getByRole('button', { name: 'Import', exact: true }).click();
    await dialog.getByRole('status').getByText('Imported 0 conversations (0 messages); 1 conversation already here was skipped.').waitFor();
    await dialog.getByRole('button', { name: 'Close', exact: true }).click();

    // (Deleted moments ago, it could still be undone: the import adds it anew all the same.)
    await a.conversationAction('Pack the blue umbrella', 'Delete');
    await a.conversationList.getByRole('button', { name: 'Pack the blue umbrella', exact: true }).waitFor({ state: 'detached' });
    dialog = await openDialog(a);
    await dialog.getByRole('textbox', { name: 'Import from' }).fill(file);
    await dialog.getByRole('button', { name: 'Import', exact: true }).click();
    await dialog.getByRole('status').getByText('Imported 1 conversation (4 messages).').waitFor();
    await dialog.getByRole('button', { name: 'Close', exact: true }).click();
    await a.openConversation('Pack the blue umbrella');
    await a.message('You said: Pack the blue umbrella').waitFor();
    expect(await a.messages()).toEqual(shown);

    // A file that is not an export is refused in words.
    dialog = await openDialog(a);
    await dialog.getByRole('textbox', { name: 'Import from' }).fill(markdown);
    await dialog.getByRole('button', { name: 'Import', exact: true }).click();
    await dialog.getByRole('alert').getByText(/is not valid JSON/).waitFor();
    expect(errors).toEqual([]);
  });
});
