import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ChatPage } from './pages/chat-page';
import { ModelSetupPage } from './pages/model-setup-page';
import { useScriptedSession } from './support/scripted-session';

// Visual polish (issue 9): every dialog's and panel's main action looks like one (filled with the accent, or the
// danger colour for Delete) and its other buttons do not; the model panel's Quantization list is never cut off.
describe('how the window looks', () => {
  const s = useScriptedSession();

  // Page code as strings: the tests compile without the DOM's types.
  const background = (button: Locator): Promise<string> =>
    button.evaluate((b) => String(b.ownerDocument.defaultView?.getComputedStyle(b).backgroundColor));
  /** A custom property's colour as the page computes it, e.g. `rgb(63, 91, 208)` for `--accent`. */
  const colourOf = async (page: Page, property: string): Promise<string> =>
    String(
      await page.evaluate(`(() => {
        const probe = document.createElement('span');
        document.body.append(probe);
        probe.style.color = 'var(${property})';
        const colour = getComputedStyle(probe).color;
        probe.remove();
        return colour;
      })()`),
    );

  /** The main button is filled with `fill`; the secondary one has another background. */
  async function expectMainAction(main: Locator, secondary: Locator, fill: string): Promise<void> {
    expect(await background(main)).toBe(fill);
    expect(await background(secondary)).not.toBe(fill);
  }

  it('fills the main action of each dialog, and only that', async () => {
    const chat = await ChatPage.open(s.page, s.app.url);
    await chat.sendAndWaitForReply('Hello');
    const fill = await colourOf(s.page, '--accent');
    expect(fill).toMatch(/^rgb/);

    const history = await chat.openHistoryDialog();
    const close = history.getByRole('button', { name: 'Close', exact: true });
    await expectMainAction(history.getByRole('button', { name: 'Download', exact: true }), close, fill);
    await history.getByLabel('Files to import').setInputFiles([{ name: 'h.json', mimeType: 'application/json', buffer: Buffer.from('{}') }]);
    await expectMainAction(history.getByRole('button', { name: 'Import', exact: true }), close, fill);
    await close.click();
    await history.waitFor({ state: 'hidden' });

    await s.page.getByRole('button', { name: 'Settings', exact: true }).click();
    const settings = chat.dialog('Settings');
    await expectMainAction(settings.getByRole('button', { name: 'Save' }), settings.getByRole('button', { name: 'Cancel' }), fill);
    await settings.getByRole('button', { name: 'Cancel' }).click();
    await settings.waitFor({ state: 'hidden' });

    await s.page.getByRole('button', { name: 'Conversation settings' }).click();
    const options = chat.dialog('Conversation settings');
    await expectMainAction(options.getByRole('button', { name: 'Save' }), options.getByRole('button', { name: 'Cancel' }), fill);
    await options.getByRole('button', { name: 'Cancel' }).click();
    await options.waitFor({ state: 'hidden' });

    await chat.message('You said: Hello').hover();
    await chat.message('You said: Hello').getByRole('button', { name: 'Delete from here' }).click();
    const confirm = chat.dialog('Delete from here?');
    const danger = await colourOf(s.page, '--danger');
    await expectMainAction(confirm.getByRole('button', { name: 'Delete' }), confirm.getByRole('button', { name: 'Cancel' }), danger);
    await confirm.getByRole('button', { name: 'Cancel' }).click();

    // The model panel: Download and "Use this file" are its two main actions; Close is not.
    const setup = new ModelSetupPage(s.page);
    await setup.changeModelButton.click();
    const closePanel = setup.panel.getByRole('button', { name: 'Close' });
    await expectMainAction(setup.downloadButton, closePanel, fill);
    await expectMainAction(setup.useThisFileButton, closePanel, fill);
    expect(s.errors).toEqual([]);
  });

  it('shows the Quantization list whole, in a wide window and in the narrowest one', async () => {
    const chat = await ChatPage.open(s.page, s.app.url);
    await chat.waitForEngineReady();
    const setup = new ModelSetupPage(s.page);
    await setup.changeModelButton.click();
    await setup.quantization.waitFor();
    // 1100×760 is the desktop window's first size; 520 its narrowest (BrowserWindow minWidth).
    for (const width of [1400, 1100, 800, 700, 520]) {
      await s.page.setViewportSize({ width, height: 760 });
      for (const file of ['phi-2.Q4_K_M.gguf', 'phi-2.Q3_K_S.gguf', 'phi-2.Q8_0.gguf']) {
        await setup.quantization.selectOption(file);
        const room = await setup.quantizationRoom();
        expect(room.scrollWidth, `${width}px, ${file}`).toBeLessThanOrEqual(room.clientWidth);
        expect(room.needed, `${width}px, ${file}`).toBeLessThanOrEqual(room.width + 0.5);
      }
    }
    // What the shorter options leave out is said under the list, for the chosen one.
    await setup.quantization.selectOption('phi-2.Q2_K.gguf');
    expect(await chat.description(setup.quantization)).toBe('Smallest, significant quality loss.');
    expect(s.errors).toEqual([]);
  });
});
