import { readFile } from 'node:fs/promises';
import type { Locator, Page } from 'playwright-core';

/** One message as the user sees it. `status` is the message's state (`complete`, `streaming`, `stopped`, …). */
export interface ShownMessage {
  role: 'user' | 'assistant';
  status: string;
  text: string;
}

/**
 * The chat window, in the words a user would use: what is on screen and what can be done with it. Locators go by
 * role and accessible name, so a test breaks when the UI stops being usable, not when markup moves.
 */
export class ChatPage {
  constructor(readonly page: Page) {}

  /** Open the app at `url` (the browser host's URL, token included) and wait until it has loaded its state. */
  static async open(page: Page, url: string): Promise<ChatPage> {
    const chat = new ChatPage(page);
    await page.goto(url);
    await chat.waitUntilLoaded();
    return chat;
  }

  get messageBox(): Locator {
    return this.page.getByRole('textbox', { name: 'Message' });
  }

  get sendButton(): Locator {
    return this.page.getByRole('button', { name: 'Send', exact: true });
  }

  get stopButton(): Locator {
    return this.page.getByRole('button', { name: 'Stop', exact: true });
  }

  get newChatButton(): Locator {
    return this.page.getByRole('button', { name: 'New chat' });
  }

  get conversationList(): Locator {
    return this.page.getByRole('navigation', { name: 'Conversations' });
  }

  /**
   * The conversation buttons in the sidebar (the ones that open a conversation, named by its title), in the order
   * shown; each row's other button is its options menu ("Options for …").
   */
  get conversations(): Locator {
    return this.conversationList.getByRole('listitem').getByRole('button', { name: /^(?!Options for )/ });
  }

  /** The conversation marked as the open one (`aria-current`). */
  get currentConversation(): Locator {
    return this.conversations.and(this.page.locator('[aria-current="true"]'));
  }

  get messageItems(): Locator {
    return this.page.getByRole('list', { name: 'Messages', exact: true }).getByRole('listitem');
  }

  /** Replies only (each message is labelled by its author: "You" or "Phi"). */
  get replies(): Locator {
    return this.page.getByRole('listitem', { name: 'Phi', exact: true });
  }

  /**
   * The engine status line. The window has a second status region, the shortcuts' one, which is empty except for
   * a few seconds after a shortcut (its sentences are all about the reply: "Copied the last reply.").
   */
  get engineStatus(): Locator {
    return this.page.getByRole('status').filter({ hasText: /\S/ }).filter({ hasNotText: /reply/ });
  }

  /** The short status line that says what a shortcut did ("Copied the last reply."). */
  get shortcutStatus(): Locator {
    return this.page.getByRole('status').filter({ hasText: /reply/ });
  }

  /** The empty new chat's welcome ("Ask Phi anything. It runs on this computer, …"). */
  get welcome(): Locator {
    return this.page.getByText(/^Ask Phi anything\. It runs on this computer/);
  }

  /** The model panel of a first run (no model yet), or while one chosen there loads. */
  get firstRunPanel(): Locator {
    return this.page.getByRole('region', { name: /Choose a model to start|Loading the model/ });
  }

  /** Errors and the connection banner. */
  get alerts(): Locator {
    return this.page.getByRole('alert');
  }

  /** Loaded: the message box is there — or, with no model yet, the model panel instead (it has no message box). */
  async waitUntilLoaded(): Promise<void> {
    await this.messageBox.or(this.firstRunPanel).first().waitFor();
    await this.engineStatus.filter({ hasNotText: 'Connecting…' }).waitFor();
  }

  async waitForEngineReady(timeout = 60_000): Promise<void> {
    await this.page.getByRole('status').filter({ hasText: /· ready/ }).waitFor({ timeout });
  }

  async newChat(): Promise<void> {
    await this.newChatButton.click();
  }

  /** Open a conversation from the sidebar by its title. */
  async openConversation(title: string): Promise<void> {
    await this.conversationList.getByRole('button', { name: title, exact: true }).click();
  }

  /** Type `text` and press Send. */
  async send(text: string): Promise<void> {
    await this.messageBox.fill(text);
    await this.sendButton.click();
  }

  /**
   * Send `text` and wait for the reply to it to reach `status`. Safer than `send` + `waitForLastReplyStatus`, which
   * can see the previous reply (already complete) before the new one appears.
   */
  async sendAndWaitForReply(text: string, status = 'complete', timeout = 30_000): Promise<void> {
    const before = await this.replies.count();
    await this.send(text);
    await this.replies.nth(before).and(this.page.locator(`[data-status="${status}"]`)).waitFor({ timeout });
  }

