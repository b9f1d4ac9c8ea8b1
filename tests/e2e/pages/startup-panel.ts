import type { Locator, Page } from 'playwright-core';

/**
 * The start-up panel: the whole window while the conversations open (an update over every message, a recovery), in
 * the words a user would use — what it says it is doing, how far its bar is, what it offers to press (nothing).
 */
export class StartupPanel {
  constructor(readonly page: Page) {}

  /** The panel itself (the window's main region while the conversations open). */
  get region(): Locator {
    return this.page.getByRole('main', { name: 'Opening your conversations' });
  }

  /** The bar of the work under way. */
  get bar(): Locator {
    return this.region.getByRole('progressbar', { name: 'Start-up progress' });
  }

  /** The sentence saying what is being done ("Updating the database: 1,200 of 24,000 messages"). */
  step(text: RegExp): Locator {
    return this.region.getByText(text);
  }

  /** What the user could press in it. */
  get buttons(): Locator {
    return this.region.getByRole('button');
  }

  /** How far the bar is, 0..1; `null` while it moves without a figure (or is not shown). */
  async barValue(): Promise<number | null> {
    if ((await this.bar.count()) === 0) return null;
    // An indeterminate <progress> has position -1.
    return this.bar.evaluate((bar) => {
      const progress = bar as unknown as { position: number; value: number };
      return progress.position < 0 ? null : progress.value;
    }).catch(() => null);
  }
}
