import type { Locator } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ChatPage } from './pages/chat-page';
import { useScriptedSession } from './support/scripted-session';

// Keyboard shortcuts (issue 9): the sheet lists every one (from lib/shortcuts.ts), and each listed key does what the
// sheet says. The scripted engine answers "You said: <message>" unless a reply is queued; each delta (4 characters)
// waits 5 ms, so a long queued reply streams for seconds — time to press Esc.
describe('keyboard shortcuts', () => {
  const s = useScriptedSession({ deltaChars: 4, deltaDelayMs: 5 });

  const sheet = (chat: ChatPage): Locator => chat.dialog('Keyboard shortcuts');
  /** The sheet's row for an action, by its words. */
  const row = (chat: ChatPage, label: string): Locator => sheet(chat).getByRole('row', { name: label });
  /** Focus nothing in particular (the page itself), as after clicking an empty part of the window. */
  const focusPage = async (chat: ChatPage): Promise<void> => {
    await chat.page.evaluate('document.activeElement?.blur()');
  };
  const clipboard = async (chat: ChatPage): Promise<string> => String(await chat.page.evaluate('navigator.clipboard.readText()'));

  it('opens the shortcuts sheet with ? (outside a text field) and Ctrl+/, listing every shortcut', async () => {
    const chat = await ChatPage.open(s.page, s.app.url);
    await focusPage(chat);
    await s.page.keyboard.press('?');
    await sheet(chat).waitFor();
    const expected: [string, string][] = [
      ['Show keyboard shortcuts', '? or Ctrl /'],
      ['New chat', 'Ctrl N'],
      ['Search conversations', 'Ctrl K'],
      ['Copy the last reply (Markdown)', 'Ctrl Shift C'],
      ['Stop the reply being written', 'Esc'],
      ['Send the message', 'Enter or Ctrl Enter'],
      ['New line', 'Shift Enter'],
      ['Edit your last message (in an empty message box)', '↑'],
      ['Save and send the edited message', 'Ctrl Enter'],
      ['Cancel editing', 'Esc'],
      ['Clear the search (in the search box)', 'Esc'],
      ['Close a dialog or menu, cancel renaming', 'Esc'],
    ];
    const rows = await sheet(chat)
      .getByRole('row')
      .evaluateAll((trs) =>
        trs.map((tr) => {
          const [label, keys] = [...tr.querySelectorAll('td')];
          const words = label?.firstChild?.textContent?.trim() ?? '';
          const caps = [...(keys?.querySelectorAll('kbd, .or') ?? [])].map((k) => k.textContent).join(' ');
          return [words, caps] as [string, string];
        }),
      );
    expect(rows).toEqual(expected);
    // The browser may keep Ctrl+N: the sheet says so (this is the browser host).
    expect(await row(chat, 'New chat').textContent()).toContain('In a web browser this key may open a new browser window');
    // Esc closes it (a dialog), and focus goes back.
    await s.page.keyboard.press('Escape');
    await sheet(chat).waitFor({ state: 'hidden' });

    // In the message box, ? is just a character; Ctrl+/ opens the sheet from there too.
    await chat.messageBox.click();
    await s.page.keyboard.press('?');
    expect(await chat.messageBox.inputValue()).toBe('?');
    expect(await sheet(chat).isVisible()).toBe(false);
    await s.page.keyboard.press('Control+/');
    await sheet(chat).waitFor();
    // While it is open the app's keys wait: Ctrl+K does not move focus out of the dialog.
    await s.page.keyboard.press('Control+k');
    expect(await chat.isFocused(chat.searchBox)).toBe(false);
    await sheet(chat).getByRole('button', { name: 'Close' }).click();
    await sheet(chat).waitFor({ state: 'hidden' });
    expect(await chat.isFocused(chat.messageBox)).toBe(true);
    expect(s.errors).toEqual([]);
  });

  it('Ctrl+K focuses the search box (even from the message box); Esc there clears the search', async () => {
    const chat = await ChatPage.open(s.page, s.app.url);
    await chat.sendAndWaitForReply('Find the walrus');
    await chat.messageBox.click();
    await s.page.keyboard.press('Control+k');
    expect(await chat.isFocused(chat.searchBox)).toBe(true);
    await s.page.keyboard.type('walrus');
    await chat.messageHits.first().waitFor();
    await s.page.keyboard.press('Escape');
    await expect.poll(() => chat.searchBox.inputValue()).toBe('');
    await chat.searchResults.waitFor({ state: 'detached' });
    expect(s.errors).toEqual([]);
  });

  it('Ctrl+N opens a new chat with the caret in the message box', async () => {
    const chat = await ChatPage.open(s.page, s.app.url);
    await chat.sendAndWaitForReply('An old topic');
    await chat.currentConversation.waitFor();
    await focusPage(chat);
    // Headless Chromium has no browser window to open, so the key reaches the page as it does in the desktop app.
    // (A desktop browser keeps Ctrl+N for itself and never tells the page: the sheet says so.)
    await s.page.keyboard.press('Control+n');
    await chat.welcome.waitFor();
    expect(await chat.messageItems.count()).toBe(0);
    expect(await chat.currentConversation.count()).toBe(0);
    expect(await chat.isFocused(chat.messageBox)).toBe(true);
    expect(await s.page.getByRole('heading', { level: 1 }).textContent()).toBe('New chat');
    expect(s.errors).toEqual([]);
  });

  it('Esc stops a streaming reply from anywhere outside a field that uses Esc itself', async () => {
    const chat = await ChatPage.open(s.page, s.app.url);
    s.engine.queueReply('The sea, the sea. '.repeat(400));
    await chat.send('Tell me about the sea');
    await expect.poll(() => chat.lastReplyText(), { timeout: 20_000 }).not.toBe('');
    // Focus on a button of the page, not in the message box (which stops on Esc by itself).
    await chat.newChatButton.focus();
    await s.page.keyboard.press('Escape');
    await chat.waitForLastReplyStatus('stopped');
    const stopped = await chat.lastReplyText();
    expect(stopped.length).toBeGreaterThan(0);
    expect(stopped.length).toBeLessThan('The sea, the sea. '.repeat(400).length);

    // A field that uses Esc itself keeps it: Esc in the search box clears the search and the reply goes on.
    s.engine.queueReply('Waves and more waves. '.repeat(400));
    await chat.send('And the waves?');
    await chat.waitForLastReplyStatus('streaming');
    await chat.search('sea');
    await s.page.keyboard.press('Escape');
    await expect.poll(() => chat.searchBox.inputValue()).toBe('');
    expect(await chat.replies.last().getAttribute('data-status')).toBe('streaming');
    // With the search empty, Esc there is free again: it stops the reply.
    await s.page.keyboard.press('Escape');
    await chat.waitForLastReplyStatus('stopped');
    expect(s.errors).toEqual([]);
  });

  it('Up in the empty message box opens the editor of the last message you wrote; Ctrl+Enter sends the edit', async () => {
    const chat = await ChatPage.open(s.page, s.app.url);
    await chat.sendAndWaitForReply('First question');
    await chat.sendAndWaitForReply('Second question');
    // With text in the box, Up moves the caret, nothing opens.
    await chat.messageBox.fill('draft');
    await chat.messageBox.press('ArrowUp');
    expect(await chat.editor.count()).toBe(0);
    const lastId = await chat.message('Second question').getAttribute('data-message-id');
    await chat.messageBox.fill('');
    await chat.messageBox.press('ArrowUp');
    const editor = chat.editor.getByRole('textbox', { name: 'Edit message' });
    await editor.waitFor();
    expect(await chat.editor.getAttribute('data-message-id')).toBe(lastId);
    expect(await editor.inputValue()).toBe('Second question');
    expect(await chat.isFocused(editor)).toBe(true);
    expect(await chat.editor.count()).toBe(1);
    // Esc cancels (listed), Up opens it again, Ctrl+Enter saves and sends (listed).
    await editor.press('Escape');
    await chat.editor.waitFor({ state: 'detached' });
    await chat.message('Second question').waitFor();
    await chat.messageBox.press('ArrowUp');
    await editor.fill('Second question, edited');
    await editor.press('Control+Enter');
    await chat.replies.filter({ hasText: 'You said: Second question, edited' }).waitFor();
    await chat.waitForLastReplyStatus('complete');
    expect((await chat.messages()).map((m) => m.text)).toEqual([
      'First question',
      'You said: First question',
      'Second question, edited',
      'You said: Second question, edited',
    ]);
    expect(s.errors).toEqual([]);
  });

  it('Ctrl+Shift+C copies the last reply’s Markdown source and says so', async () => {
    await s.page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(s.app.url).origin });
    const chat = await ChatPage.open(s.page, s.app.url);
    // Nothing to copy yet: said, not silently ignored.
    await focusPage(chat);
    await s.page.keyboard.press('Control+Shift+C');
    await chat.shortcutStatus.filter({ hasText: 'There is no reply to copy yet.' }).waitFor();

    const markdown = '**Bold** and `code`\n\n- one\n- two';
    s.engine.queueReply(markdown);
    await chat.sendAndWaitForReply('Format something');
    await chat.sendAndWaitForReply('And again'); // the last reply is this one: "You said: And again"
    await chat.messageBox.click();
    await s.page.keyboard.press('Control+Shift+C');
    await chat.shortcutStatus.filter({ hasText: 'Copied the last reply.' }).waitFor();
    expect(await clipboard(chat)).toBe('You said: And again');

    // The Markdown source, as the model wrote it, of a reply that is the last one.
    s.engine.queueReply(markdown);
    await chat.sendAndWaitForReply('Format it once more');
    await focusPage(chat);
    await s.page.keyboard.press('Control+Shift+C');
    await expect.poll(() => clipboard(chat)).toBe(markdown);
    await chat.shortcutStatus.filter({ hasText: 'Copied the last reply.' }).waitFor();
    // The status line empties itself after a few seconds.
    await chat.shortcutStatus.waitFor({ state: 'detached', timeout: 10_000 });
    expect(s.errors).toEqual([]);
  });

  it('sends with Enter or Ctrl+Enter, and makes a new line with Shift+Enter, as listed', async () => {
    const chat = await ChatPage.open(s.page, s.app.url);
    await chat.messageBox.fill('line one');
    await chat.messageBox.press('Shift+Enter');
    await chat.messageBox.pressSequentially('line two');
    expect(await chat.messageBox.inputValue()).toBe('line one\nline two');
    await chat.messageBox.press('Control+Enter');
    await chat.message('You said: line one\nline two').waitFor();
    await chat.waitForLastReplyStatus('complete');
    await chat.messageBox.fill('by Enter');
    await chat.messageBox.press('Enter');
    await chat.message('You said: by Enter').waitFor();
    expect(await chat.description(chat.messageBox)).toContain('Ctrl+/ for shortcuts');
    expect(s.errors).toEqual([]);
  });
});
