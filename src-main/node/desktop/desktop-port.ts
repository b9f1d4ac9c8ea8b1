import type { PushEvents } from '../../common/contract';
import type { MenuEntry } from './app-menu';
import type { TrayEntry } from './tray-menu';

/** A rectangle in screen coordinates (Electron's `Rectangle`). */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Everything the desktop controller needs from Electron, and nothing more: a small port so the controller is plain
 * code, tested under Node with a fake (tests/unit/node/desktop), while `src-main/electron-main/desktop-port.ts`
 * implements it with `globalShortcut`, `BrowserWindow`, `Tray`, `screen`, `clipboard`, `Menu` and `app`.
 */
export interface DesktopPort {
  /** `process.platform`: `darwin`, `win32`, `linux` … */
  readonly platform: string;

  // ---- the global shortcut ----
  /** Register a system-wide chord. False when the system or another program refused it (Electron fails silently). */
  registerShortcut(accelerator: string, onPress: () => void): boolean;
  unregisterShortcut(accelerator: string): void;

  // ---- the quick prompt's window (created once, hidden, and shown and hidden from then on) ----
  /** Create the quick window, hidden, its page loading; `onBlur` is called when it loses focus. */
  createQuickWindow(onBlur: () => void): void;
  /** Move the quick window to `bounds`, show it and give it the focus. */
  showQuick(bounds: Rect): void;
  hideQuick(): void;
  isQuickVisible(): boolean;
  /** Resize the quick window to `height` (the width and top stay). */
  setQuickHeight(height: number): void;
  /** The work area (screen minus task bars) of the display under the mouse pointer. */
  cursorWorkArea(): Rect;
  /** macOS: give the focus back to the app used before (hides Phi Desk's windows; the Dock brings them back). */
  returnFocus(): void;

  // ---- the chat window ----
  isMainWindowOpen(): boolean;
  /** The chat window is open and has the focus (the quick prompt was called from inside Phi Desk). */
  isMainWindowFocused(): boolean;
  /**
   * Bring the chat window to the front, opening it if it is closed — on `conversationId` when given (a new window
   * opens on it; an open one is told with `onShowConversation` by the caller). Resolves once its page has loaded.
   */
  showMainWindow(conversationId?: string): Promise<void>;

  // ---- tray, menu, login item ----
  /** Show the tray icon with these entries (or update them). False where the system has no tray. */
  setTray(entries: TrayEntry[]): boolean;
  removeTray(): void;
  /** Install the application menu. */
  setMenu(entries: MenuEntry[]): void;
  /** The system lets the app start at login (`app.setLoginItemSettings`: macOS and Windows). */
  loginItemSupported(): boolean;
  setLoginItem(openAtLogin: boolean): void;

  // ---- the rest ----
  /** The clipboard's plain text (empty when it holds none). */
  readClipboard(): Promise<string>;
  /** Send an event to every window (each ignores what is not for it). */
  push(event: PushEvents): void;
  /** Open the data folder in the system's file manager. */
  openDataFolder(): void;
  /** Show the app's log file in the system's file manager. */
  showLogs(): void;
  quit(): void;
}
