import { BrowserWindow, type BrowserWindowConstructorOptions, type WebPreferences } from 'electron';
import { APP_ORIGIN } from '../common/ipc-channel';
import { QUICK_MIN_HEIGHT, QUICK_WIDTH } from '../node/desktop/desktop-controller';
import { spellcheckAllowed } from './security';

/** How the app runs: packaged (DevTools off) or from the checkout, and on which platform. */
export interface WindowContext {
  preloadPath: string;
  packaged: boolean;
  platform: string;
}

/**
 * Every window's web preferences: the renderer in a sandboxed, context-isolated page with no Node access, the
 * preload's two-function bridge its only way out; DevTools only when not packaged; the spellchecker only where it
 * never downloads dictionaries (see `security.ts`).
 */
export function secureWebPreferences(context: WindowContext): WebPreferences {
  return {
    preload: context.preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    devTools: !context.packaged,
    spellcheck: spellcheckAllowed(context.platform),
  };
}

/** The chat window's options. */
export function chatWindowOptions(context: WindowContext): BrowserWindowConstructorOptions {
  return {
    width: 1100,
    height: 760,
    minWidth: 520,
    minHeight: 400,
    title: 'Phi Desk',
    show: false,
    webPreferences: secureWebPreferences(context),
  };
}

/**
 * The quick prompt's options: frameless, always on top, out of the task bar, created hidden (and painted while
 * hidden) so it appears at once; never throttled in the background, so it stays warm between uses. On macOS a panel
 * (it floats over full-screen apps without activating Phi Desk's other windows).
 */
export function quickWindowOptions(context: WindowContext): BrowserWindowConstructorOptions {
  return {
    width: QUICK_WIDTH,
    height: QUICK_MIN_HEIGHT,
    title: 'Phi Desk — Quick prompt',
    show: false,
    paintWhenInitiallyHidden: true,
    frame: false,
    alwaysOnTop: true,
    skipTaskbar: true,
    resizable: false,
    minimizable: false,
    maximizable: false,
    fullscreenable: false,
    ...(context.platform === 'darwin' ? { type: 'panel', hiddenInMissionControl: true } : {}),
    webPreferences: { ...secureWebPreferences(context), backgroundThrottling: false },
  };
}

/** The chat window, opened on `conversationId` when given (the page reads `#conversation=<id>`). */
export function createChatWindow(context: WindowContext, conversationId?: string): BrowserWindow {
  const window = new BrowserWindow(chatWindowOptions(context));
  window.once('ready-to-show', () => window.show());
  const hash = conversationId === undefined ? '' : `#conversation=${encodeURIComponent(conversationId)}`;
  void window.loadURL(`${APP_ORIGIN}/index.html${hash}`);
  return window;
}

/** The quick prompt's window, hidden; on macOS on every workspace without turning the app into a UI-less agent. */
export function createQuickWindow(context: WindowContext): BrowserWindow {
  const window = new BrowserWindow(quickWindowOptions(context));
  if (context.platform === 'darwin') {
    window.setVisibleOnAllWorkspaces(true, { visibleOnFullScreen: true, skipTransformProcessType: true });
  }
  void window.loadURL(`${APP_ORIGIN}/quick.html`);
  return window;
}
