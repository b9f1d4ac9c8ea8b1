import type { PushEvents } from '../../../../src-main/common/contract';
import type { MenuEntry } from '../../../../src-main/node/desktop/app-menu';
import type { DesktopPort, Rect } from '../../../../src-main/node/desktop/desktop-port';
import type { TrayEntry } from '../../../../src-main/node/desktop/tray-menu';

/**
 * A {@link DesktopPort} that keeps what the controller asked of it: which chords are registered (and which the
 * "system" refuses, as another program holding them would make it), where the quick window is and whether it shows,
 * the chat window, the tray, the menu, every push. Its fields are the state a user would see.
 */
export class FakeDesktopPort implements DesktopPort {
  /** Chords another program holds: registering them fails, as Electron's `register` returns false. */
  readonly taken = new Set<string>();
  /** Chords registered now, with what pressing them does. */
  readonly shortcuts = new Map<string, () => void>();
  readonly pushes: PushEvents[] = [];
  /** Every call, in order, for assertions about order (e.g. register before unregister). */
  readonly calls: string[] = [];
  quickCreated = 0;
  quickVisible = false;
  quickBounds: Rect | null = null;
  quickBlur: (() => void) | null = null;
  focusReturned = 0;
  mainOpen = false;
  mainFocused = false;
  /** The conversation each new chat window was opened on (`undefined`: none). */
  readonly mainOpenedOn: (string | undefined)[] = [];
  mainShown = 0;
  tray: TrayEntry[] | null = null;
  trayAvailable = true;
  menu: MenuEntry[] | null = null;
  loginItem: boolean | null = null;
  loginSupported = true;
  clipboard = '';
  dataFolderOpened = 0;
  logsShown = 0;
  quitCalled = 0;
  /** The display under the mouse pointer. */
  workArea: Rect = { x: 0, y: 0, width: 1920, height: 1040 };

  constructor(readonly platform: string = 'linux') {}

  registerShortcut(accelerator: string, onPress: () => void): boolean {
    this.calls.push(`register ${accelerator}`);
    if (this.taken.has(accelerator) || this.shortcuts.has(accelerator)) return false;
    this.shortcuts.set(accelerator, onPress);
    return true;
  }

  unregisterShortcut(accelerator: string): void {
    this.calls.push(`unregister ${accelerator}`);
    this.shortcuts.delete(accelerator);
  }

  /** The user presses a chord anywhere on the system. */
  press(accelerator: string): void {
    const handler = this.shortcuts.get(accelerator);
    if (!handler) throw new Error(`${accelerator} is not registered`);
    handler();
  }

  createQuickWindow(onBlur: () => void): void {
    this.quickCreated++;
    this.quickBlur = onBlur;
  }

  showQuick(bounds: Rect): void {
    this.quickBounds = bounds;
    this.quickVisible = true;
  }

  hideQuick(): void {
    this.quickVisible = false;
  }

  isQuickVisible(): boolean {
    return this.quickVisible;
  }

  setQuickHeight(height: number): void {
    if (this.quickBounds) this.quickBounds = { ...this.quickBounds, height };
  }

  cursorWorkArea(): Rect {
    return this.workArea;
  }

  returnFocus(): void {
    this.focusReturned++;
  }

  isMainWindowOpen(): boolean {
    return this.mainOpen;
  }

  isMainWindowFocused(): boolean {
    return this.mainOpen && this.mainFocused;
  }

  showMainWindow(conversationId?: string): Promise<void> {
    if (!this.mainOpen) {
      this.mainOpen = true;
      this.mainOpenedOn.push(conversationId);
    }
    this.mainShown++;
    return Promise.resolve();
  }

  setTray(entries: TrayEntry[]): boolean {
    if (!this.trayAvailable) return false;
    this.tray = entries;
    return true;
  }

  removeTray(): void {
    this.tray = null;
  }

  setMenu(entries: MenuEntry[]): void {
    this.menu = entries;
  }

  loginItemSupported(): boolean {
    return this.loginSupported;
  }

  setLoginItem(openAtLogin: boolean): void {
    this.loginItem = openAtLogin;
  }

  readClipboard(): Promise<string> {
    return Promise.resolve(this.clipboard);
  }

  push(event: PushEvents): void {
    this.pushes.push(event);
  }

  openDataFolder(): void {
    this.dataFolderOpened++;
  }

  showLogs(): void {
    this.logsShown++;
  }

  quit(): void {
    this.quitCalled++;
  }
}
