import {
  app,
  clipboard,
  globalShortcut,
  Menu,
  nativeImage,
  screen,
  shell,
  Tray,
  type BrowserWindow,
  type MenuItemConstructorOptions,
} from 'electron';
import type { PushEvents } from '../common/contract';
import type { MenuEntry } from '../node/desktop/app-menu';
import type { DesktopController } from '../node/desktop/desktop-controller';
import type { DesktopPort, Rect } from '../node/desktop/desktop-port';
import type { TrayEntry } from '../node/desktop/tray-menu';
import type { IpcPort } from './ipc-port';
import { createChatWindow, createQuickWindow, type WindowContext } from './windows';
import { logFileFor } from '../node/logs/app-log';

export interface ElectronDesktopOptions {
  context: WindowContext;
  /** The tray icon (a PNG; resized to the tray's size). */
  trayIcon: string;
  dataDir: string;
  /** Serves the contract to each window this port opens. */
  ipcPort: IpcPort;
  /** Every push event goes through the composed app, so every window gets it. */
  push(event: PushEvents): void;
}

/**
 * The {@link DesktopPort} in Electron: thin calls to `globalShortcut`, `BrowserWindow`, `Tray`, `screen`, `clipboard`,
 * `Menu` and `app`. All the decisions are the controller's (`src-main/node/desktop/desktop-controller.ts`), which is
 * tested under Node; this file only translates.
 */
export class ElectronDesktopPort implements DesktopPort {
  readonly platform = process.platform;
  readonly #options: ElectronDesktopOptions;
  #controller: DesktopController | undefined;
  #main: BrowserWindow | undefined;
  #mainLoaded: Promise<void> | undefined;
  #quick: BrowserWindow | undefined;
  #tray: Tray | undefined;
  /** Set once the app is quitting: from then on closing the quick window really closes it. */
  #quitting = false;
  /** Told when the chat window closes (the controller decides whether the app keeps running). */
  onMainClosed: () => void = () => {};

  constructor(options: ElectronDesktopOptions) {
    this.#options = options;
    app.on('before-quit', () => (this.#quitting = true));
  }

  /** The chat window, when open (file dialogs attach to it). */
  get mainWindow(): BrowserWindow | undefined {
    return this.isMainWindowOpen() ? this.#main : undefined;
  }

  /** The controller whose menu and tray actions this port runs. */
  attach(controller: DesktopController): void {
    this.#controller = controller;
  }

  registerShortcut(accelerator: string, onPress: () => void): boolean {
    try {
      return globalShortcut.register(accelerator, onPress);
    } catch {
      return false; // an accelerator Electron cannot parse on this platform
    }
  }

  unregisterShortcut(accelerator: string): void {
    globalShortcut.unregister(accelerator);
  }

  createQuickWindow(onBlur: () => void): void {
    const window = createQuickWindow(this.#options.context);
    this.#options.ipcPort.attach(window.webContents);
    window.on('blur', onBlur);
    // The quick window lives as long as the app: closing it (Alt+F4) only hides it.
    window.on('close', (event) => {
      if (!this.#quitting) {
        event.preventDefault();
        window.hide();
      }
    });
    this.#quick = window;
  }

  showQuick(bounds: Rect): void {
    const window = this.#quick;
    if (!window || window.isDestroyed()) return;
    window.setBounds(bounds);
    window.show();
    window.focus();
    window.webContents.focus();
  }

  hideQuick(): void {
    this.#quick?.hide();
  }

  isQuickVisible(): boolean {
    return this.#quick?.isVisible() ?? false;
  }

  setQuickHeight(height: number): void {
    const window = this.#quick;
    if (!window || window.isDestroyed()) return;
    const [width = 0] = window.getSize();
    window.setSize(width, height);
  }

  cursorWorkArea(): Rect {
    return screen.getDisplayNearestPoint(screen.getCursorScreenPoint()).workArea;
  }

  returnFocus(): void {
    if (process.platform === 'darwin') app.hide();
  }

  isMainWindowOpen(): boolean {
    return this.#main !== undefined && !this.#main.isDestroyed();
  }

  isMainWindowFocused(): boolean {
    return this.isMainWindowOpen() && (this.#main?.isFocused() ?? false);
  }

  showMainWindow(conversationId?: string): Promise<void> {
    if (!this.isMainWindowOpen()) {
      const window = createChatWindow(this.#options.context, conversationId);
      this.#options.ipcPort.attach(window.webContents);
      this.#mainLoaded = new Promise((resolve) => window.webContents.once('did-finish-load', () => resolve()));
      window.on('closed', () => {
        this.#main = undefined;
        if (!this.#quitting) this.onMainClosed();
      });
      this.#main = window;
    }
    const window = this.#main;
    if (window) {
      if (window.isMinimized()) window.restore();
      window.show();
      window.focus();
    }
    return this.#mainLoaded ?? Promise.resolve();
  }

  setTray(entries: TrayEntry[]): boolean {
    try {
      if (!this.#tray) {
        const icon = nativeImage.createFromPath(this.#options.trayIcon);
        const size = process.platform === 'darwin' ? 16 : 22;
        this.#tray = new Tray(icon.isEmpty() ? icon : icon.resize({ width: size, height: size }));
        this.#tray.setToolTip('Phi Desk');
      }
      this.#tray.setContextMenu(Menu.buildFromTemplate(entries.map((entry) => this.#trayItem(entry))));
      return true;
    } catch {
      return false; // no tray on this desktop
    }
  }

  removeTray(): void {
    this.#tray?.destroy();
    this.#tray = undefined;
  }

  setMenu(entries: MenuEntry[]): void {
    Menu.setApplicationMenu(Menu.buildFromTemplate(entries.map((entry) => this.#menuItem(entry))));
  }

  loginItemSupported(): boolean {
    return process.platform === 'darwin' || process.platform === 'win32';
  }

  setLoginItem(openAtLogin: boolean): void {
    app.setLoginItemSettings({ openAtLogin });
  }

  readClipboard(): Promise<string> {
    return clipboard.readText();
  }

  push(event: PushEvents): void {
    this.#options.push(event);
  }

  openDataFolder(): void {
    void shell.openPath(this.#options.dataDir);
  }

  showLogs(): void {
    shell.showItemInFolder(logFileFor(this.#options.dataDir));
  }

  quit(): void {
    app.quit();
  }

  #trayItem(entry: TrayEntry): MenuItemConstructorOptions {
    if (entry.kind === 'separator') return { type: 'separator' };
    if (entry.kind === 'text') return { label: entry.label, enabled: false };
    const { action } = entry;
    return { label: entry.label, click: () => this.#controller?.runTrayAction(action) };
  }

  #menuItem(entry: MenuEntry): MenuItemConstructorOptions {
    if (entry.separator) return { type: 'separator' };
    const item: MenuItemConstructorOptions = {};
    if (entry.label !== undefined) item.label = entry.label;
    if (entry.role !== undefined) item.role = entry.role;
    if (entry.accelerator !== undefined) item.accelerator = entry.accelerator;
    if (entry.registerAccelerator !== undefined) item.registerAccelerator = entry.registerAccelerator;
    if (entry.submenu) item.submenu = entry.submenu.map((child) => this.#menuItem(child));
    const { command, action } = entry;
    if (command !== undefined) item.click = () => void this.#controller?.sendCommand(command);
    if (action !== undefined) item.click = () => this.#controller?.runMenuAction(action);
    return item;
  }
}