  /** Type `text` and press Enter. */
  async sendWithEnter(text: string): Promise<void> {
    await this.messageBox.fill(text);
    await this.messageBox.press('Enter');
  }

  async stop(): Promise<void> {
    await this.stopButton.click();
  }

  /**
   * Every message shown, oldest first. The text is what the reader sees (`innerText`: rendered Markdown, line breaks
   * as laid out); a row the virtual list has not shown yet (hidden while it is measured) gives its text content.
   */
  async messages(): Promise<ShownMessage[]> {
    return this.messageItems.evaluateAll((items) =>
      items.map((item) => {
        // (The page's DOM types are not in the tests' compilation: the parts used, by shape.)
        const body = item.querySelector('.text') as unknown as { innerText: string; textContent: string | null } | null;
        const shown = body?.innerText ?? '';
        return {
          role: item.getAttribute('data-role') as 'user' | 'assistant',
          status: item.getAttribute('data-status') ?? '',
          text: (shown !== '' ? shown : (body?.textContent ?? '')).trim(),
        };
      }),
    );
  }

  /** The text of the last reply as shown right now. */
  async lastReplyText(): Promise<string> {
    return this.replies.last().locator('.text').innerText();
  }

  /** The body of a message: its rendered Markdown (headings, lists, tables, code blocks, formulas …). */
  body(message: Locator): Locator {
    return message.locator('.text');
  }

  /** Wait until the last reply is in `status` (e.g. `stopped`, `complete`). */
  async waitForLastReplyStatus(status: string, timeout = 30_000): Promise<void> {
    await this.replies.last().and(this.page.locator(`[data-status="${status}"]`)).waitFor({ timeout });
  }

  // ---- conversation list ----

  /** The options button of a conversation in the sidebar (it opens its menu). */
  conversationOptions(title: string): Locator {
    return this.conversationList.getByRole('button', { name: `Options for ${title}`, exact: true });
  }

  /** The open options menu of a conversation (a popover over the list, outside its rows). */
  conversationMenu(title: string): Locator {
    return this.page.getByRole('menu', { name: `Options for ${title}`, exact: true });
  }

  /** Open the options of a conversation in the sidebar and choose one of them (`Pin`, `Archive`, `Delete`, …). */
  async conversationAction(title: string, action: string): Promise<void> {
    await this.conversationOptions(title).click();
    await this.conversationMenu(title).getByRole('menuitem', { name: action, exact: true }).click();
  }

  /** The heading of a date group in the sidebar ("Today", "Previous 7 days", "November 2025", …). */
  groupHeading(name: string): Locator {
    return this.conversationList.getByRole('heading', { name, exact: true });
  }

  /** The group headings and conversation titles of the sidebar rows in the page, in order (`# Today` for a heading). */
  async sidebarRows(): Promise<string[]> {
    return this.conversationList.locator('li').evaluateAll((items) =>
      items
        .map((item) => ({ item, top: item.getBoundingClientRect().top }))
        .sort((a, b) => a.top - b.top)
        .map(({ item }) => {
          const heading = item.querySelector('h2, h3');
          // The row's button that opens the conversation: the one without a menu.
          const open = item.querySelector('button:not([aria-haspopup])');
          return heading ? `# ${heading.textContent ?? ''}` : (open?.textContent ?? '');
        }),
    );
  }

  /** The "Deleted “title”" toast with its Undo button. */
  deletedToast(title: string): Locator {
    return this.page.getByRole('group', { name: `Deleted “${title}”`, exact: true });
  }

  /** The splitter between the sidebar and the chat (drag it, or focus it and use the arrow keys). */
  get sidebarSplitter(): Locator {
    return this.page.getByRole('separator', { name: 'Sidebar width' });
  }

  /** The "Archived" toggle at the foot of the sidebar. */
  get archivedToggle(): Locator {
    return this.conversationList.getByRole('button', { name: /^Archived/ });
  }

  // ---- export and import ----

  /** The "Export and import" dialog. */
  get historyDialog(): Locator {
    return this.dialog('Export and import');
  }

  /** Open the dialog from the sidebar's "Export all…" (or "Import…"). */
  async openHistoryDialog(from: 'Export all…' | 'Import…' = 'Export all…'): Promise<Locator> {
    await this.conversationList.getByRole('button', { name: from, exact: true }).click();
    await this.historyDialog.waitFor();
    return this.historyDialog;
  }

