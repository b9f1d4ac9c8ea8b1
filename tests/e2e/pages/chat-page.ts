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

  /** The conversation buttons in the sidebar, most recent first. */
  get conversations(): Locator {
    return this.conversationList.getByRole('listitem').getByRole('button');
  }

  /** The conversation marked as the open one (`aria-current`). */
  get currentConversation(): Locator {
    return this.conversations.and(this.page.locator('[aria-current="true"]'));
  }

  get messageItems(): Locator {
    return this.page.getByRole('list', { name: 'Messages' }).getByRole('listitem');
  }

  /** Replies only (each message is labelled by its author: "You" or "Phi"). */
  get replies(): Locator {
    return this.page.getByRole('listitem', { name: 'Phi', exact: true });
  }

  /** The engine status line. */
  get engineStatus(): Locator {
    return this.page.getByRole('status');
  }

  /** Errors and the connection banner. */
  get alerts(): Locator {
    return this.page.getByRole('alert');
  }

  async waitUntilLoaded(): Promise<void> {
    await this.messageBox.waitFor();
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

  /** Type `text` and press Enter. */
  async sendWithEnter(text: string): Promise<void> {
    await this.messageBox.fill(text);
    await this.messageBox.press('Enter');
  }

  async stop(): Promise<void> {
    await this.stopButton.click();
  }

  /** Every message shown, oldest first. */
  async messages(): Promise<ShownMessage[]> {
    return this.messageItems.evaluateAll((items) =>
      items.map((item) => ({
        role: item.getAttribute('data-role') as 'user' | 'assistant',
        status: item.getAttribute('data-status') ?? '',
        text: item.querySelector('.text')?.textContent ?? '',
      })),
    );
  }

  /** The text of the last reply as shown right now. */
  async lastReplyText(): Promise<string> {
    return (await this.replies.last().locator('.text').textContent()) ?? '';
  }

  /** Wait until the last reply is in `status` (e.g. `stopped`, `complete`). */
  async waitForLastReplyStatus(status: string, timeout = 30_000): Promise<void> {
    await this.replies.last().and(this.page.locator(`[data-status="${status}"]`)).waitFor({ timeout });
  }
}
