import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ChatPage } from './pages/chat-page';
import { QuickPage } from './pages/quick-page';
import { collectPageErrors } from './support/chromium';
import { useScriptedSession } from './support/scripted-session';

// The quick prompt (issue 10) in Chromium against the browser host: /quick is the page the desktop app shows in its
// popup. The scripted engine answers "You said: <message>" unless a reply is queued; each delta (4 characters) waits
// 8 ms, so a reply streams for a visible while.
describe('quick prompt', () => {
  const s = useScriptedSession({ deltaChars: 4, deltaDelayMs: 8 });

  const ANSWER =
    'Quaggas were a kind of plains zebra, striped only at the front and brown behind. ' +
    'The last one died in an Amsterdam zoo in 1883; a breeding project has brought back animals that look like them.';

  /** Another tab of the same browser profile (the clipboard and opened links are shared); its errors join `errors`. */
  async function newTab(context: BrowserContext, errors: string[]): Promise<Page> {
    const page = await context.newPage();
    page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`console: ${message.text()}`);
    });
    return page;
  }

  async function allowClipboard(): Promise<void> {
    await s.page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(s.app.url).origin });
  }

  it('asks, streams the answer in place, copies it, continues in the open chat window; Esc hides; the Quick filter lists it', async () => {
    await allowClipboard();
    const chat = await ChatPage.open(s.page, s.app.url);
    await chat.sendAndWaitForReply('Hello from the chat window');
    const quick = await QuickPage.open(await newTab(s.page.context(), s.errors), s.app.url);
    expect(await quick.isFocusedBox()).toBe(true);

    s.engine.queueReply(ANSWER);
    await quick.ask('What was a quagga?');
    // In place: the question stays above, the answer grows under it while it streams.
    await expect
      .poll(async () => {
        const status = await quick.answer.getAttribute('data-status');
        const text = (await quick.answerText.textContent()) ?? '';
        return status === 'streaming' && text.length > 0 && text.length < ANSWER.length;
      })
      .toBe(true);
    await expect.poll(() => quick.answer.getByText('What was a quagga?', { exact: true }).isVisible()).toBe(true);
    await quick.waitForAnswer('complete');
    expect(await quick.shownAnswer()).toBe(ANSWER);

    await quick.copyButton.click();
    await quick.status('Copied the answer.').waitFor();
    expect(await quick.page.evaluate('navigator.clipboard.readText()')).toBe(ANSWER);

    // The chat window is open in the other tab: it switches to this very conversation.
    await quick.continueButton.click();
    await quick.status('Opened in Phi Desk.').waitFor();
    await expect
      .poll(() => chat.messages())
      .toEqual([
        { role: 'user', status: 'complete', text: 'What was a quagga?' },
        { role: 'assistant', status: 'complete', text: ANSWER },
      ]);
    expect(await chat.currentConversation.textContent()).toBe('What was a quagga?');
    expect(await chat.page.getByRole('heading', { level: 1 }).textContent()).toBe('What was a quagga?');
    // One conversation, not a copy: the list holds the chat window's and the quick one.
    expect(await chat.conversations.allTextContents()).toEqual(['What was a quagga?', 'Hello from the chat window']);

    // The user turns to the chat window (a tab in the background gets no animation frames, which the virtual
    // sidebar renders on).
    await chat.page.bringToFront();
    // Marked "Quick", and the sidebar's Quick filter shows only such conversations.
    const quickRow = chat.conversationList.getByRole('listitem').filter({ hasText: 'What was a quagga?' });
    expect(await quickRow.getByText('Quick', { exact: true }).isVisible()).toBe(true);
    const filter = chat.conversationList.getByRole('button', { name: 'Quick', exact: true });
    await filter.click();
    expect(await filter.getAttribute('aria-pressed')).toBe('true');
    await expect.poll(() => chat.conversations.allTextContents()).toEqual(['What was a quagga?']);
    await filter.click();
    await expect.poll(() => chat.conversations.count()).toBe(2);

    // Esc: a tab cannot be hidden by the app, so the page says it is hidden (and the host recorded the request).
    await quick.box.press('Escape');
    await quick.hiddenNotice.waitFor();
    expect(await quick.box.count()).toBe(0);
    expect(s.app.host.pages.quickHides).toBe(1);
    await quick.page.getByRole('button', { name: 'Show it again' }).click();
    await quick.box.waitFor();
    await expect.poll(() => quick.isFocusedBox()).toBe(true);
    expect(s.errors).toEqual([]);
  });

  it('with no chat window open, "Continue in Phi Desk" opens the chat page on the conversation', async () => {
    const quick = await QuickPage.open(s.page, s.app.url);
    await quick.ask('Where did quaggas live?');
    await quick.waitForAnswer('complete');
    const opened = s.page.context().waitForEvent('page');
    await quick.continueButton.click();
    const tab = await opened;
    const errors = collectPageErrors(tab);
    const chat = new ChatPage(tab);
    await chat.waitUntilLoaded();
    expect(new URL(tab.url()).hash).toMatch(/^#conversation=[\w-]+$/);
    await expect
      .poll(() => chat.messages())
      .toEqual([
        { role: 'user', status: 'complete', text: 'Where did quaggas live?' },
        { role: 'assistant', status: 'complete', text: 'You said: Where did quaggas live?' },
      ]);
    expect(await chat.currentConversation.textContent()).toBe('Where did quaggas live?');
    expect(errors).toEqual([]);
    expect(s.errors).toEqual([]);
  });

  it('clipboard prefill (turned on in Settings): the text is a removable chip; Summarize sends it as context', async () => {
    await allowClipboard();
    const chat = await ChatPage.open(s.page, s.app.url);
    await chat.page.getByRole('button', { name: 'Settings', exact: true }).click();
    const settings = chat.dialog('Settings');
    const prefill = settings.getByRole('checkbox', { name: "Offer the clipboard's text as context" });
    expect(await prefill.isChecked()).toBe(false); // off by default
    await prefill.check();
    await settings.getByRole('button', { name: 'Save' }).click();
    await settings.waitFor({ state: 'hidden' });

    const copied = 'The committee met on Tuesday and agreed to move the spring fair to the park, weather permitting.';
    const tab = await newTab(s.page.context(), s.errors);
    const quick = await QuickPage.open(tab, s.app.url);
    await tab.evaluate(`navigator.clipboard.writeText(${JSON.stringify(copied)})`);
    await tab.reload();
    await quick.clipboardChip.waitFor();
    expect(await quick.clipboardChip.textContent()).toContain('The committee met on Tuesday');
    // Removable: gone, and nothing is attached.
    await quick.clipboardChip.getByRole('button', { name: 'Remove the clipboard text' }).click();
    expect(await quick.clipboardChip.count()).toBe(0);

    await tab.reload();
    await quick.clipboardChip.waitFor();
    await quick.action('Summarize').click();
    expect(await quick.box.inputValue()).toBe('Summarize this text:');
    await expect.poll(() => quick.isFocusedBox()).toBe(true);
    await quick.box.press('Enter');
    await quick.waitForAnswer('complete');
    // What the user sees: their question, and an answer to the text they copied (the scripted engine repeats it).
    expect(await quick.answer.getByText('Summarize this text:', { exact: true }).isVisible()).toBe(true);
    expect(await quick.shownAnswer()).toContain(copied);
    // What the model got: the prompt, then the clipboard text.
    expect(s.engine.requests.at(-1)?.turns.at(-1)?.content).toBe(`Summarize this text:\n\n"""\n${copied}\n"""`);
    expect(await quick.clipboardChip.count()).toBe(0);

    // "Translate to…" fills the prompt with the language chosen.
    await tab.reload();
    await quick.translateTo.selectOption('French');
    expect(await quick.box.inputValue()).toBe('Translate this text into French:');
    expect(s.errors).toEqual([]);
  });

  it('renders the answer as the chat window does: Markdown, highlighted code with its own Copy', async () => {
    await allowClipboard();
    const quick = await QuickPage.open(s.page, s.app.url);
    s.engine.queueReply('Use **grep**:\n\n```sh\ngrep -rn "TODO" src\n```\n\n- fast\n- everywhere');
    await quick.ask('How do I find TODOs?');
    await quick.waitForAnswer('complete');
    await expect.poll(() => quick.answerText.locator('strong').textContent()).toBe('grep');
    await expect.poll(() => quick.answerText.locator('code.hljs').count()).toBe(1);
    expect(await quick.answerText.getByRole('listitem').allTextContents()).toEqual(['fast', 'everywhere']);
    await quick.answerText.getByRole('button', { name: 'Copy code' }).click();
    await expect.poll(() => quick.page.evaluate('navigator.clipboard.readText()')).toBe('grep -rn "TODO" src');
    expect(s.errors).toEqual([]);
  });

  it('while the chat window’s reply is being written, the quick question says it is queued, then is answered', async () => {
    const chat = await ChatPage.open(s.page, s.app.url);
    s.engine.queueReply('word '.repeat(250), 'Right after it.');
    await chat.send('Write a long one');
    await chat.waitForLastReplyStatus('streaming');
    const quick = await QuickPage.open(await newTab(s.page.context(), s.errors), s.app.url);
    await quick.ask('A quick one');
    await quick.status(/Phi is finishing a reply in the chat window; your question is queued/).waitFor();
    await quick.waitForAnswer('complete', 60_000);
    expect(await quick.shownAnswer()).toBe('Right after it.');
    expect(await quick.status(/queued/).count()).toBe(0);
    await chat.waitForLastReplyStatus('complete');
    expect(s.errors).toEqual([]);
  });

  it('Settings records a new shortcut from the keys pressed: Esc cancels, a chord the system keeps is refused in words', async () => {
    const chat = await ChatPage.open(s.page, s.app.url);
    await chat.page.getByRole('button', { name: 'Settings', exact: true }).click();
    const settings = chat.dialog('Settings');
    const field = settings.getByRole('button', { name: 'Quick-prompt shortcut' });
    expect(await field.textContent()).toBe('Ctrl+Shift+Space');
    // This is the browser host: it says where the shortcut works.
    expect(await chat.description(field)).toContain('belong to the desktop app');

    await field.click();
    expect(await field.textContent()).toBe('Press the new shortcut…');
    await chat.page.keyboard.press('Escape'); // cancels the recording, not the dialog
    expect(await field.textContent()).toBe('Ctrl+Shift+Space');
    expect(await settings.isVisible()).toBe(true);

    await field.click();
    await chat.page.keyboard.press('Alt+Space');
    expect(await field.textContent()).toBe('Ctrl+Shift+Space');
    expect(await chat.description(field)).toContain('Alt+Space cannot be used: Alt+Space opens the window menu on Windows.');

    await field.click();
    await chat.page.keyboard.press('k'); // a plain key would be taken from every program
    expect(await chat.description(field)).toContain('K alone would stop working in every other program');

    await field.click();
    await chat.page.keyboard.press('Control+Alt+KeyK');
    expect(await field.textContent()).toBe('Ctrl+Alt+K');
    await settings.getByRole('checkbox', { name: 'Hide the quick prompt when I click elsewhere' }).uncheck();
    await settings.getByRole('button', { name: 'Save' }).click();
    await settings.waitFor({ state: 'hidden' });
    expect(s.app.host.app.settings.get()).toMatchObject({ quickShortcut: 'CommandOrControl+Alt+K', quickHideOnBlur: false });
    expect(s.errors).toEqual([]);
  });

  it('the application menu’s commands (pushed as onMenuCommand) do what their buttons and keys do', async () => {
    const chat = await ChatPage.open(s.page, s.app.url);
    await chat.sendAndWaitForReply('Something to leave');
    const menu = (command: 'newChat' | 'focusSearch' | 'showShortcuts' | 'openSettings' | 'exportHistory'): void =>
      s.app.host.app.push({ type: 'onMenuCommand', command });

    menu('newChat');
    await chat.welcome.waitFor();
    menu('focusSearch');
    await expect.poll(() => chat.isFocused(chat.searchBox)).toBe(true);
    for (const [command, dialog] of [
      ['showShortcuts', 'Keyboard shortcuts'],
      ['openSettings', 'Settings'],
      ['exportHistory', 'Export and import'],
    ] as const) {
      menu(command);
      await chat.dialog(dialog).waitFor();
      await chat.page.keyboard.press('Escape');
      await chat.dialog(dialog).waitFor({ state: 'hidden' });
    }
    expect(s.errors).toEqual([]);
  });
});
