import type { Locator, Page } from 'playwright-core';

/** The model panel (first run, or "Change model"), in the words a user would read. */
export class ModelSetupPage {
  constructor(readonly page: Page) {}

  get panel(): Locator {
    return this.page.getByRole('region', { name: /Choose a model to start|Loading the model|Change the model/ });
  }

  get firstRunHeading(): Locator {
    return this.page.getByRole('heading', { name: 'Choose a model to start' });
  }

  get pathField(): Locator {
    return this.page.getByLabel('Full path of a .gguf model file');
  }

  get useThisFileButton(): Locator {
    return this.page.getByRole('button', { name: 'Use this file' });
  }

  get quantization(): Locator {
    return this.page.getByLabel('Quantization');
  }

  /**
   * How much room the Quantization list's shown option has: its scroll and client widths, and the width the list
   * would take to show its longest option (`needed`: a copy of it laid out at `max-content`) against its own `width`.
   * A `<select>` never scrolls, so for it scrollWidth equals clientWidth even when its text is cut off: only
   * `needed <= width` tells.
   */
  async quantizationRoom(): Promise<{ scrollWidth: number; clientWidth: number; needed: number; width: number }> {
    return this.quantization.evaluate((select) => {
      const copy = select.cloneNode(true) as typeof select;
      copy.removeAttribute('id');
      copy.style.position = 'absolute';
      copy.style.width = 'max-content';
      copy.style.maxWidth = 'none';
      select.parentElement?.append(copy);
      const needed = copy.getBoundingClientRect().width;
      copy.remove();
      const width = select.getBoundingClientRect().width;
      return { scrollWidth: select.scrollWidth, clientWidth: select.clientWidth, needed, width };
    });
  }

  get downloadButton(): Locator {
    return this.page.getByRole('button', { name: 'Download', exact: true });
  }

  /** The panel's error, in words. */
  get problem(): Locator {
    return this.panel.getByRole('alert');
  }

  /** One download's entry, by file name. */
  download(file: string): Locator {
    return this.page.getByRole('list', { name: 'Downloads' }).getByRole('listitem', { name: file });
  }

  get changeModelButton(): Locator {
    return this.page.getByRole('button', { name: 'Change model' });
  }

  /** Type a path and press "Use this file". */
  async useFile(path: string): Promise<void> {
    await this.pathField.fill(path);
    await this.useThisFileButton.click();
  }
}
