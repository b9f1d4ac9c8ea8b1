import type { Locator, Page } from 'playwright-core';

/**
 * The quick prompt (`/quick`), in the words a user would use. Locators go by role and accessible name, like
 * {@link ChatPage}'s.
 */
export class QuickPage {
  constructor(readonly page: Page) {}

  /** The quick prompt's URL for a browser host URL (token kept). */
  static url(appUrl: string): string {
    const url = new URL(appUrl);
    url.pathname = '/quick';
    return url.toString();
  }

  /** Open the quick prompt of the host at `appUrl` and wait until it is connected. */
  static async open(page: Page, appUrl: string): Promise<QuickPage> {
    const quick = new QuickPage(page);
    await page.goto(QuickPage.url(appUrl));
    await quick.box.waitFor();
    await quick.page.getByText(/· ready$/).waitFor();
    return quick;
  }

  get box(): Locator {
    return this.page.getByRole('textbox', { name: 'Ask Phi' });
  }

  /** The question and its answer, once asked (`data-status` is the answer's state). */
  get answer(): Locator {
    return this.page.getByRole('region', { name: 'Answer' });
  }

  get answerText(): Locator {
    return this.answer.locator('.text');
  }

  /** The answer as the user reads it (rendered Markdown: the text without markup, as laid out). */
  async shownAnswer(): Promise<string> {
    return (await this.answerText.innerText()).trim();
  }

  get copyButton(): Locator {
    return this.page.getByRole('button', { name: 'Copy answer' });
  }

  get continueButton(): Locator {
    return this.page.getByRole('button', { name: 'Continue in Phi Desk' });
  }

  get stopButton(): Locator {
    return this.page.getByRole('button', { name: 'Stop', exact: true });
  }

  /** The clipboard text attached as context. */
  get clipboardChip(): Locator {
    return this.page.getByRole('group', { name: 'Clipboard text' });
  }

  /** A quick action on the clipboard text (`Explain`, `Summarize`, `Fix grammar`). */
  action(name: string): Locator {
    return this.page.getByRole('group', { name: 'Quick actions' }).getByRole('button', { name, exact: true });
  }

  get translateTo(): Locator {
    return this.page.getByRole('combobox', { name: 'Translate to…' });
  }

  /** What the page says when it was hidden (a browser tab cannot be hidden by the app). */
  get hiddenNotice(): Locator {
    return this.page.getByRole('status').filter({ hasText: 'The quick prompt is hidden.' });
  }

  /** The short line saying what just happened ("Copied the answer."), and the queue notice. */
  status(text: string | RegExp): Locator {
    return this.page.getByRole('status').filter({ hasText: text });
  }

  /** Whether the caret is in the question box. */
  async isFocusedBox(): Promise<boolean> {
    return this.box.evaluate((element) => element.matches(':focus'));
  }

  /** Type a question and press Enter. */
  async ask(text: string): Promise<void> {
    await this.box.fill(text);
    await this.box.press('Enter');
  }

  /** Wait until the answer is in `status` (`streaming`, `complete`, `stopped` …). */
  async waitForAnswer(status = 'complete', timeout = 30_000): Promise<void> {
    await this.answer.and(this.page.locator(`[data-status="${status}"]`)).waitFor({ timeout });
  }
}
