import { acceleratorText, type AcceleratorPlatform } from '../../common/accelerator';
import type { AppCommand } from '../../common/app-commands';
import { RpcError } from '../../common/contract';
import type { AppSettings, QuickStatus } from '../../common/types';
import type { WindowHost } from '../host/window-host';
import { appMenu, type MenuAction } from './app-menu';
import type { DesktopPort, Rect } from './desktop-port';
import { parseLaunchArgs } from './launch-args';
import { trayMenu, type TrayAction } from './tray-menu';

/** The quick prompt's size: as wide as a comfortable line of text, as tall as its content up to a share of the screen. */
export const QUICK_WIDTH = 640;
/** The height it opens at, before its page has said how tall its content is: the prompt box alone. */
export const QUICK_MIN_HEIGHT = 96;
/** The most it grows to, in pixels, and as a share of the display's work area (then the answer scrolls inside). */
export const QUICK_MAX_HEIGHT = 560;
export const QUICK_MAX_SHARE = 0.7;
/** Where its top edge sits, as a share of the work area's height (Spotlight-like: a little above the middle). */
const QUICK_TOP_SHARE = 0.2;
/** Kept free around it on a small screen. */
const MARGIN = 16;

/** The settings the controller acts on. */
export type DesktopSettings = Pick<
  AppSettings,
  'quickShortcut' | 'quickShortcutEnabled' | 'quickHideOnBlur' | 'keepInTray' | 'startAtLogin'
>;

export interface DesktopControllerOptions {
  /** The app's name (the macOS app menu). */
  appName: string;
  /** Not packaged: the menu gets the developer tools. */
  development: boolean;
}

/**
 * The desktop shell's logic — the global shortcut, the quick prompt's window, the tray, the application menu, a
 * second launch, closing the chat window — over a {@link DesktopPort}, with no Electron in it (the port's Electron
 * side is `src-main/electron-main/desktop-port.ts`). It is the desktop app's {@link WindowHost}: the contract's
 * `windows.*` and `quick.*` methods end here.
 *
 * Shortcut rule: a chord is only ever replaced by one that registered. A settings change that asks for a chord the
 * system refuses is refused in words (see {@link gateSettings}) and the previous chord stays registered.
 */
export class DesktopController implements WindowHost {
  readonly #port: DesktopPort;
  readonly #options: DesktopControllerOptions;
  readonly #platform: AcceleratorPlatform;
  #settings: DesktopSettings | null = null;
  /** The chord registered now. */
  #registered: string | null = null;
  /** Why the shortcut is not what the settings ask for, in words; `null` when it is. */
  #problem: string | null = null;
  #tray = false;
  /** The work area the quick prompt was last placed in (its size limits come from it). */
  #area: Rect | null = null;
  #quickBounds: Rect | null = null;
  /** The quick prompt was called while the chat window had the focus: hiding it gives the focus back there. */
  #calledFromApp = false;
  #started = false;
  #stopped = false;

  constructor(port: DesktopPort, options: DesktopControllerOptions) {
    this.#port = port;
    this.#options = options;
    this.#platform = port.platform === 'darwin' ? 'mac' : 'other';
  }

