import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ScriptedEngine } from '../support/scripted-engine';
import { chatGptConversation, richConversation } from '../fixtures/chatgpt-export';
import { expectValidExport } from '../fixtures/export-schema';
import { ChatPage } from './pages/chat-page';
import { collectPageErrors, launchChromium } from './support/chromium';
import { seedConversations } from './support/seed-conversations';
import { startTestHost, type TestHost } from './support/test-host';

// Export and import in the browser host, through the window: a real browser download (no path typed anywhere), an
// upload from the file input and files dropped onto the window, a conversation's own Export…, the sidebar's
// selection, the progress bar with Stop, and the report of an import in words.
let browser: Browser | undefined;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

describe('export and import in the browser', () => {
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

  async function openApp(prepare?: (dataDir: string) => void): Promise<ChatPage> {
    const host = await startTestHost({ engine: new ScriptedEngine({ initialModelPath: '/models/scripted.gguf' }), ...(prepare ? { prepare } : {}) });
    hosts.push(host);
    const page = await browser!.newPage({ acceptDownloads: true });
    pages.push(page);
    errors.push(...collectPageErrors(page));
    return ChatPage.open(page, host.url);
  }

  async function ask(chat: ChatPage, text: string): Promise<void> {
    await chat.send(text);
    await chat.message(`You said: ${text}`).waitFor();
    await chat.waitForLastReplyStatus('complete');
  }

  it('downloads an export, uploads it into another host, and drops it back onto the window after a delete', async () => {
    const a = await openApp();
    await ask(a, 'Pack the blue umbrella');
    await ask(a, 'And the map of Lisbon');
    const shown = await a.messages();

    let dialog = await a.openHistoryDialog();
    expect(await dialog.getByRole('radio', { name: 'All conversations' }).isChecked()).toBe(true);
    expect(await dialog.getByRole('radio', { name: /^JSON/ }).isChecked()).toBe(true);
    expect(await dialog.getByRole('textbox').count()).toBe(0); // no path to type: the browser saves it
    const file = path.join(folder, 'downloaded.json');
    const saved = await a.downloadExport(file);
    expect(saved.name).toMatch(/^phi-desk-history-\d{4}-\d{2}-\d{2}\.json$/);
    expectValidExport(JSON.parse(saved.text));
    await dialog.getByRole('status').getByText(`Exported 1 conversation (4 messages) as ${saved.name}: your browser saves it in its downloads.`).waitFor();
    await dialog.getByRole('button', { name: 'Close', exact: true }).click();

    // Another host, empty: the file input uploads it, and the import reports what it did.
    const b = await openApp();
    dialog = await b.importFiles([file]);
    await dialog.getByRole('status').getByText('Imported 1 conversation (4 messages).').waitFor();
    await dialog.getByRole('button', { name: 'Close', exact: true }).click();
    await b.openConversation('Pack the blue umbrella');
    await b.message('You said: And the map of Lisbon').waitFor();
    expect(await b.messages()).toEqual(shown);

    // The first host: delete it, then drop the file onto the window.
    await a.conversationAction('Pack the blue umbrella', 'Delete');
    await a.conversationList.getByRole('button', { name: 'Pack the blue umbrella', exact: true }).waitFor({ state: 'detached' });
    const dropped = await a.page.evaluateHandle(
      ({ text, name }) => {
        const transfer = new DataTransfer();
        transfer.items.add(new File([text], name, { type: 'application/json' }));
        return transfer;
      },
      { text: readFileSync(file, 'utf8'), name: 'downloaded.json' },
    );
    await a.page.dispatchEvent('.app', 'dragover', { dataTransfer: dropped });
    await a.page.getByText('Drop files to import their conversations').waitFor();
    await a.page.dispatchEvent('.app', 'drop', { dataTransfer: dropped });
    await a.historyDialog.getByRole('status').getByText('Imported 1 conversation (4 messages).').waitFor();
    await a.historyDialog.getByRole('button', { name: 'Close', exact: true }).click();
    await a.openConversation('Pack the blue umbrella');
    // The messages arrive a moment after the title is selected: wait for them (with retries) rather than read at once.
    await expect.poll(() => a.messages()).toEqual(shown);
    expect(errors).toEqual([]);
  });

  it('imports a ChatGPT export, says what it left out, and adds nothing the second time', async () => {
    const chat = await openApp();
    const file = path.join(folder, 'conversations.json');
    writeFileSync(file, JSON.stringify([richConversation(), chatGptConversation({ id: 'bad', title: 'Broken one', messages: [] })]));
    let dialog = await chat.importFiles([file]);
    await dialog
      .getByRole('status')
      .getByText(
        'Imported 1 conversation (6 messages); 1 conversation could not be imported (below). 1 picture or file could not be brought over: the messages say “[image omitted]” where they were.',
      )
      .waitFor();
    expect(await dialog.getByRole('list', { name: 'Not imported' }).textContent()).toBe(
      'Broken one (conversations.json): it has no messages that ChatGPT shows',
    );
    await dialog.getByRole('button', { name: 'Close', exact: true }).click();
    await chat.openConversation('Plotting a sine wave');
    await chat.page.getByText('With matplotlib: plt.plot(x, np.sin(x)).').waitFor(); // the branch ChatGPT showed

    dialog = await chat.importFiles([file]);
    await dialog.getByRole('status').getByText(/^Imported 0 conversations \(0 messages\); 1 conversation already here was skipped/).waitFor();
    expect(errors).toEqual([]);
  });

  it("a conversation's own Export… as Markdown, and a selection (Select mode, Ctrl- and Shift-click) as one web page", async () => {
    const chat = await openApp();
    for (const text of ['Alpha question', 'Beta question', 'Gamma question']) {
      await chat.newChatButton.click();
      await ask(chat, text);
    }
    await chat.conversationAction('Beta question', 'Export…');
    let dialog = chat.historyDialog;
    await dialog.waitFor();
    expect(await dialog.getByRole('radio', { name: '“Beta question”' }).isChecked()).toBe(true);
    await dialog.getByRole('radio', { name: /^Markdown/ }).check();
    const md = await chat.downloadExport(path.join(folder, 'beta.md'));
    expect(md.name).toBe('Beta question.md');
    expect(md.text).toMatch(/^---\ntitle: "Beta question"\n/);
    expect(md.text).toContain('## You\n\n');
    expect(md.text).not.toContain('Alpha question');
    await dialog.getByRole('button', { name: 'Close', exact: true }).click();

    // Ctrl-click picks one without opening it; Shift-click takes the run; the checkboxes say so.
    const row = (title: string) => chat.conversationList.getByRole('button', { name: title, exact: true });
    const box = (title: string) => chat.conversationList.getByRole('checkbox', { name: `Select ${title}` });
    await row('Gamma question').click({ modifiers: ['ControlOrMeta'] });
    await row('Beta question').click({ modifiers: ['Shift'] });
    expect(await box('Gamma question').isChecked()).toBe(true);
    expect(await box('Beta question').isChecked()).toBe(true);
    expect(await box('Alpha question').isChecked()).toBe(false);
    await chat.page.getByRole('group', { name: 'Selection' }).getByText('2 selected').waitFor();
    await chat.page.getByRole('group', { name: 'Selection' }).getByRole('button', { name: 'Export…' }).click();
    dialog = chat.historyDialog;
    expect(await dialog.getByRole('radio', { name: 'The 2 selected conversations' }).isChecked()).toBe(true);
    await dialog.getByRole('radio', { name: /^Web page/ }).check();
    const html = await chat.downloadExport(path.join(folder, 'two.html'));
    expect(html.name).toMatch(/\.html$/);
    expect(html.text).toContain('>Beta question</a>');
    expect(html.text).toContain('>Gamma question</a>');
    expect(html.text).not.toContain('Alpha question');
    await dialog.getByRole('button', { name: 'Close', exact: true }).click();

    // Select mode: a checkbox on every row; Done leaves it.
    await chat.page.getByRole('group', { name: 'Selection' }).getByRole('button', { name: 'Done' }).click();
    await box('Alpha question').waitFor({ state: 'detached' });
    await chat.conversationList.getByRole('button', { name: 'Select', exact: true }).click();
    await box('Alpha question').check();
    await chat.page.getByRole('group', { name: 'Selection' }).getByText('1 selected').waitFor();
    expect(errors).toEqual([]);
  });

  it('shows a long export with a bar and a count, and Stop leaves no download', async () => {
    const now = Date.now();
    const chat = await openApp((dataDir) => {
      seedConversations(
        dataDir,
        Array.from({ length: 400 }, (_, i) => ({
          title: `Long talk ${i}`,
          updatedAt: now - i * 60_000,
          messages: Array.from({ length: 60 }, (_, m) => ({
            role: m % 2 === 0 ? ('user' as const) : ('assistant' as const),
            content: `Message ${m} of talk ${i}. ${'Some words about rivers and the sea, with **emphasis** and `code`. '.repeat(20)}`,
            createdAt: now - i * 60_000 + m,
          })),
        })),
      );
    });
    const dialog = await chat.openHistoryDialog();
    await dialog.getByRole('radio', { name: /^Web page/ }).check();
    let downloads = 0;
    chat.page.on('download', () => downloads++);
    await dialog.getByRole('button', { name: 'Download', exact: true }).click();
    const bar = dialog.getByRole('progressbar', { name: 'Export progress' });
    await bar.waitFor();
    await dialog.getByText(/^[\d,]+ of 24,000 messages · [\d,]+ conversations? written$/).waitFor();
    await dialog.getByRole('button', { name: 'Stop', exact: true }).click();
    await dialog.getByRole('alert').getByText('Export cancelled; no file was written.').waitFor();
    await bar.waitFor({ state: 'detached' });
    expect(downloads).toBe(0);
    const transfers = path.join(hosts[0]!.dataDir, 'transfers');
    expect(readdirSync(transfers)).toEqual([]);
    expect(errors).toEqual([]);
  });
});