  /**
   * Export as the browser host does it: press Download and take the browser's download. Resolves with the file's
   * suggested name and its text once it is saved to `saveAs`.
   */
  async downloadExport(saveAs: string): Promise<{ name: string; text: string }> {
    const download = this.page.waitForEvent('download');
    await this.historyDialog.getByRole('button', { name: 'Download', exact: true }).click();
    const done = await download;
    await done.saveAs(saveAs);
    return { name: done.suggestedFilename(), text: await readFile(saveAs, 'utf8') };
  }

  /** Import files through the dialog's file input (the browser uploads them) and wait for the outcome. */
  async importFiles(files: string[] | Array<{ name: string; mimeType: string; buffer: Buffer }>): Promise<Locator> {
    const dialog = await this.openHistoryDialog('Import…');
    await dialog.getByLabel('Files to import').setInputFiles(files);
    await dialog.getByRole('button', { name: 'Import', exact: true }).click();
    return dialog;
  }

  /** The open confirmation dialog (e.g. "Delete conversation?"). */
  dialog(name: string): Locator {
    return this.page.getByRole('dialog', { name, exact: true });
  }

  // ---- search ----

  get searchBox(): Locator {
    return this.page.getByRole('searchbox', { name: 'Search conversations' });
  }

  get searchResults(): Locator {
    return this.page.getByRole('region', { name: 'Search results' });
  }

  /** Message hits, best first. */
  get messageHits(): Locator {
    return this.searchResults.getByRole('list', { name: 'Matching messages' }).getByRole('button');
  }

  get titleHits(): Locator {
    return this.searchResults.getByRole('list', { name: 'Matching conversations' }).getByRole('button');
  }

  async search(query: string): Promise<void> {
    await this.searchBox.fill(query);
  }

  // ---- messages ----

  /**
   * The message (list item) whose text is `text` (or matches a pattern). Whitespace is matched loosely: the message
   * is rendered Markdown, where a line break is an element, not a character.
   */
  message(text: string | RegExp): Locator {
    const escape = (word: string): string => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const pattern =
      typeof text === 'string' ? new RegExp(`^\\s*${text.trim().split(/\s+/).map(escape).join('\\s*')}\\s*$`) : text;
    return this.messageItems.filter({ has: this.page.locator('.text', { hasText: pattern }) });
  }

  /** The "‹ 2/3 ›" switcher of a message. */
  versions(message: Locator): Locator {
    return message.getByRole('group', { name: 'Versions' });
  }

  /** The inline editor of the message being edited (its text is in the box, not shown as text, meanwhile). */
  get editor(): Locator {
    return this.messageItems.filter({ has: this.page.getByRole('textbox', { name: 'Edit message' }) });
  }

  /** Edit a user message and resend it. */
  async editAndResend(message: Locator, text: string): Promise<void> {
    await message.getByRole('button', { name: 'Edit', exact: true }).click();
    await this.editor.getByRole('textbox', { name: 'Edit message' }).fill(text);
    await this.editor.getByRole('button', { name: 'Save and send' }).click();
  }

  /** The per-reply figures under a finished reply (tokens, tokens/s, time to first token, why it ended). */
  stats(message: Locator): Locator {
    return message.getByRole('note', { name: 'Reply figures' });
  }

  /** The model that wrote a finished reply, as shown under it (issue 15). */
  replyModel(message: Locator): Locator {
    return message.getByTitle('The model that wrote this reply');
  }

  /** The header's picker of the model answering the open conversation (shown once a server is added; issue 15). */
  get modelPicker(): Locator {
    return this.page.getByRole('combobox', { name: 'Model', exact: true });
  }

  /** The scrolling area of the messages. */
  get scroller(): Locator {
    return this.page.getByRole('region', { name: 'Message history' });
  }

  // ---- focus and descriptions ----

  /** Whether keyboard focus is on this element. */
  async isFocused(locator: Locator): Promise<boolean> {
    return locator.evaluate((element) => element.matches(':focus'));
  }

  /** The text of the elements that describe this one (`aria-describedby`), as a screen reader reads them. */
  async description(locator: Locator): Promise<string> {
    const ids = (await locator.getAttribute('aria-describedby'))?.split(/\s+/).filter(Boolean) ?? [];
    const texts = await Promise.all(ids.map((id) => this.page.locator(`[id="${id}"]`).textContent()));
    return texts.join(' ');
  }
}