  /**
   * Start with the stored settings: create the quick window (hidden, so it appears at once later), register the
   * shortcut (a refusal is reported in the status, not thrown: the app starts anyway), show the tray and the menu,
   * apply the login item.
   */
  start(settings: DesktopSettings): void {
    if (this.#started) return;
    this.#started = true;
    this.#settings = settings;
    this.#port.createQuickWindow(() => this.#onQuickBlur());
    if (settings.quickShortcutEnabled) {
      if (this.#register(settings.quickShortcut)) this.#problem = null;
      else this.#problem = this.#refusal(settings.quickShortcut, null);
    }
    this.#applyLoginItem(settings);
    this.#refreshShell();
  }

  /**
   * The settings gate (`SettingsService`): before a change is stored, apply its shortcut part. A chord that does not
   * register is refused with a `BAD_REQUEST` saying so, and the chord in force stays. Returns how to undo the change
   * if storing it then fails.
   */
  gateSettings(next: DesktopSettings, previous: DesktopSettings): (() => void) | void {
    if (!this.#started || this.#stopped) return;
    // Only a change to the shortcut touches it: saving other settings never fails on a chord refused earlier.
    if (next.quickShortcut === previous.quickShortcut && next.quickShortcutEnabled === previous.quickShortcutEnabled) return;
    const before = this.#registered;
    const wanted = next.quickShortcutEnabled ? next.quickShortcut : null;
    if (wanted !== null && wanted === before) {
      this.#setProblem(null);
      return;
    }
    if (wanted === null) {
      if (before === null && this.#problem === null) return;
      if (before !== null) this.#port.unregisterShortcut(before);
      this.#registered = null;
      this.#problem = null;
    } else if (this.#register(wanted)) {
      if (before !== null) this.#port.unregisterShortcut(before);
      this.#problem = null;
    } else {
      // Nothing is stored and the chord in force stays; the status says why until the next change.
      const message = this.#refusal(wanted, before);
      this.#setProblem(message);
      throw new RpcError('BAD_REQUEST', message, { reason: 'SHORTCUT_TAKEN', field: 'quickShortcut' });
    }
    this.#refreshShell();
    return () => {
      if (this.#registered !== null) this.#port.unregisterShortcut(this.#registered);
      this.#registered = null;
      if (before !== null) this.#register(before);
      this.#refreshShell();
    };
  }

  /** The settings were stored (from any window): apply the rest (blur, tray, login item). */
  settingsChanged(settings: DesktopSettings): void {
    if (!this.#started || this.#stopped) return;
    const loginChanged = this.#settings?.startAtLogin !== settings.startAtLogin;
    this.#settings = settings;
    if (loginChanged) this.#applyLoginItem(settings);
    this.#refreshShell();
  }

  // ---- the quick prompt ----

  /** The global shortcut, the tray's and the menu's "Quick prompt": hide it if shown, else show it. */
  toggleQuick(): void {
    if (this.#port.isQuickVisible()) this.hideQuick();
    else this.showQuick();
  }

  /** Show the quick prompt on the display under the mouse pointer, with the focus in its box. */
  showQuick(): void {
    if (this.#stopped) return;
    this.#calledFromApp = this.#port.isMainWindowFocused();
    const area = this.#port.cursorWorkArea();
    const height = this.#quickBounds?.height ?? QUICK_MIN_HEIGHT;
    this.#area = area;
    this.#quickBounds = placeQuick(area, clampHeight(height, area));
    this.#port.showQuick(this.#quickBounds);
    this.#port.push({ type: 'onQuickShown' });
  }

  /**
   * Hide the quick prompt (Esc, or the shortcut again). On macOS the focus then goes back to the app that had it —
   * unless the prompt was called from Phi Desk's own chat window, which simply gets it back.
   */
  hideQuick(): boolean {
    if (!this.#port.isQuickVisible()) return false;
    this.#port.hideQuick();
    if (this.#platform === 'mac' && !this.#calledFromApp) this.#port.returnFocus();
    return true;
  }

  /** The page's content is `contentHeight` tall: the window follows, between its minimum and maximum. */
  resizeQuick(contentHeight: number): number | null {
    const area = this.#area ?? this.#port.cursorWorkArea();
    const height = clampHeight(contentHeight, area);
    if (this.#quickBounds?.height === height) return height;
    this.#quickBounds = { ...(this.#quickBounds ?? placeQuick(area, height)), height };
    this.#port.setQuickHeight(height);
    return height;
  }

  async readClipboard(): Promise<string | null> {
    const text = await this.#port.readClipboard();
    return text === '' ? null : text;
  }

  // ---- the chat window ----

  /**
   * "Continue in Phi Desk": an open chat window switches to the conversation (`onShowConversation`), a closed one
   * opens on it; either way it comes to the front and the quick prompt hides (the focus goes to the chat window).
   */
  showConversation(conversationId: string): boolean {
    const open = this.#port.isMainWindowOpen();
    if (open) this.#port.push({ type: 'onShowConversation', conversationId });
    if (this.#port.isQuickVisible()) this.#port.hideQuick();
    void this.#port.showMainWindow(open ? undefined : conversationId);
    return true;
  }

  /** The chat window was closed: keep running in the tray if asked to (and there is one), else quit (macOS: stay). */
  mainWindowClosed(): void {
    if (this.#stopped) return; // quitting already: the windows close on their way out
    if (this.#settings?.keepInTray && this.#tray) return;
    if (this.#port.platform === 'darwin') return;
    this.quit();
  }

  /**
   * Another launch of `phi-desk` (the single-instance lock sent its arguments here): `--quick` shows the quick prompt
   * (so a desktop-environment shortcut can run `phi-desk --quick`); anything else brings the chat window forward.
   */
  secondInstance(argv: readonly string[]): void {
    if (parseLaunchArgs(argv).quick) this.showQuick();
    else void this.#port.showMainWindow();
  }

  /** A menu item for the chat window: bring it forward (open it if closed), then send it the command. */
  async sendCommand(command: AppCommand): Promise<void> {
    await this.#port.showMainWindow();
    this.#port.push({ type: 'onMenuCommand', command });
  }

  /** A tray entry was chosen. */
  runTrayAction(action: TrayAction): void {
    if (action === 'openMain') void this.#port.showMainWindow();
    else if (action === 'toggleQuick') this.toggleQuick();
    else this.quit();
  }

  /** A main-process menu item was chosen. */
  runMenuAction(action: MenuAction): void {
    if (action === 'toggleQuick') this.toggleQuick();
    else if (action === 'showLogs') this.#port.showLogs();
    else this.#port.openDataFolder();
  }

  /** Quit the app (tray, or the last window closed): stop first, then ask the port to quit. */
  quit(): void {
    this.stop();
    this.#port.quit();
  }

  /** Unregister the shortcut and remove the tray; the app is quitting. Idempotent. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#registered !== null) this.#port.unregisterShortcut(this.#registered);
    this.#registered = null;
    if (this.#tray) this.#port.removeTray();
    this.#tray = false;
  }

  quickStatus(): QuickStatus {
    const enabled = this.#settings?.quickShortcutEnabled ?? false;
    return {
      shortcut: this.#registered !== null ? 'registered' : enabled ? 'failed' : 'off',
      accelerator: this.#registered,
      message: this.#problem,
      tray: this.#tray,
      loginItem: this.#port.loginItemSupported(),
    };
  }

  // ---- inside ----

  #register(accelerator: string): boolean {
    const ok = this.#port.registerShortcut(accelerator, () => this.toggleQuick());
    if (ok) this.#registered = accelerator;
    return ok;
  }

  /** Why `accelerator` is not in force, and what the user can do, in words. */
  #refusal(accelerator: string, kept: string | null): string {
    const text = (chord: string): string => acceleratorText(chord, this.#platform);
    const first = `${text(accelerator)} could not be set as the quick-prompt shortcut: another program may be using it.`;
    const keep = kept === null ? '' : ` Phi Desk keeps ${text(kept)}.`;
    const fallbacks =
      this.#port.platform === 'linux'
        ? ' On Wayland the desktop must offer global shortcuts through its portal (GNOME 48 or later, KDE Plasma 6);' +
          ' otherwise use the tray icon’s Quick prompt, or bind the command `phi-desk --quick` to a key in your' +
          ' desktop’s keyboard settings.'
        : ' Choose another one, or use the tray icon’s Quick prompt.';
    return first + keep + fallbacks;
  }

  #onQuickBlur(): void {
    if (this.#settings?.quickHideOnBlur && this.#port.isQuickVisible()) {
      // The focus has gone to another window already: nothing to give back.
      this.#port.hideQuick();
    }
  }

  #applyLoginItem(settings: DesktopSettings): void {
    if (this.#port.loginItemSupported()) this.#port.setLoginItem(settings.startAtLogin);
  }

  /** Tray and menu show the chord in force; every window is told the new status. */
  #refreshShell(): void {
    this.#tray = this.#port.setTray(trayMenu({ platform: this.#platform, shortcut: this.#registered }));
    this.#port.setMenu(
      appMenu({
        platform: this.#port.platform,
        appName: this.#options.appName,
        development: this.#options.development,
        quickShortcut: this.#registered,
      }),
    );
    this.#port.push({ type: 'onQuickStatus', status: this.quickStatus() });
  }

  #setProblem(problem: string | null): void {
    if (problem === this.#problem) return;
    this.#problem = problem;
    this.#port.push({ type: 'onQuickStatus', status: this.quickStatus() });
  }
}

/** The quick prompt's height for `contentHeight`: at least the prompt box, at most a share of the work area. */
export function clampHeight(contentHeight: number, area: Rect): number {
  const max = Math.max(QUICK_MIN_HEIGHT, Math.min(QUICK_MAX_HEIGHT, Math.floor(area.height * QUICK_MAX_SHARE)));
  return Math.min(max, Math.max(QUICK_MIN_HEIGHT, Math.round(contentHeight)));
}

/** Where the quick prompt goes in a work area: centred across, a fifth of the way down, inside the area. */
export function placeQuick(area: Rect, height: number): Rect {
  const width = Math.min(QUICK_WIDTH, Math.max(1, area.width - 2 * MARGIN));
  const x = area.x + Math.round((area.width - width) / 2);
  const y = area.y + Math.min(Math.round(area.height * QUICK_TOP_SHARE), Math.max(0, area.height - height));
  return { x, y, width, height };
}
