import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron, type ElectronApplication } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findElectronBinary } from './electron-binary';

// The desktop app itself, in Electron: launch, main window, the quick window shown and hidden by the desktop
// controller (through the same paths as `phi-desk --quick` and the menu), quit. It needs the Electron binary, which
// cannot be downloaded everywhere (CI installs with ELECTRON_SKIP_BINARY_DOWNLOAD=1): without it the whole block is
// skipped, and its title says why, so the summary shows it.
const binary = findElectronBinary();
const root = fileURLToPath(new URL('../..', import.meta.url));
const title = binary.found ? 'Electron app (smoke)' : `Electron app (smoke) — skipped: ${binary.reason}`;
if (!binary.found) console.warn(`[electron smoke test] skipped: ${binary.reason}`);

interface WindowInfo {
  url: string;
  visible: boolean;
}

describe.skipIf(!binary.found)(title, () => {
  let app: ElectronApplication | undefined;
  let dataDir = '';

  beforeAll(() => {
    // The bundles, the renderer and better-sqlite3 built for Electron's ABI, as `npm start` prepares them.
    execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
    execFileSync('npx', ['tsx', 'scripts/prepare-electron-native.ts'], { cwd: root, stdio: 'inherit' });
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'phi-desk-electron-'));
  }, 600_000);

  afterAll(async () => {
    await app?.close().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  });

  const windows = (): Promise<WindowInfo[]> =>
    app!.evaluate(({ BrowserWindow }) =>
      BrowserWindow.getAllWindows().map((window) => ({ url: window.webContents.getURL(), visible: window.isVisible() })),
    );
  const quickWindow = async (): Promise<WindowInfo | undefined> => (await windows()).find((w) => w.url.endsWith('/quick.html'));

  it('launches with its chat window, toggles the quick window through the controller, and quits cleanly', async () => {
    if (!binary.found) return;
    app = await _electron.launch({
      executablePath: binary.path,
      args: [root],
      cwd: root,
      env: { ...process.env, PHI_DESK_DATA_DIR: dataDir },
    });
    const chat = await app.firstWindow();
    await chat.waitForLoadState('domcontentloaded');
    await expect.poll(() => chat.title()).toBe('Phi Desk');
    expect(chat.url()).toBe('phi-desk://app/index.html');
    // The model panel (no model on a fresh data folder) or the message box: the renderer is up and talking to main.
    await chat.getByRole('region', { name: /Choose a model to start/ }).or(chat.getByRole('textbox', { name: 'Message' })).first().waitFor();

    // The quick window exists from the start, hidden, so it appears at once.
    await expect.poll(quickWindow).toMatchObject({ visible: false });

    // `phi-desk --quick` from a second launch reaches the controller through second-instance and shows it.
    await app.evaluate(({ app: electronApp }) => {
      electronApp.emit('second-instance', {}, ['phi-desk', '--quick'], process.cwd());
    });
    await expect.poll(quickWindow).toMatchObject({ visible: true });

    // The menu's "Quick prompt" toggles it (the same controller call as the global shortcut).
    const clickQuickItem = () =>
      app!.evaluate(({ Menu }) => {
        const file = Menu.getApplicationMenu()?.items.find((item) => item.label === 'File');
        file?.submenu?.items.find((item) => item.label === 'Quick prompt')?.click();
      });
    await clickQuickItem();
    await expect.poll(quickWindow).toMatchObject({ visible: false });
    await clickQuickItem();
    await expect.poll(quickWindow).toMatchObject({ visible: true });

    // Its page is the quick prompt, connected to the app.
    const quickPage = app.windows().find((page) => page.url().endsWith('/quick.html'));
    await quickPage?.getByRole('textbox', { name: 'Ask Phi' }).waitFor();

    // Quit: the process ends (engine disposed, database closed, shortcut given back).
    const closed = new Promise<void>((resolve) => app!.process().once('exit', () => resolve()));
    await app.evaluate(({ app: electronApp }) => electronApp.quit());
    await closed;
    app = undefined;
  }, 240_000);
});
