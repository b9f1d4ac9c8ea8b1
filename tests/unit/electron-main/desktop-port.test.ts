import { beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_QUICK_SHORTCUT } from '../../../src-main/common/accelerator';
import { APP_COMMANDS } from '../../../src-main/common/app-commands';
import type { PushEvents } from '../../../src-main/common/contract';
import { ElectronDesktopPort } from '../../../src-main/electron-main/desktop-port';
import type { IpcPort } from '../../../src-main/electron-main/ipc-port';
import { DesktopController } from '../../../src-main/node/desktop/desktop-controller';
import { fake, resetFakeElectron, type FakeBrowserWindow } from './fake-electron';

// The Electron side of the desktop shell, against a fake `electron`: the menu and tray Electron is given really run
// what the templates say (a menu item sends the contract's `onMenuCommand`, the same command its button runs).
vi.mock('electron', async () => (await import('./fake-electron')).fakeElectron());

interface Item {
  label?: string;
  role?: string;
  type?: string;
  accelerator?: string;
  registerAccelerator?: boolean;
  enabled?: boolean;
  click?: () => void;
  submenu?: Item[];
}

function start(development = false) {
  const pushes: PushEvents[] = [];
  const attached: unknown[] = [];
  const ipcPort = { attach: (contents: unknown) => attached.push(contents) } as unknown as IpcPort;
  const port = new ElectronDesktopPort({
    context: { preloadPath: '/app/preload.cjs', packaged: !development, platform: 'linux' },
    trayIcon: '/app/tray-icon.png',
    dataDir: '/home/me/.config/Phi Desk',
    ipcPort,
    push: (event) => pushes.push(event),
  });
  const controller = new DesktopController(port, { appName: 'Phi Desk', development });
  port.attach(controller);
  controller.start({
    quickShortcut: DEFAULT_QUICK_SHORTCUT,
    quickShortcutEnabled: true,
    quickHideOnBlur: true,
    keepInTray: false,
    startAtLogin: false,
  });
  return { port, controller, pushes, attached };
}

function items(template: Item[]): Item[] {
  return template.flatMap((item) => (item.submenu ? items(item.submenu) : [item]));
}

beforeEach(() => resetFakeElectron());

describe('Electron desktop port', () => {
  it('every app item of the menu Electron gets sends its command to the chat window as onMenuCommand', async () => {
    const { pushes } = start();
    const template = fake.menus.at(-1) as Item[];
    const byLabel = new Map(items(template).map((item) => [item.label, item]));
    const expected: Record<string, string> = {
      'New chat': 'newChat',
      'Search conversations': 'focusSearch',
      'Keyboard shortcuts': 'showShortcuts',
      Settings: 'openSettings',
      'Export and import…': 'exportHistory',
    };
    expect(Object.values(expected).sort()).toEqual([...APP_COMMANDS].sort());
    for (const [label, command] of Object.entries(expected)) {
      const item = byLabel.get(label);
      expect(item?.click, label).toBeTypeOf('function');
      item?.click?.();
      await vi.waitFor(() => expect(pushes.at(-1)).toEqual({ type: 'onMenuCommand', command }));
    }
    // The chat window was opened for the first command and reused after.
    const chats = fake.windows.filter((window) => window.url.includes('index.html'));
    expect(chats).toHaveLength(1);
    // Items with roles are left to Electron; the global shortcut is shown, not registered again.
    expect(items(template).filter((item) => item.role !== undefined && item.click !== undefined)).toEqual([]);
    expect(byLabel.get('Quick prompt')).toMatchObject({ accelerator: DEFAULT_QUICK_SHORTCUT, registerAccelerator: false });
  });

  it('main-process items: Quick prompt toggles the quick window, the data folder opens in the file manager', () => {
    start();
    const byLabel = new Map(items(fake.menus.at(-1) as Item[]).map((item) => [item.label, item]));
    const quick = fake.windows.find((window) => window.url.endsWith('/quick.html')) as FakeBrowserWindow;
    byLabel.get('Quick prompt')?.click?.();
    expect(quick.visible).toBe(true);
    byLabel.get('Quick prompt')?.click?.();
    expect(quick.visible).toBe(false);
    byLabel.get('Open the data folder')?.click?.();
    expect(fake.shell.paths).toEqual(['/home/me/.config/Phi Desk']);
  });

  it('the registered global shortcut shows the quick window; the tray’s items do what they say', () => {
    const { attached } = start();
    const quick = fake.windows.find((window) => window.url.endsWith('/quick.html')) as FakeBrowserWindow;
    expect(attached).toContain(quick.webContents); // the quick window speaks the contract too
    fake.shortcuts.get(DEFAULT_QUICK_SHORTCUT)?.();
    expect(quick.visible).toBe(true);
    expect(quick.bounds).toMatchObject({ width: 640, x: 640 });
    const tray = (fake.trays[0]?.menu?.template ?? []) as Item[];
    expect(tray.map((item) => item.label ?? item.type)).toEqual([
      'Open Phi Desk',
      'Quick prompt',
      'Quick prompt from anywhere: Ctrl+Shift+Space',
      'separator',
      'Quit Phi Desk',
    ]);
    expect(tray[2]?.enabled).toBe(false);
    tray[1]?.click?.();
    expect(quick.visible).toBe(false);
    tray[4]?.click?.();
    expect(fake.app.quitCalls).toBe(1);
    expect(fake.shortcuts.size).toBe(0); // quitting gave the chord back
    expect(fake.trays[0]?.destroyed).toBe(true);
  });

  it('closing the quick window only hides it, until the app quits', () => {
    start();
    const quick = fake.windows.find((window) => window.url.endsWith('/quick.html')) as FakeBrowserWindow;
    let prevented = false;
    quick.emit('close', { preventDefault: () => (prevented = true) });
    expect(prevented).toBe(true);
    fake.app.emit('before-quit');
    prevented = false;
    quick.emit('close', { preventDefault: () => (prevented = true) });
    expect(prevented).toBe(false);
  });
});
