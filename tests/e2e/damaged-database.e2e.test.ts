import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ScriptedEngine } from '../support/scripted-engine';
import { DATABASE_FILE } from '../../src-main/node/host/compose';
import { openStore } from '../../src-main/node/store/open-store';
import { conversation, corruptPages, pageOfRow, write } from '../fixtures/damaged-database';
import { ChatPage } from './pages/chat-page';
import { collectPageErrors, launchChromium } from './support/chromium';
import { startTestHost, type TestHost } from './support/test-host';

// A database damaged on disk while the app was closed (after a clean quit), opened in the browser host: the window
// says so at once, a message is refused in words and stays in the box, and the export rescues what can be read,
// naming the conversation it had to leave out.
let browser: Browser | undefined;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

describe('a damaged database', () => {
  let app: TestHost;
  let page: Page;
  let folder: string;

  afterEach(async () => {
    await page.close();
    await app.dispose();
    rmSync(folder, { recursive: true, force: true });
  });

  it('is announced at start; sending is refused with words and keeps the text; the export saves the rest and names what it left out', async () => {
    folder = mkdtempSync(path.join(tmpdir(), 'phi-desk-e2e-rescue-'));
    app = await startTestHost({
      engine: new ScriptedEngine({ initialModelPath: path.join('/models', 'scripted.gguf') }),
      prepare: (dataDir) => {
        const file = path.join(dataDir, DATABASE_FILE);
        const store = openStore(file);
        // Page-filling messages (one per page) in the conversation to damage; short ones in the other.
        const lost = conversation(store, 'Lost page');
        const first = write(store, lost, null, 'user', 'lighthouse');
        write(store, lost, first, 'assistant', 'harbour');
        const packing = store.conversations.createConversation({ title: 'Packing list' }).id;
        const add = (parentId: string | null, role: 'user' | 'assistant', content: string) =>
          store.conversations.appendMessage({ conversationId: packing, parentId, role, content, status: 'complete' }).id;
        add(add(null, 'user', 'An umbrella'), 'assistant', 'And a raincoat');
        store.close();
        const page = pageOfRow(file, 'messages', 'id', first.id);
        if (page.rowids.length !== 1) throw new Error(`the page to damage holds ${page.rowids.length} rows`);
        corruptPages(file, [page.page]);
      },
    });
    page = await browser!.newPage();
    const errors = collectPageErrors(page);
    const chat = await ChatPage.open(page, app.url);

    const notices = page.getByRole('region', { name: 'Notices' });
    await notices.getByRole('alert').filter({ hasText: /database is damaged, so Phi Desk is keeping it read-only/ }).waitFor();

    await chat.openConversation('Packing list');
    await chat.message('And a raincoat').waitFor();
    await chat.send('Add sunscreen to the list');
    await chat.alerts.filter({ hasText: 'Your conversations could not be read or saved' }).waitFor();
    await chat.alerts.filter({ hasText: /keeps it read-only and could not save this/ }).waitFor();
    expect(await chat.messageBox.inputValue()).toBe('Add sunscreen to the list');
    expect(await chat.messages()).toHaveLength(2);

    const dialog = await chat.openHistoryDialog();
    const file = path.join(folder, 'rescue.json');
    const saved = await chat.downloadExport(file);
    expect(JSON.parse(saved.text)).toMatchObject({ conversations: [{ title: 'Packing list' }] });
    const outcome = dialog.getByRole('status').filter({ hasText: 'Exported' });
    await outcome.waitFor();
    expect(await outcome.textContent()).toBe(
      `Exported 1 conversation (2 messages) as ${saved.name}: your browser saves it in its downloads. ` +
        '1 conversation could not be read from the damaged database and was left out: “Lost page”.',
    );
    expect(errors).toEqual([]);
  });
});
